package clip_test

import (
	"context"
	"fmt"
	"image"
	"log"
	"os"

	"github.com/targetvision/targetvision/internal/clip"
	"github.com/targetvision/targetvision/internal/clip/cliptest"
)

// Load a checkpoint directory and embed a query and a photo into the same
// space; their dot product is the cosine similarity search ranks by.
func Example() {
	dir, err := os.MkdirTemp("", "clip-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	// Real use: dir = clip.ModelDir(dataDir, clip.DefaultModel) after
	// `targetvision models pull`. Here a tiny random checkpoint stands in.
	if err := cliptest.WriteCheckpoint(dir, cliptest.Options{Name: "example/tiny"}); err != nil {
		log.Fatal(err)
	}
	m, err := clip.Load(dir)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	q, err := m.EmbedText(ctx, "red barn in snow at dusk")
	if err != nil {
		log.Fatal(err)
	}
	imgs, err := m.EmbedImages(ctx, []image.Image{image.NewGray(image.Rect(0, 0, 640, 480))})
	if err != nil {
		log.Fatal(err)
	}
	var cos float32
	for i := range q {
		cos += q[i] * imgs[0][i]
	}
	fmt.Println(m.Name(), m.Dim(), len(imgs[0]), cos >= -1 && cos <= 1)
	// Output: example/tiny 16 16 true
}
