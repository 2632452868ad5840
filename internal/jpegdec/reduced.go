package jpegdec

import "math"

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

	// Rows keep redRowBits fractional bits for the column pass: the row
	// pass shifts its sums right by redRowShift, the column pass adds
	// redRound and shifts by redColShift.
	redRowBits  = 4
	redRowShift = 12 - redRowBits
	redColShift = 12 + redRowBits
	redRound    = 1 << (redColShift - 1)
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
	var t [16]int32 // rows transformed, t[y*4+x]
	for y := 0; y < 4; y++ {
		f := b[y*8 : y*8+4 : y*8+4]
		e0, e1 := redA*(f[0]+f[2]), redA*(f[0]-f[2])
		o0, o1 := redB*f[1]+redC*f[3], redC*f[1]-redB*f[3]
		t[y*4+0] = (e0 + o0) >> redRowShift
		t[y*4+1] = (e1 + o1) >> redRowShift
		t[y*4+2] = (e1 - o1) >> redRowShift
		t[y*4+3] = (e0 - o0) >> redRowShift
	}
	for x := 0; x < 4; x++ {
		e0, e1 := redA*(t[x]+t[8+x]), redA*(t[x]-t[8+x])
		o0, o1 := redB*t[4+x]+redC*t[12+x], redC*t[4+x]-redB*t[12+x]
		b[0*8+x] = (e0 + o0 + redRound) >> redColShift
		b[1*8+x] = (e1 + o1 + redRound) >> redColShift
		b[2*8+x] = (e1 - o1 + redRound) >> redColShift
		b[3*8+x] = (e0 - o0 + redRound) >> redColShift
	}
}

// idct4Store is idctReduced(b, 4) with the level shift, clipping and
// store of transformStore, for the common scale of 1/2; it leaves b zero
// (b must be zero outside its 4×4 corner).
func idct4Store(b *block, dst []byte, stride int) {
	var t [16]int32 // rows transformed, t[y*4+x]
	for y := 0; y < 4; y++ {
		f := (*[4]int32)(b[y*8 : y*8+4])
		f0, f1, f2, f3 := f[0], f[1], f[2], f[3]
		*f = [4]int32{}
		r := (*[4]int32)(t[y*4 : y*4+4])
		if f1|f2|f3 == 0 {
			v := (redA * f0) >> redRowShift
			*r = [4]int32{v, v, v, v}
			continue
		}
		e0, e1 := redA*(f0+f2), redA*(f0-f2)
		o0, o1 := redB*f1+redC*f3, redC*f1-redB*f3
		*r = [4]int32{(e0 + o0) >> redRowShift, (e1 + o1) >> redRowShift, (e1 - o1) >> redRowShift, (e0 - o0) >> redRowShift}
	}
	r0 := dst[0:4:4]
	r1 := dst[stride : stride+4 : stride+4]
	r2 := dst[2*stride : 2*stride+4 : 2*stride+4]
	r3 := dst[3*stride : 3*stride+4 : 3*stride+4]
	for x := 0; x < 4; x++ {
		t0, t1, t2, t3 := t[x], t[4+x], t[8+x], t[12+x]
		e0, e1 := redA*(t0+t2), redA*(t0-t2)
		o0, o1 := redB*t1+redC*t3, redC*t1-redB*t3
		r0[x] = clampPixel((e0 + o0 + redRound) >> redColShift)
		r1[x] = clampPixel((e1 + o1 + redRound) >> redColShift)
		r2[x] = clampPixel((e1 - o1 + redRound) >> redColShift)
		r3[x] = clampPixel((e0 - o0 + redRound) >> redColShift)
	}
}

// idctTable returns the n-point reduced transform's coefficients for
// idctN: k[x][u] = 0.5·C(u)·cos((2x+1)uπ/2n) in 12-bit fixed point, the
// same quantities redA, redB and redC are for n = 4.
func idctTable(n int) *[8][8]int32 {
	var k [8][8]int32
	for x := range n {
		for u := range n {
			c := 0.5 * math.Cos(float64((2*x+1)*u)*math.Pi/float64(2*n))
			if u == 0 {
				c /= math.Sqrt2
			}
			k[x][u] = int32(math.Round(c * 4096))
		}
	}
	return &k
}

// idctN is the n-point reduced inverse DCT (n from 3 to 7) of the low n×n
// coefficients of b, by its definition with the table k, the outputs
// mirrored in pairs (x and n-1-x share the even terms and negate the odd
// ones) so each costs half the multiplications; it leaves the n×n pixels
// before the level shift at b[y*8+x], with idctReduced's rounding.
func idctN(b *block, n int, k *[8][8]int32) {
	var t [64]int32 // rows transformed, t[y*8+x]
	h := (n + 1) / 2
	for y := range n {
		f := b[y*8 : y*8+8 : y*8+8]
		for x := range h {
			var e, o int32
			for u := 0; u < n; u += 2 {
				e += k[x][u] * f[u]
			}
			for u := 1; u < n; u += 2 {
				o += k[x][u] * f[u]
			}
			t[y*8+x] = (e + o) >> redRowShift
			t[y*8+n-1-x] = (e - o) >> redRowShift
		}
	}
	for x := range n {
		for y := range h {
			var e, o int32
			for v := 0; v < n; v += 2 {
				e += k[y][v] * t[v*8+x]
			}
			for v := 1; v < n; v += 2 {
				o += k[y][v] * t[v*8+x]
			}
			b[y*8+x] = (e + o + redRound) >> redColShift
			b[(n-1-y)*8+x] = (e - o + redRound) >> redColShift
		}
	}
}

// The 3-point transform's coefficients (idctTable(3)): a for the DC term,
// b for the first cosine at the outer outputs, c and -2c for the second.
const (
	red3A = 1448 // 0.5/√2
	red3B = 1774 // 0.5·cos(π/6)
	red3C = 1024 // 0.5·cos(π/3)
)

// idct3Store is idctN(b, 3) with the level shift, clipping and store, for
// a scale of 3/8 (a 24 MP photo for a 2200 px rendition); it leaves b
// zero (b must be zero outside its 3×3 corner).
func idct3Store(b *block, dst []byte, stride int) {
	var t [9]int32 // rows transformed, t[y*3+x]
	for y := range 3 {
		f := (*[3]int32)(b[y*8 : y*8+3])
		f0, f1, f2 := f[0], f[1], f[2]
		*f = [3]int32{}
		e := red3A*f0 + red3C*f2
		o := red3B * f1
		t[y*3], t[y*3+1], t[y*3+2] = (e+o)>>redRowShift, (red3A*f0-2*red3C*f2)>>redRowShift, (e-o)>>redRowShift
	}
	r0 := dst[0:3:3]
	r1 := dst[stride : stride+3 : stride+3]
	r2 := dst[2*stride : 2*stride+3 : 2*stride+3]
	for x := range 3 {
		t0, t1, t2 := t[x], t[3+x], t[6+x]
		e := red3A*t0 + red3C*t2
		o := red3B * t1
		r0[x] = clampPixel((e + o + redRound) >> redColShift)
		r1[x] = clampPixel((red3A*t0 - 2*red3C*t2 + redRound) >> redColShift)
		r2[x] = clampPixel((e - o + redRound) >> redColShift)
	}
}

// idct5 is the 5-point transform of one row or column with the table k
// (idctTable(5)): outputs x and 4-x share the even terms and negate the
// odd ones, and the middle output has no odd terms, 11 multiplications
// in all.
func idct5(k *[8][8]int32, f0, f1, f2, f3, f4 int32) (o0, o1, o2, o3, o4 int32) {
	a := k[0][0] * f0
	e0 := a + k[0][2]*f2 + k[0][4]*f4
	e1 := a + k[1][2]*f2 + k[1][4]*f4
	e2 := a + k[2][2]*f2 + k[2][4]*f4
	d0 := k[0][1]*f1 + k[0][3]*f3
	d1 := k[1][1]*f1 + k[1][3]*f3
	return e0 + d0, e1 + d1, e2, e1 - d1, e0 - d0
}

// idct5Store is idctN(b, 5, k) with the level shift, clipping and store,
// for a scale of 5/8 (a 12 MP photo for a 2200 px rendition); it leaves b
// zero (b must be zero outside its 5×5 corner).
func idct5Store(b *block, dst []byte, stride int, k *[8][8]int32) {
	var t [25]int32 // rows transformed, t[y*5+x]
	for y := range 5 {
		f := (*[5]int32)(b[y*8 : y*8+5])
		o0, o1, o2, o3, o4 := idct5(k, f[0], f[1], f[2], f[3], f[4])
		*f = [5]int32{}
		*(*[5]int32)(t[y*5 : y*5+5]) = [5]int32{o0 >> redRowShift, o1 >> redRowShift, o2 >> redRowShift, o3 >> redRowShift, o4 >> redRowShift}
	}
	for x := range 5 {
		o0, o1, o2, o3, o4 := idct5(k, t[x], t[5+x], t[10+x], t[15+x], t[20+x])
		dst[x] = clampPixel((o0 + redRound) >> redColShift)
		dst[stride+x] = clampPixel((o1 + redRound) >> redColShift)
		dst[2*stride+x] = clampPixel((o2 + redRound) >> redColShift)
		dst[3*stride+x] = clampPixel((o3 + redRound) >> redColShift)
		dst[4*stride+x] = clampPixel((o4 + redRound) >> redColShift)
	}
}
