package linalg

import (
	"runtime"
)

// skinnyKernel is a kernel for C = A·Bᵀ with few rows of A, as a text query
// has (a handful of tokens against a linear layer's weights): fn computes
// C[0:m, 0:nv] = A[0:m]·B[0:nv]ᵀ, or adds it to C when accumulate is true,
// for nv ≤ nr rows of B, each k long, and any m ≥ 1; A, B and C are row-major
// with strides lda, ldb and ldc. It reads only those m rows of A and nv rows
// of B, and writes only those m×nv elements of C.
//
// Such products stream each weight once and use it only m times: the kernel
// takes all of A against one group of nr weight rows, which then come from
// memory once and from cache for the other rows of A, with no edge copies
// for odd m or n.
type skinnyKernel struct {
	name string
	nr   int
	fn   func(k int, a *float32, lda, m int, b *float32, ldb, nv int, c *float32, ldc int, accumulate bool)
}

const (
	// skinnyMaxRows is the largest m routed to the skinny kernel when the
	// CPU has one. On the text tower's layers (Zen 5, 2 cores) it was a few
	// per cent ahead of the tile kernels up to m = 11 and behind from m = 16.
	skinnyMaxRows = 12
	// skinnyKC bounds the k extent per kernel call so that the nr rows of B
	// (nr·skinnyKC·4 bytes, 128 KiB) stay in L2 for the other rows of A.
	// CLIP's layers (k ≤ 4·1024) take one block; blocks of 512 measured the same.
	skinnyKC = 4096
	// skinnyParallelFloats is the smallest B (n·k floats) whose product is
	// split over goroutines: below it, starting them costs more than
	// streaming the weights on one core.
	skinnyParallelFloats = 1 << 17
	// skinnyChunkFloats is the smallest share of B a goroutine takes at once.
	skinnyChunkFloats = 1 << 15
)

// genericSkinny is the pure-Go skinny kernel: the reference that the
// assembly ones are tested against.
var genericSkinny = skinnyKernel{name: "go", nr: 4, fn: skinnyGo}

func skinnyGo(k int, a *float32, lda, m int, b *float32, ldb, nv int, c *float32, ldc int, accumulate bool) {
	for j := range nv {
		bj := row(b, j, ldb, k)
		for i := range m {
			ai := row(a, i, lda, k)
			var s0, s1, s2, s3 float32
			p := 0
			for ; p+4 <= k; p += 4 {
				s0 += ai[p] * bj[p]
				s1 += ai[p+1] * bj[p+1]
				s2 += ai[p+2] * bj[p+2]
				s3 += ai[p+3] * bj[p+3]
			}
			for ; p < k; p++ {
				s0 += ai[p] * bj[p]
			}
			s := (s0 + s1) + (s2 + s3)
			ci := row(c, i, ldc, j+1)
			if accumulate {
				ci[j] += s
			} else {
				ci[j] = s
			}
		}
	}
}

// gemmSkinny computes C = A·Bᵀ (+C) with skinny kernel s; m, n, k > 0. The
// rows of B are split into contiguous chunks handed to GOMAXPROCS goroutines,
// so each core streams its own part of the weights.
func gemmSkinny(s skinnyKernel, c, a, b []float32, m, n, k, ldc, lda, ldb int, accumulate bool) {
	workers := runtime.GOMAXPROCS(0)
	if workers <= 1 || n*k < skinnyParallelFloats {
		skinnySerial(s, c, a, b, m, n, k, ldc, lda, ldb, accumulate)
		return
	}
	groups := (n + s.nr - 1) / s.nr
	chunk := max(1, groups/(workers*chunksPerWorker), skinnyChunkFloats/(s.nr*k))
	chunks := (groups + chunk - 1) / chunk
	if chunks <= 1 {
		skinnySerial(s, c, a, b, m, n, k, ldc, lda, ldb, accumulate)
		return
	}
	parallelChunks(min(workers, chunks), chunks, func(i int) {
		lo := i * chunk * s.nr
		hi := min(lo+chunk*s.nr, n)
		skinnySerial(s, c[lo:], a, b[lo*ldb:], m, hi-lo, k, ldc, lda, ldb, accumulate)
	})
}

// skinnySerial runs the kernel over k blocks of skinnyKC and, within each,
// over the rows of B nr at a time, front to back.
func skinnySerial(s skinnyKernel, c, a, b []float32, m, n, k, ldc, lda, ldb int, accumulate bool) {
	nr := s.nr
	// The slices are checked once here; the kernel gets pointers.
	_, _, _ = a[(m-1)*lda+k-1], b[(n-1)*ldb+k-1], c[(m-1)*ldc+n-1]
	for pc := 0; pc < k; pc += skinnyKC {
		kc := min(skinnyKC, k-pc)
		acc := accumulate || pc > 0
		for jr := 0; jr < n; jr += nr {
			nv := min(nr, n-jr)
			s.fn(kc, &a[pc], lda, m, &b[jr*ldb+pc], ldb, nv, &c[jr], ldc, acc)
		}
	}
}
