// Package linalg holds the float32 matrix kernels that CLIP inference runs on.
//
// The pure-Go kernels are the specification; optimised (assembly) kernels are
// selected at run time from the CPU's features and tested against them. Build
// with -tags purego to use the pure-Go kernels everywhere.
//
// All matrices are dense and row-major. Slices may start anywhere (they need no
// alignment) and may be longer than the matrix they hold; the functions panic
// when one is too short, like an out-of-range index would. C must not overlap
// A or B.
//
// How the products are computed: A·Bᵀ, the linear layer, is a blocked loop
// (k blocks for L1, row blocks of A for L2) around a tile kernel that takes the
// dot products of mr rows of A with nr rows of B, reading both along k as they
// lie in memory, so the weights are never packed; only partial tiles at the
// edges go through small zero-padded copies. Kernels, best first:
//   - avx512: 2×8 tiles, AVX-512F, masked loads for the k tail;
//   - avx2: 3×4 tiles, AVX2 and FMA;
//   - neon: 4×4 tiles on arm64 (the lanes are summed in Go);
//   - go: 4×4 tiles in pure Go, the reference (the only one with -tags purego).
//
// Products with few rows of A (at most 12: a text query's tokens against a
// linear layer) stream the weights and use each only a few times; where the
// CPU has one (AVX-512), a skinny kernel takes them: all rows of A against 8
// rows of B at a time, which come from memory once.
//
// Products of at least 2²⁰ multiply-adds (skinny ones: of at least 2¹⁷
// weights) are split over GOMAXPROCS goroutines in chunks taken from a shared
// counter, skinny ones over the rows of B so that each core streams its own
// part of the weights. The chunks go to helper goroutines that keep polling
// for work for 200 µs after their last chunk: a virtual CPU that has gone
// idle takes about 100 µs to wake, as long as a whole product of a text query. A·B with a small B (attention's
// probabilities·V) uses an outer-product kernel (AVX-512 6×64 or AVX2 6×16)
// that accumulates whole tiles in registers; otherwise B is transposed (8×8
// AVX blocks) and multiplied as A·Bᵀ.
//
// Benchmarks, and the side-by-side comparison with OpenBLAS (needs cgo and
// Debian's libopenblas-dev):
//
//	go test -run '^$' -bench . ./internal/linalg
//	go test -tags openblas -run '^$' -bench MatMulTransB -cpu 2 -count 5 ./internal/linalg
package linalg

// MatMulTransB computes C = A·Bᵀ (+ C when accumulate is true) for row-major
// A (m×k), B (n×k) and C (m×n). This is the shape of a neural-network linear
// layer whose weights are stored [out, in], as Hugging Face checkpoints store them,
// and it is the hot path of CLIP: both operands are read along k, so no packing is needed.
// Large products are split over GOMAXPROCS goroutines.
func MatMulTransB(c, a, b []float32, m, n, k int, accumulate bool) {
	checkDims(len(c), len(a), len(b), m, n, k)
	gemmTransB(c, a, b, m, n, k, n, k, k, accumulate)
}

// MatMul computes C = A·B (+ C when accumulate is true) for row-major A (m×k),
// B (k×n) and C (m×n), as in attention's probabilities·V. A small B (up to
// 64 KiB) goes straight to an outer-product kernel where the CPU has one;
// otherwise B is transposed into a scratch buffer so that the A·Bᵀ kernels do
// the work, or, for very few rows, the product is one Axpy per element of A.
func MatMul(c, a, b []float32, m, n, k int, accumulate bool) {
	checkDims(len(c), len(a), len(b), m, n, k)
	gemmNoTrans(c, a, b, m, n, k, accumulate)
}

// Dot returns the inner product of a and b, which must have the same length.
func Dot(a, b []float32) float32 {
	if len(a) != len(b) {
		panic("linalg: Dot of slices of different lengths")
	}
	return dotImpl(a, b)
}

// Axpy computes y += alpha·x; x and y must have the same length.
func Axpy(alpha float32, x, y []float32) {
	if len(x) != len(y) {
		panic("linalg: Axpy of slices of different lengths")
	}
	axpyImpl(alpha, x, y)
}

func checkDims(lc, la, lb, m, n, k int) {
	if m < 0 || n < 0 || k < 0 {
		panic("linalg: negative dimension")
	}
	if la < m*k || lb < n*k || lc < m*n {
		panic("linalg: slice shorter than its matrix")
	}
}
