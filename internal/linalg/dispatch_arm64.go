//go:build arm64 && !purego

package linalg

// Implemented in kernel_arm64.s.

//go:noescape
func tile4x4NEON(n4 int, a *float32, lda int, b *float32, ldb int, out *[64]float32)

// asmTiles lists the assembly tile kernels: NEON is part of every arm64 CPU.
func asmTiles() []tileKernel {
	return []tileKernel{{name: "neon", mr: 4, nr: 4, fn: tileNEON}}
}

// tileNEON is the tile kernel around tile4x4NEON: the assembly runs the
// vector loop over k rounded down to 4; the lanes are added, and the last
// k%4 products included, here.
func tileNEON(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, accumulate bool) {
	var part [64]float32
	k4 := k &^ 3
	if k4 > 0 {
		tile4x4NEON(k4/4, a, lda, b, ldb, &part)
	}
	for i := range 4 {
		ai := row(a, i, lda, k)[k4:]
		ci := row(c, i, ldc, 4)
		for j := range 4 {
			p := part[(4*i+j)*4 : (4*i+j)*4+4]
			s := (p[0] + p[1]) + (p[2] + p[3])
			for q, bv := range row(b, j, ldb, k)[k4:] {
				s += ai[q] * bv
			}
			if accumulate {
				ci[j] += s
			} else {
				ci[j] = s
			}
		}
	}
}

//go:noescape
func dotNEON(a, b *float32, n16 int, out *[16]float32)

//go:noescape
func axpyNEON(alpha float32, x, y *float32, n16 int)

// asmVec lists the NEON Dot/Axpy kernels.
func asmVec() []vecKernels {
	return []vecKernels{{name: "neon", dot: dotNEONSlice, axpy: axpyNEONSlice}}
}

func dotNEONSlice(a, b []float32) float32 {
	b = b[:len(a)]
	n := len(a) &^ 15
	var s float32
	if n > 0 {
		var part [16]float32
		dotNEON(&a[0], &b[0], n/16, &part)
		for i := range 4 {
			s += (part[i] + part[i+4]) + (part[i+8] + part[i+12])
		}
	}
	for i := n; i < len(a); i++ {
		s += a[i] * b[i]
	}
	return s
}

func axpyNEONSlice(alpha float32, x, y []float32) {
	y = y[:len(x)]
	n := len(x) &^ 15
	if n > 0 {
		axpyNEON(alpha, &x[0], &y[0], n/16)
	}
	for i := n; i < len(x); i++ {
		y[i] += alpha * x[i]
	}
}

// asmTranspose8x8 returns an assembly 8×8 block transpose: none on arm64.
func asmTranspose8x8() func(dst *float32, ldd int, src *float32, lds int) { return nil }

// asmPanels lists assembly outer-product kernels: none on arm64 yet.
func asmPanels() []*panelKernel { return nil }

// asmSkinny lists assembly small-m kernels: none on arm64 yet.
func asmSkinny() []*skinnyKernel { return nil }

// asmBatch lists the assembly panel kernels for packed batch products: none on arm64.
func asmBatch() []*panelKernel { return nil }
