package clip

import (
	"math"
	"testing"
)

func TestExpfErffAccuracy(t *testing.T) {
	t.Parallel()
	var maxExp, maxErf float64
	for x := -80.0; x <= 80; x += 0.0137 {
		got, want := float64(expf(float32(x))), math.Exp(float64(float32(x)))
		maxExp = math.Max(maxExp, math.Abs(got-want)/want)
	}
	for x := -6.0; x <= 6; x += 0.00071 {
		maxErf = math.Max(maxErf, math.Abs(float64(erff(float32(x)))-math.Erf(float64(float32(x)))))
	}
	if maxExp > 1e-6 {
		t.Errorf("expf max relative error %g", maxExp)
	}
	if maxErf > 5e-7 {
		t.Errorf("erff max absolute error %g", maxErf)
	}
	if expf(-200) > 1e-37 || !(expf(0) == 1) {
		t.Errorf("expf edge values: %g %g", expf(-200), expf(0))
	}
}

func TestActivateSIMDMatchesGo(t *testing.T) {
	t.Parallel()
	if !hasActivateSIMD {
		t.Skip("no SIMD activation on this CPU/build")
	}
	// Values across the whole range, including clamped exp arguments and
	// lengths with a scalar tail.
	for _, n := range []int{8, 16, 21, 3072} {
		src := make([]float32, n)
		bias := make([]float32, n)
		for i := range src {
			src[i] = float32(i%97)*0.37 - 18 + float32(i%5)*1e-3
			bias[i] = float32(i%7)*0.1 - 0.3
		}
		src[0], src[1] = 80, -80
		for _, act := range []Activation{QuickGELU, GELU} {
			got := append([]float32(nil), src...)
			want := append([]float32(nil), src...)
			done := activateSIMD(got, bias, act)
			activateGo(got[done:], bias[done:], act)
			activateGo(want, bias, act)
			if done != n&^7 {
				t.Fatalf("n=%d: SIMD did %d values", n, done)
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("act %d n=%d: [%d] SIMD %v (%#x), Go %v (%#x), input %v", act, n, i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]), src[i]+bias[i])
				}
			}
		}
	}
}
