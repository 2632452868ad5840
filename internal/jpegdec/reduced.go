package jpegdec

// Reduced inverse DCTs: the low n×n coefficients of an 8×8 block (n = 4
// or 2), transformed with n-point cosines in the full transform's scale,
// give the block's pixels averaged over (8/n)×(8/n) squares, as libjpeg's
// jidctred.c computes them. With C(0) = 1/√2 and C(u) = 1 otherwise, each
// output is Σ 0.5·C(u)·cos((2x+1)uπ/2n)·F(u) per dimension; the 4-point
// case splits into even and odd halves:
//
//	e0 = a·(F0+F2)   e1 = a·(F0−F2)   o0 = b·F1 + c·F3   o1 = c·F1 − b·F3
//	x0 = e0+o0       x1 = e1+o1       x2 = e1−o1          x3 = e0−o0
//
// with a = 0.5/√2, b = 0.5·cos(π/8), c = 0.5·cos(3π/8), here in 12-bit
// fixed point.
const (
	redA = 1448 // 0.353553 · 4096
	redB = 1892 // 0.461940 · 4096
	redC = 784  // 0.191342 · 4096

	// Rows keep redRowBits fractional bits for the column pass.
	redRowBits = 4
)

// idctReduced replaces the dequantized coefficients in b (natural order)
// with the n×n pixels (n = 2 or 4) of the reduced inverse DCT, before the
// level shift, at b[y*8+x].
func idctReduced(b *block, n int) {
	if n == 2 {
		// a² = 1/8: each output is a sum of the four coefficients with
		// signs, divided by 8.
		r0, r1 := b[0]+b[1], b[0]-b[1]
		s0, s1 := b[8]+b[9], b[8]-b[9]
		b[0], b[1] = (r0+s0+4)>>3, (r1+s1+4)>>3
		b[8], b[9] = (r0-s0+4)>>3, (r1-s1+4)>>3
		return
	}
	const rowShift = 12 - redRowBits
	var t [16]int32 // rows transformed, t[y*4+x]
	for y := 0; y < 4; y++ {
		f := b[y*8 : y*8+4 : y*8+4]
		e0, e1 := redA*(f[0]+f[2]), redA*(f[0]-f[2])
		o0, o1 := redB*f[1]+redC*f[3], redC*f[1]-redB*f[3]
		t[y*4+0] = (e0 + o0) >> rowShift
		t[y*4+1] = (e1 + o1) >> rowShift
		t[y*4+2] = (e1 - o1) >> rowShift
		t[y*4+3] = (e0 - o0) >> rowShift
	}
	const colShift = 12 + redRowBits
	const round = 1 << (colShift - 1)
	for x := 0; x < 4; x++ {
		e0, e1 := redA*(t[x]+t[8+x]), redA*(t[x]-t[8+x])
		o0, o1 := redB*t[4+x]+redC*t[12+x], redC*t[4+x]-redB*t[12+x]
		b[0*8+x] = (e0 + o0 + round) >> colShift
		b[1*8+x] = (e1 + o1 + round) >> colShift
		b[2*8+x] = (e1 - o1 + round) >> colShift
		b[3*8+x] = (e0 - o0 + round) >> colShift
	}
}

// idct4Store is idctReduced(b, 4) with the level shift, clipping and
// store of transformStore, for the common scale of 1/2; it leaves b zero
// (b must be zero outside its 4×4 corner).
func idct4Store(b *block, dst []byte, stride int) {
	const rowShift = 12 - redRowBits
	var t [16]int32 // rows transformed, t[y*4+x]
	for y := 0; y < 4; y++ {
		f := (*[4]int32)(b[y*8 : y*8+4])
		f0, f1, f2, f3 := f[0], f[1], f[2], f[3]
		*f = [4]int32{}
		r := (*[4]int32)(t[y*4 : y*4+4])
		if f1|f2|f3 == 0 {
			v := (redA * f0) >> rowShift
			*r = [4]int32{v, v, v, v}
			continue
		}
		e0, e1 := redA*(f0+f2), redA*(f0-f2)
		o0, o1 := redB*f1+redC*f3, redC*f1-redB*f3
		*r = [4]int32{(e0 + o0) >> rowShift, (e1 + o1) >> rowShift, (e1 - o1) >> rowShift, (e0 - o0) >> rowShift}
	}
	const colShift = 12 + redRowBits
	const round = 1 << (colShift - 1)
	r0 := dst[0:4:4]
	r1 := dst[stride : stride+4 : stride+4]
	r2 := dst[2*stride : 2*stride+4 : 2*stride+4]
	r3 := dst[3*stride : 3*stride+4 : 3*stride+4]
	for x := 0; x < 4; x++ {
		t0, t1, t2, t3 := t[x], t[4+x], t[8+x], t[12+x]
		e0, e1 := redA*(t0+t2), redA*(t0-t2)
		o0, o1 := redB*t1+redC*t3, redC*t1-redB*t3
		r0[x] = clampPixel((e0 + o0 + round) >> colShift)
		r1[x] = clampPixel((e1 + o1 + round) >> colShift)
		r2[x] = clampPixel((e1 - o1 + round) >> colShift)
		r3[x] = clampPixel((e0 - o0 + round) >> colShift)
	}
}
