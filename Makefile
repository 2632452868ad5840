# The index of habits: `make help` lists them.
GO ?= go
PGDIR ?= /tmp/targetvision-pg

DOCKER ?= docker
IMAGE ?= targetvision:dev
# The Go image the Dockerfile builds with; CI passes a locally built one.
GO_IMAGE ?= golang:1.26-bookworm

.PHONY: help run test bench lint css css-check pg-start pg-stop image

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

run: ## serve the web UI and API on the embedded store (http://127.0.0.1:8080)
	$(GO) run ./cmd/targetvision serve

test: ## run every test, then the concurrent core again under the race detector (Postgres tests need TARGETVISION_TEST_DATABASE_URL; .ci/run sets it)
	$(GO) test -count=1 -timeout 30m ./...
	$(GO) test -count=1 -tags purego ./internal/linalg/... ./internal/clip/...
	$(GO) test -count=1 -tags openblas -run . ./internal/linalg/
	$(GO) test -count=1 -race ./internal/jobs/ ./internal/progress/ ./internal/ratelimit/... ./internal/pipeline/ ./internal/auth/ ./internal/blob/...

bench: ## run the Go benchmarks once (CLIP, GEMM, photo processing)
	$(GO) test -run '^$$' -bench . -benchtime 3x ./internal/linalg/ ./internal/clip/ ./internal/photo/

lint: ## gofmt and go vet
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet ./...

css: ## rebuild the Tailwind CSS (needs npm); commit the result
	bash web/build.sh

css-check: ## check the committed CSS matches a fresh build and run the JS unit tests
	bash web/build.sh --check

pg-start: ## start a local Postgres test cluster and print its URL
	@scripts/pg-test-cluster.sh start $(PGDIR)

pg-stop: ## stop the local Postgres test cluster
	@scripts/pg-test-cluster.sh stop $(PGDIR)

image: ## build the container image $(IMAGE) (GO_IMAGE=… picks the Go build image)
	$(DOCKER) build --network host --build-arg GO_IMAGE=$(GO_IMAGE) --build-arg GOPROXY=$$($(GO) env GOPROXY) -t $(IMAGE) .
