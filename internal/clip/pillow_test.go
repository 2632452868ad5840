package clip

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// pillowCase builds Pillow's TestImagingCoreResampleAccuracy input: a grey
// w×h image of 255−c with the top-left and bottom-right quadrants c, as RGBA
// pixels (all channels equal, opaque).
func pillowCase(w, h int, c uint8) []uint8 {
	pix := make([]uint8, 4*w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := 255 - c
			if (x < w/2 && y < h/2) || (x >= w/2 && y >= h/2) {
				v = c
			}
			i := 4 * (y*w + x)
			pix[i], pix[i+1], pix[i+2], pix[i+3] = v, v, v, 255
		}
	}
	return pix
}

// pillowSample expands Pillow's expected top-left quarter (hex bytes) to the
// full image by its symmetries (make_sample).
func pillowSample(t *testing.T, data string, w, h int) []uint8 {
	t.Helper()
	hexes := strings.Fields(data)
	out := make([]uint8, w*h)
	qw, qh := w/2, h/2
	for y := 0; y < qh; y++ {
		for x := 0; x < qw; x++ {
			v, err := strconv.ParseUint(hexes[y*qw+x], 16, 8)
			if err != nil {
				t.Fatal(err)
			}
			out[y*w+x] = uint8(v)
			out[(h-y-1)*w+w-x-1] = uint8(v)
			out[(h-y-1)*w+x] = 255 - uint8(v)
			out[y*w+w-x-1] = 255 - uint8(v)
		}
	}
	return out
}

// TestResampleMatchesPillow reproduces the bicubic expectations of Pillow's
// own test suite (Tests/test_image_resample.py, TestImagingCoreResampleAccuracy
// and TestCoreResampleCoefficients), i.e. Pillow's exact output bytes.
func TestResampleMatchesPillow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, out int
		data    string
	}{
		{12, 6, "e1 e3 d4  e3 e5 d6  d4 d6 c9"},                      // test_reduce_bicubic
		{4, 8, "e1 e5 ee b9  e5 e9 f3 bc  ee f3 fd c1  b9 bc c1 a2"}, // test_enlarge_bicubic
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%d→%d", tc.in, tc.out), func(t *testing.T) {
			pix := pillowCase(tc.in, tc.in, 0xe1)
			for _, alpha := range []bool{false, true} {
				got := resample(pix, tc.in, axisCoeffs(tc.in, tc.out, 0, tc.out), axisCoeffs(tc.in, tc.out, 0, tc.out), alpha)
				want := pillowSample(t, tc.data, tc.out, tc.out)
				for i, w := range want {
					for c := 0; c < 3; c++ {
						if got[4*i+c] != w {
							t.Fatalf("alpha %v: pixel (%d,%d) channel %d = %#x, Pillow %#x", alpha, i%tc.out, i/tc.out, c, got[4*i+c], w)
						}
					}
				}
			}
		})
	}
	// test_reduce: a 400000×1 row, left half 254, shrunk to 5 pixels; the
	// middle one must be exactly 127 (a regression test for coefficient
	// precision on huge reductions).
	for size := 400000; size < 400010; size += 2 {
		pix := make([]uint8, 4*size)
		for x := 0; x < size/2; x++ {
			pix[4*x], pix[4*x+3] = 254, 255
		}
		for x := size / 2; x < size; x++ {
			pix[4*x+3] = 255
		}
		got := resample(pix, size, axisCoeffs(size, 5, 0, 5), axisCoeffs(1, 1, 0, 1), false)
		if got[4*2] != 127 {
			t.Errorf("size %d: middle pixel %d, want 127", size, got[4*2])
		}
	}
}
