module github.com/targetvision/targetvision

go 1.26.8
