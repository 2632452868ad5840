package clip_test

import (
	"context"
	"image"
	"image/color"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/clip"
	"github.com/targetvision/targetvision/internal/clip/cliptest"
)

var (
	b32Once  sync.Once
	b32Model *clip.Model
	b32Err   error
)

// b32 builds a ViT-B/32 with real-size random weights in memory (never on
// disk) and the real tokenizer.
func b32(b *testing.B) *clip.Model {
	b.Helper()
	b32Once.Do(func() {
		path, err := cliptest.BPEPath()
		if err != nil {
			b32Err = err
			return
		}
		tok, err := clip.LoadTokenizerBPEGz(path)
		if err != nil {
			b32Err = err
			return
		}
		cfg := cliptest.ViTB32()
		b32Model, b32Err = clip.NewModel(cfg, cliptest.RandomWeights(cfg, 1), tok)
	})
	if b32Err != nil {
		b.Fatal(b32Err)
	}
	return b32Model
}

func randomPhotos(n, w, h int) []image.Image {
	r := rand.New(rand.NewPCG(5, 6))
	imgs := make([]image.Image, n)
	for i := range imgs {
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				img.SetRGBA(x, y, color.RGBA{uint8(r.IntN(256)), uint8(x), uint8(y), 255})
			}
		}
		imgs[i] = img
	}
	return imgs
}

// BenchmarkEmbedImagesB32 reports images/s for ViT-B/32 including
// preprocessing of 320×240 inputs.
func BenchmarkEmbedImagesB32(b *testing.B) {
	m := b32(b)
	for _, batch := range []int{1, 16} {
		b.Run("batch="+itoa(batch), func(b *testing.B) {
			imgs := randomPhotos(batch, 320, 240)
			ctx := context.Background()
			b.ResetTimer()
			cpu0 := cpuTime()
			for i := 0; i < b.N; i++ {
				if _, err := m.EmbedImages(ctx, imgs); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(batch*b.N)/b.Elapsed().Seconds(), "images/s")
			b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(batch*b.N), "cpu-ms/image")
		})
	}
}

// BenchmarkEmbedTextB32 reports the median and 95th-percentile latency of a
// 10-token query (SOT + 8 words + EOT).
func BenchmarkEmbedTextB32(b *testing.B) {
	m := b32(b)
	const q = "a red barn in the snow at dusk"
	if n := len(m.Tokenizer().Encode(q)); n != 10 {
		b.Fatalf("query has %d tokens, want 10", n)
	}
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, err := m.EmbedText(ctx, q); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/query")
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
