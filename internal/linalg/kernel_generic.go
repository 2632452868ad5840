package linalg

import "unsafe"

// genericTile is the pure-Go 4×4 tile kernel: the reference that the assembly
// kernels are tested against, and the kernel used with -tags purego or where
// no assembly kernel runs.
var genericTile = tileKernel{name: "go", mr: 4, nr: 4, fn: tileGo}

// row returns the k floats starting i rows of stride ld past p.
func row(p *float32, i, ld, k int) []float32 {
	return unsafe.Slice((*float32)(unsafe.Add(unsafe.Pointer(p), uintptr(i*ld)*4)), k)
}

func tileGo(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, accumulate bool) {
	b0, b1, b2, b3 := row(b, 0, ldb, k), row(b, 1, ldb, k), row(b, 2, ldb, k), row(b, 3, ldb, k)
	for i := 0; i < 4; i += 2 {
		a0, a1 := row(a, i, lda, k), row(a, i+1, lda, k)
		var s00, s01, s02, s03, s10, s11, s12, s13 float32
		for p := range a0 {
			x0, x1 := a0[p], a1[p]
			y0, y1, y2, y3 := b0[p], b1[p], b2[p], b3[p]
			s00 += x0 * y0
			s01 += x0 * y1
			s02 += x0 * y2
			s03 += x0 * y3
			s10 += x1 * y0
			s11 += x1 * y1
			s12 += x1 * y2
			s13 += x1 * y3
		}
		c0, c1 := row(c, i, ldc, 4), row(c, i+1, ldc, 4)
		if accumulate {
			c0[0] += s00
			c0[1] += s01
			c0[2] += s02
			c0[3] += s03
			c1[0] += s10
			c1[1] += s11
			c1[2] += s12
			c1[3] += s13
		} else {
			c0[0], c0[1], c0[2], c0[3] = s00, s01, s02, s03
			c1[0], c1[1], c1[2], c1[3] = s10, s11, s12, s13
		}
	}
}

func dotGo(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

func axpyGo(alpha float32, x, y []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += alpha * v
	}
}
