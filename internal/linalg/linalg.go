// Package linalg holds the float32 matrix kernels that CLIP inference runs on.
//
// The pure-Go kernels are the specification; optimised (assembly) kernels are
// selected at run time and tested against them.
package linalg

// MatMulTransB computes C = A·Bᵀ (+ C when accumulate is true) for row-major
// A (m×k), B (n×k) and C (m×n). This is the shape of a neural-network linear
// layer whose weights are stored [out, in], as Hugging Face checkpoints store them.
func MatMulTransB(c, a, b []float32, m, n, k int, accumulate bool) {
	for i := 0; i < m; i++ {
		ai := a[i*k : i*k+k]
		ci := c[i*n : i*n+n]
		for j := 0; j < n; j++ {
			bj := b[j*k : j*k+k]
			var s float32
			for p, av := range ai {
				s += av * bj[p]
			}
			if accumulate {
				ci[j] += s
			} else {
				ci[j] = s
			}
		}
	}
}
