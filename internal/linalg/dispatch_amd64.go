//go:build amd64 && !purego

package linalg

import "golang.org/x/sys/cpu"

// Implemented in kernel_amd64.s.

//go:noescape
func tile4x4AVX512(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, accumulate bool)

//go:noescape
func tile2x8AVX512(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, accumulate bool)

//go:noescape
func panel6x64AVX512(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, mask uint64, accumulate bool)

//go:noescape
func dotAVX512(a, b *float32, n int) float32

//go:noescape
func axpyAVX512(alpha float32, x, y *float32, n int)

//go:noescape
func skinny2x8AVX512(k int, a *float32, lda int, m int, b *float32, ldb int, nv int, c *float32, ldc int, accumulate bool)

//go:noescape
func tile3x4AVX2(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, accumulate bool)

//go:noescape
func transpose8x8AVX(dst *float32, ldd int, src *float32, lds int)

//go:noescape
func panel6x16AVX2(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, mask uint64, accumulate bool)

//go:noescape
func dotAVX2(a, b *float32, n int) float32

//go:noescape
func axpyAVX2(alpha float32, x, y *float32, n int)

var (
	hasAVX512 = cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL
	hasAVX2   = cpu.X86.HasAVX2 && cpu.X86.HasFMA
)

// asmTiles lists the assembly tile kernels this CPU can run, best first.
func asmTiles() []tileKernel {
	var ts []tileKernel
	if hasAVX512 {
		ts = append(ts,
			tileKernel{name: "avx512", mr: 2, nr: 8, fn: tile2x8AVX512},
			// 4×4 reads more of A per FMA but wastes no rows when m%4 == 0;
			// it measured the same here and is kept tested as an alternative.
			tileKernel{name: "avx512-4x4", mr: 4, nr: 4, fn: tile4x4AVX512})
	}
	if hasAVX2 {
		ts = append(ts, tileKernel{name: "avx2", mr: 3, nr: 4, fn: tile3x4AVX2})
	}
	return ts
}

// asmSkinny lists the assembly small-m kernels this CPU can run, best first.
func asmSkinny() []*skinnyKernel {
	var ss []*skinnyKernel
	if hasAVX512 {
		ss = append(ss, &skinnyKernel{name: "avx512", nr: 8, fn: skinny2x8AVX512})
	}
	return ss
}

// asmPanels lists the assembly outer-product kernels this CPU can run, best first.
func asmPanels() []*panelKernel {
	var ps []*panelKernel
	if hasAVX512 {
		ps = append(ps, &panelKernel{name: "avx512", mr: 6, nr: 64, masked: true, fn: panel6x64AVX512})
	}
	if hasAVX2 {
		ps = append(ps, &panelKernel{name: "avx2", mr: 6, nr: 16, fn: panel6x16AVX2})
	}
	return ps
}

// asmTranspose8x8 returns an assembly 8×8 block transpose, or nil.
func asmTranspose8x8() func(dst *float32, ldd int, src *float32, lds int) {
	if hasAVX2 {
		return transpose8x8AVX
	}
	return nil
}

// asmVec lists the assembly Dot/Axpy kernels this CPU can run, best first.
func asmVec() []vecKernels {
	var vs []vecKernels
	if hasAVX512 {
		vs = append(vs, vecKernels{name: "avx512", dot: dotAVX512Slice, axpy: axpyAVX512Slice})
	}
	if hasAVX2 {
		vs = append(vs, vecKernels{name: "avx2", dot: dotAVX2Slice, axpy: axpyAVX2Slice})
	}
	return vs
}

func dotAVX512Slice(a, b []float32) float32 {
	if len(a) == 0 {
		return 0
	}
	_ = b[len(a)-1]
	return dotAVX512(&a[0], &b[0], len(a))
}

func axpyAVX512Slice(alpha float32, x, y []float32) {
	if len(x) == 0 {
		return
	}
	_ = y[len(x)-1]
	axpyAVX512(alpha, &x[0], &y[0], len(x))
}

func dotAVX2Slice(a, b []float32) float32 {
	if len(a) == 0 {
		return 0
	}
	_ = b[len(a)-1]
	return dotAVX2(&a[0], &b[0], len(a))
}

func axpyAVX2Slice(alpha float32, x, y []float32) {
	if len(x) == 0 {
		return
	}
	_ = y[len(x)-1]
	axpyAVX2(alpha, &x[0], &y[0], len(x))
}
