package linalg_test

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/linalg"
)

// benchShape is a product written m×k·k×n, as CLIP's spec writes its layers.
type benchShape struct{ m, k, n int }

func (s benchShape) String() string { return fmt.Sprintf("%dx%dx%d", s.m, s.k, s.n) }

// clipShapes are CLIP ViT-B/32's linear layers on one image (50 tokens) and on
// a batch of 16 images (800 tokens).
var clipShapes = []benchShape{
	{m: 50, k: 768, n: 2304},  // attention QKV projection
	{m: 50, k: 768, n: 3072},  // MLP fc1
	{m: 800, k: 768, n: 2304}, // QKV projection, batch of 16
	{m: 800, k: 768, n: 768},  // attention output projection, batch of 16
	{m: 800, k: 768, n: 3072}, // MLP fc1, batch of 16
	{m: 800, k: 3072, n: 768}, // MLP fc2, batch of 16
}

// gemmImpl is one implementation of C = A·Bᵀ under benchmark.
type gemmImpl struct {
	name string
	fn   func(c, a, b []float32, m, n, k int, accumulate bool)
	// setup, if set, runs before the timed loop (with GOMAXPROCS already set by -cpu).
	setup func()
}

// benchImpls lists ours as dispatched on this CPU ("ours-" and the tile
// kernel's name), the dispatched tile kernel alone ("tiles-", the path every
// product took before the packed path for many rows), the other assembly tile
// kernels it can run ("alt-NAME": the paths of other CPUs), the packed path
// with each of its assembly kernels ("packed-NAME") and the pure-Go fallback;
// openblas_test.go adds OpenBLAS under -tags openblas.
var benchImpls = func() []gemmImpl {
	impls := []gemmImpl{
		{name: "ours-" + linalg.KernelName(), fn: linalg.MatMulTransB},
		{name: "tiles-" + linalg.KernelName(), fn: linalg.MatMulTransBTiles},
	}
	alts := linalg.AsmTileKernels()
	for _, name := range slices.Sorted(maps.Keys(alts)) {
		if name != linalg.KernelName() {
			impls = append(impls, gemmImpl{name: "alt-" + name, fn: alts[name]})
		}
	}
	packed := linalg.AsmBatchKernels()
	for _, name := range slices.Sorted(maps.Keys(packed)) {
		impls = append(impls, gemmImpl{name: "packed-" + name, fn: packed[name]})
	}
	return append(impls, gemmImpl{name: "ours-purego", fn: linalg.MatMulTransBGo})
}()

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

func reportGFLOPS(b *testing.B, s benchShape) {
	flops := 2 * float64(s.m) * float64(s.n) * float64(s.k) * float64(b.N)
	b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkMatMulTransB runs every implementation on each CLIP shape, named
// shape/implementation so that they sit next to each other in the output.
func BenchmarkMatMulTransB(b *testing.B) {
	for _, s := range clipShapes {
		for _, im := range benchImpls {
			b.Run(s.String()+"/"+im.name, func(b *testing.B) {
				r := rand.New(rand.NewPCG(1, 1))
				x, w, c := randSlice(r, s.m*s.k), randSlice(r, s.n*s.k), make([]float32, s.m*s.n)
				if im.setup != nil {
					im.setup()
				}
				im.fn(c, x, w, s.m, s.n, s.k, false) // warm up: page faults, thread start
				cpu0 := processCPU()
				for b.Loop() {
					im.fn(c, x, w, s.m, s.n, s.k, false)
				}
				reportGFLOPS(b, s)
				if cpu := processCPU() - cpu0; cpu > 0 {
					// Per CPU-second of this process: with -cpu 1 it is the
					// single-core speed, little disturbed by other processes;
					// with more threads it also counts time spent spinning.
					flops := 2 * float64(s.m) * float64(s.n) * float64(s.k) * float64(b.N)
					b.ReportMetric(flops/cpu.Seconds()/1e9, "GFLOP/cpu-s")
				}
			})
		}
	}
}

// BenchmarkMatMulTransBInterleaved runs the implementations on each CLIP
// shape in turn, one call each, round after round (b.N rounds), and reports
// each one's fastest call as <name>-GFLOP/s. On a machine shared with other
// work the fastest of many calls is the one least disturbed by it, and
// interleaving gives every implementation the same disturbances, so the
// ratios hold where BenchmarkMatMulTransB's averages drift between
// sub-benchmarks. The pure-Go kernel is left out (a batch shape takes it a
// second a call).
func BenchmarkMatMulTransBInterleaved(b *testing.B) {
	var impls []gemmImpl
	for _, im := range benchImpls {
		if im.name != "ours-purego" {
			impls = append(impls, im)
		}
	}
	for _, s := range clipShapes {
		b.Run(s.String(), func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 1))
			x, w, c := randSlice(r, s.m*s.k), randSlice(r, s.n*s.k), make([]float32, s.m*s.n)
			flops := 2 * float64(s.m) * float64(s.n) * float64(s.k)
			best := make([]float64, len(impls))
			for _, im := range impls { // warm up: page faults, thread start
				if im.setup != nil {
					im.setup()
				}
				im.fn(c, x, w, s.m, s.n, s.k, false)
			}
			for b.Loop() {
				for i, im := range impls {
					if im.setup != nil {
						im.setup()
					}
					t0 := time.Now()
					im.fn(c, x, w, s.m, s.n, s.k, false)
					best[i] = max(best[i], flops/time.Since(t0).Seconds()/1e9)
				}
			}
			for i, im := range impls {
				b.ReportMetric(best[i], im.name+"-GFLOP/s")
			}
		})
	}
}

func BenchmarkMatMul(b *testing.B) {
	// Attention probabilities·V for one head, and a 768-wide product.
	for _, s := range []benchShape{{m: 50, k: 50, n: 64}, {m: 50, k: 768, n: 768}} {
		b.Run(s.String(), func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 1))
			x, w, c := randSlice(r, s.m*s.k), randSlice(r, s.k*s.n), make([]float32, s.m*s.n)
			for b.Loop() {
				linalg.MatMul(c, x, w, s.m, s.n, s.k, false)
			}
			reportGFLOPS(b, s)
		})
	}
}

func BenchmarkDot768(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	x, y := randSlice(r, 768), randSlice(r, 768)
	var s float32
	for b.Loop() {
		s += linalg.Dot(x, y)
	}
	_ = s
}

func BenchmarkAxpy768(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	x, y := randSlice(r, 768), randSlice(r, 768)
	for b.Loop() {
		linalg.Axpy(1e-3, x, y)
	}
}

// BenchmarkTextTower runs the linear layers of CLIP ViT-B/32's text tower for
// one 10-token query: 12 layers, each with its own weights (144 MB in all, far
// more than any cache, as in real use), m = 10 rows. It measures the
// small-m path that streams the weights from memory.
func BenchmarkTextTower(b *testing.B) {
	const m, d, f, layers = 10, 512, 2048, 12
	type layer struct{ qkv, o, w1, w2 []float32 }
	r := rand.New(rand.NewPCG(1, 1))
	ws := make([]layer, layers)
	for i := range ws {
		ws[i] = layer{randSlice(r, 3*d*d), randSlice(r, d*d), randSlice(r, f*d), randSlice(r, d*f)}
	}
	x, qkv, mid := randSlice(r, m*f), make([]float32, m*3*d), make([]float32, m*f)
	out := make([]float32, m*d)
	for _, im := range benchImpls {
		if im.name == "ours-purego" || strings.HasPrefix(im.name, "alt-") || strings.HasPrefix(im.name, "packed-") {
			continue
		}
		b.Run(im.name, func(b *testing.B) {
			if im.setup != nil {
				im.setup()
			}
			run := func() {
				for _, w := range ws {
					im.fn(qkv, x, w.qkv, m, 3*d, d, false)
					im.fn(out, x, w.o, m, d, d, true)
					im.fn(mid, x, w.w1, m, f, d, false)
					im.fn(out, x, w.w2, m, d, f, true)
				}
			}
			run()
			cpu0 := processCPU()
			for b.Loop() {
				run()
			}
			bytes := float64(layers*(4*d*d+2*d*f)*4) * float64(b.N)
			b.ReportMetric(bytes/b.Elapsed().Seconds()/1e9, "GB/s")
			b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
}
