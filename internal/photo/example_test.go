package photo_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/targetvision/targetvision/internal/photo"
)

// The indexer's use: one call per file writes both derived JPEGs and returns
// what goes into the photos table.
func ExampleProcess() {
	out, err := os.MkdirTemp("", "photo-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(out)

	src := "../../../shared/testdata/photos/camera/issue-exifr-59.jpg"
	info, err := photo.Process(context.Background(), src, photo.Limits{}, photo.Outputs{
		ThumbPath:     filepath.Join(out, "thumb", "59.jpg"),
		RenditionPath: filepath.Join(out, "rendition", "59.jpg"),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(info.Format, info.Width, info.Height)
	fmt.Println(info.CameraMake, info.CameraModel, info.Lens)
	fmt.Println(info.TakenAt, info.TakenAtHasZone)
	fmt.Printf("%s f/%.1f %gmm ISO %d\n", info.ExposureTime, info.FNumber, info.FocalLength, info.ISO)
	fmt.Printf("%.4f %.4f %.0fm\n", info.GPS.Lat, info.GPS.Lon, *info.GPS.Alt)
	fmt.Println(info.SHA256[:16], info.Size)
	// Output:
	// jpeg 150 100
	// Canon Canon EOS 600D EF-S15-85mm f/3.5-5.6 IS USM
	// 2015-06-12 13:40:32 +0000 UTC false
	// 1/1250 f/5.6 85mm ISO 160
	// 37.7468 -119.5299 1960m
	// 572f96b0e70a8ac1 38087
}
