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
