package jpegdec

import "math"

// reducedCos[n] holds, for an n-point reduced inverse DCT (n = 2 or 4),
// 0.5·C(u)·cos((2x+1)uπ/2n) at [x*n+u], with C(0) = 1/√2 and C(u) = 1
// otherwise: the low n×n coefficients of an 8×8 block, transformed with
// these, give the block's pixels averaged over (8/n)×(8/n) squares, in the
// same scale as the full transform (libjpeg's jidctred.c does the same).
var reducedCos = func() (t [5][]float32) {
	for _, n := range []int{2, 4} {
		t[n] = make([]float32, n*n)
		for x := range n {
			for u := range n {
				c := 1.0
				if u == 0 {
					c = 1 / math.Sqrt2
				}
				t[n][x*n+u] = float32(0.5 * c * math.Cos(float64(2*x+1)*float64(u)*math.Pi/float64(2*n)))
			}
		}
	}
	return t
}()

// idctReduced replaces the dequantized coefficients in b (natural order)
// with the n×n pixels (n = 2 or 4) of the reduced inverse DCT, before the
// level shift, at b[y*8+x].
func idctReduced(b *block, n int) {
	t := reducedCos[n]
	var tmp [16]float32 // tmp[v*n+x]: rows transformed
	for v := range n {
		for x := range n {
			var s float32
			for u := range n {
				s += t[x*n+u] * float32(b[v*8+u])
			}
			tmp[v*n+x] = s
		}
	}
	for y := range n {
		for x := range n {
			var s float32
			for v := range n {
				s += t[y*n+v] * tmp[v*n+x]
			}
			b[y*8+x] = int32(math.Floor(float64(s) + 0.5))
		}
	}
}
