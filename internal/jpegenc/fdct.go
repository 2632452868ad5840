package jpegenc

import "math"

// The forward DCT is the Arai-Agui-Nakajima factorisation in float32 (5
// multiplications per 8 points, as libjpeg's jfdctflt.c): its outputs are
// the true coefficients times 8·s(u)·s(v), with s(0) = 1 and
// s(k) = √2·cos(kπ/16), a scale that quantize folds into its divisors, so
// quantizing costs one multiplication per coefficient.

// fdct transforms the 8×8 level-shifted samples in b (row-major) in place
// into scaled coefficients (row-major, natural order).
func fdct(b *[64]float32) {
	for i := 0; i < 64; i += 8 {
		r := (*[8]float32)(b[i : i+8])
		r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7] = fdct8(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7])
	}
	for i := range 8 {
		b[i], b[8+i], b[16+i], b[24+i], b[32+i], b[40+i], b[48+i], b[56+i] =
			fdct8(b[i], b[8+i], b[16+i], b[24+i], b[32+i], b[40+i], b[48+i], b[56+i])
	}
}

// fdct8 is the scaled 8-point transform of AAN (figure 4-8 of Pennebaker
// and Mitchell, with the rotation rearranged to need no negation).
func fdct8(d0, d1, d2, d3, d4, d5, d6, d7 float32) (o0, o1, o2, o3, o4, o5, o6, o7 float32) {
	const (
		c4    = 0.707106781 // cos(4π/16)
		c6    = 0.382683433 // cos(6π/16)
		c2mc6 = 0.541196100 // cos(2π/16) - cos(6π/16)
		c2pc6 = 1.306562965 // cos(2π/16) + cos(6π/16)
	)
	t0, t7 := d0+d7, d0-d7
	t1, t6 := d1+d6, d1-d6
	t2, t5 := d2+d5, d2-d5
	t3, t4 := d3+d4, d3-d4

	// Even part.
	t10, t13 := t0+t3, t0-t3
	t11, t12 := t1+t2, t1-t2
	o0, o4 = t10+t11, t10-t11
	z1 := (t12 + t13) * c4
	o2, o6 = t13+z1, t13-z1

	// Odd part.
	t10, t11, t12 = t4+t5, t5+t6, t6+t7
	z5 := (t10 - t12) * c6
	z2 := c2mc6*t10 + z5
	z4 := c2pc6*t12 + z5
	z3 := t11 * c4
	z11, z13 := t7+z3, t7-z3
	o5, o3 = z13+z2, z13-z2
	o1, o7 = z11+z4, z11-z4
	return
}

// aanScale is s(k) above.
func aanScale(k int) float64 {
	if k == 0 {
		return 1
	}
	return math.Sqrt2 * math.Cos(float64(k)*math.Pi/16)
}

// divisors returns, for a quantization table in zig-zag order, the
// multipliers that turn fdct's outputs into quantized coefficients, in
// natural order (unzig maps zig-zag positions to natural ones).
func divisors(qz *[64]uint8, unzig *[64]int) (m [64]float32) {
	for zig, nat := range unzig {
		u, v := nat%8, nat/8
		m[nat] = float32(1 / (float64(qz[zig]) * aanScale(u) * aanScale(v) * 8))
	}
	return m
}

// quantize multiplies the scaled coefficients by the divisors and rounds
// them to the nearest integer (halves up), writing them in
// zig-zag order; it returns the mask of the non-zero AC coefficients
// (bit k for zig-zag position k).
func quantize(dst *[64]int32, b *[64]float32, m *[64]float32, unzig *[64]int) (nz uint64) {
	for zig := 1; zig < 64; zig++ {
		nat := unzig[zig] & 63
		v := b[nat] * m[nat]
		// Rounding by truncation from a positive offset, as libjpeg does.
		// The clamp keeps sizes within the tables' ten bits, which only
		// quality 100 can exceed.
		c := min(max(int32(v+16384.5)-16384, -1023), 1023)
		dst[zig] = c
		nz |= uint64(uint32(c|-c)>>31) << uint(zig)
	}
	dst[0] = int32(b[0]*m[0]+16384.5) - 16384
	return nz
}
