package clip_test

import (
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/targetvision/targetvision/internal/clip"
	"github.com/targetvision/targetvision/internal/clip/cliptest"
)

func tinyModel(t *testing.T, opts cliptest.Options) (*clip.Model, string) {
	t.Helper()
	dir := t.TempDir()
	if err := cliptest.WriteCheckpoint(dir, opts); err != nil {
		t.Fatal(err)
	}
	m, err := clip.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return m, dir
}

func gradient(w, h int, seed uint8) image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.NRGBA{uint8(x*3) + seed, uint8(y * 5), seed * 7, 255})
		}
	}
	return img
}

func TestEmbedImagesBatchesConsistently(t *testing.T) {
	t.Parallel()
	m, _ := tinyModel(t, cliptest.Options{Seed: 11})
	ctx := context.Background()
	// 18 images span two internal batches; each must equal its solo embedding.
	imgs := make([]image.Image, 18)
	for i := range imgs {
		imgs[i] = gradient(80+i, 70, uint8(i))
	}
	all, err := m.EmbedImages(ctx, imgs)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(imgs) {
		t.Fatalf("%d embeddings for %d images", len(all), len(imgs))
	}
	for _, i := range []int{0, 15, 16, 17} {
		solo, err := m.EmbedImages(ctx, imgs[i:i+1])
		if err != nil {
			t.Fatal(err)
		}
		var norm float64
		for j := range solo[0] {
			if d := math.Abs(float64(solo[0][j] - all[i][j])); d > 1e-5 {
				t.Fatalf("image %d dim %d: batch %v solo %v", i, j, all[i][j], solo[0][j])
			}
			norm += float64(all[i][j]) * float64(all[i][j])
		}
		if math.Abs(norm-1) > 1e-5 || len(all[i]) != m.Dim() {
			t.Errorf("image %d: |v|² = %v, len %d", i, norm, len(all[i]))
		}
	}
}

func TestEmbedCancelled(t *testing.T) {
	t.Parallel()
	m, _ := tinyModel(t, cliptest.Options{Seed: 12})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.EmbedImages(ctx, []image.Image{gradient(64, 64, 1)}); !errors.Is(err, context.Canceled) {
		t.Errorf("EmbedImages: %v", err)
	}
	if _, err := m.EmbedText(ctx, "a cat"); !errors.Is(err, context.Canceled) {
		t.Errorf("EmbedText: %v", err)
	}
	if _, err := m.EmbedImages(context.Background(), nil); !errors.Is(err, clip.ErrEmptyInput) {
		t.Errorf("no images: %v", err)
	}
	if _, err := m.EmbedImages(context.Background(), []image.Image{image.NewRGBA(image.Rect(0, 0, 0, 10))}); !errors.Is(err, clip.ErrEmptyInput) {
		t.Errorf("empty image: %v", err)
	}
	// Extreme aspect ratios resize only the rows and columns the crop keeps.
	if _, err := m.EmbedImages(context.Background(), []image.Image{gradient(1, 3000, 1), gradient(2500, 1, 2)}); err != nil {
		t.Errorf("thin images: %v", err)
	}
}

func TestEmbedTextProperties(t *testing.T) {
	t.Parallel()
	m, _ := tinyModel(t, cliptest.Options{Seed: 13})
	ctx := context.Background()
	a, err := m.EmbedText(ctx, "a photo of a cat")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := m.EmbedText(ctx, "A  PHOTO of a cat") // same tokens
	c, _ := m.EmbedText(ctx, "a photo of a dog")
	if dot(a, b) < 0.99999 {
		t.Errorf("same tokens, cosine %v", dot(a, b))
	}
	if dot(a, c) > 0.9999 {
		t.Errorf("different text, cosine %v", dot(a, c))
	}
	if math.Abs(float64(m.LogitScale())-100) > 1e-3 {
		t.Errorf("LogitScale = %v, want exp(ln 100)", m.LogitScale())
	}
	// A 200-word query is truncated to the context, not rejected.
	long := ""
	for i := 0; i < 200; i++ {
		long += "cat "
	}
	if _, err := m.EmbedText(ctx, long); err != nil {
		t.Errorf("long query: %v", err)
	}
}

func dot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

func TestModelName(t *testing.T) {
	t.Parallel()
	m, dir := tinyModel(t, cliptest.Options{Seed: 14, Name: "openai/clip-vit-base-patch32"})
	if m.Name() != "openai/clip-vit-base-patch32" {
		t.Errorf("from config: %q", m.Name())
	}
	src, _ := json.Marshal(clip.Source{Repo: "laion/x", Revision: "main"})
	if err := os.WriteFile(filepath.Join(dir, clip.SourceFile), src, 0o644); err != nil {
		t.Fatal(err)
	}
	if m2, err := clip.Load(dir); err != nil || m2.Name() != "laion/x" {
		t.Errorf("from source.json: %q %v", m2.Name(), err)
	}
	if m3, err := clip.Load(dir, clip.WithName("custom")); err != nil || m3.Name() != "custom" {
		t.Errorf("WithName: %v", err)
	}
	if got := clip.ModelDir("/data", clip.DefaultModel); got != "/data/models/laion/CLIP-ViT-B-32-laion2B-s34B-b79K" {
		t.Errorf("ModelDir = %q", got)
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	if err := cliptest.WriteCheckpoint(base, cliptest.Options{Seed: 15}); err != nil {
		t.Fatal(err)
	}
	other := t.TempDir()
	if err := cliptest.WriteCheckpoint(other, cliptest.Options{Seed: 15, VisionWidth: 48}); err != nil {
		t.Fatal(err)
	}
	copyTo := func(t *testing.T, from, name string) string {
		dir := t.TempDir()
		for _, f := range clip.Files {
			src := base
			if f == name {
				src = from
			}
			if from == "" && f == name {
				continue
			}
			b, err := os.ReadFile(filepath.Join(src, f))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	t.Run("missing weights", func(t *testing.T) {
		if _, err := clip.Load(copyTo(t, "", "model.safetensors")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("weights of another shape", func(t *testing.T) {
		if _, err := clip.Load(copyTo(t, other, "model.safetensors")); !errors.Is(err, clip.ErrShape) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("missing tensor", func(t *testing.T) {
		w := cliptest.RandomWeights(cliptest.Options{}.Config(), 1)
		delete(w, "text_projection.weight")
		if _, err := clip.NewModel(cliptest.Options{}.Config(), w, nil); !errors.Is(err, clip.ErrMissingTensor) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("truncated weights", func(t *testing.T) {
		dir := copyTo(t, base, "")
		p := filepath.Join(dir, "model.safetensors")
		b, _ := os.ReadFile(p)
		if err := os.WriteFile(p, b[:len(b)-100], 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := clip.Load(dir); !errors.Is(err, clip.ErrFormat) {
			t.Errorf("err = %v", err)
		}
	})
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	m, _ := tinyModel(t, cliptest.Options{Seed: 16})
	ctx := context.Background()
	want, err := m.EmbedText(ctx, "red barn in snow")
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		go func() {
			if g%2 == 0 {
				_, err := m.EmbedImages(ctx, []image.Image{gradient(70, 90, uint8(g))})
				errs <- err
				return
			}
			got, err := m.EmbedText(ctx, "red barn in snow")
			if err == nil && dot(got, want) < 0.99999 {
				err = errors.New("concurrent text embedding differs")
			}
			errs <- err
		}()
	}
	for g := 0; g < 8; g++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
