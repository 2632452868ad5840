package clip

import (
	"image"
	"image/color"
	"image/draw"
	"math"
	"slices"
	"testing"
)

// norm is the expected tensor value of an 8-bit channel value.
func normPix(v uint8, c int) float32 { return (float32(v)/255 - ImageMean[c]) / ImageStd[c] }

// chw reads channel c at (x, y) of a size×size tensor.
func chw(t []float32, size, c, x, y int) float32 { return t[c*size*size+y*size+x] }

func TestPrecomputeBicubicCoefficients(t *testing.T) {
	t.Parallel()
	fix := func(ws ...float64) []int32 {
		sum := 0.0
		for _, w := range ws {
			sum += w
		}
		out := make([]int32, len(ws))
		for i, w := range ws {
			v := w / sum * (1 << 22)
			out[i] = int32(math.Copysign(math.Floor(math.Abs(v)+0.5), v))
		}
		return out
	}
	tests := []struct {
		name          string
		in, out, xx   int
		wantMin       int
		wantUnscaledK []float64 // kernel values by hand, before normalising
	}{
		// Upscale 2→4, output 1: centre 0.75, taps at 0 and 1 with
		// K(0.25) = 0.8671875 and K(0.75) = 0.2265625.
		{"upscale", 2, 4, 1, 0, []float64{0.8671875, 0.2265625}},
		// Downscale 4→2, output 0: filterscale 2 widens the support to 4
		// (antialiasing); centre 1, taps K(±0.25), K(0.75), K(1.25).
		{"downscale", 4, 2, 0, 0, []float64{0.8671875, 0.8671875, 0.2265625, -0.0703125}},
		// Downscale 6→2, output 1: centre 4.5, scale 3, taps x = 0..5 (xmin
		// int(4.5−6+0.5) = −1 clamps to 0), u = (x−4)/3.
		{"downscale3", 6, 2, 1, 0, []float64{bicubic(-4.0 / 3), bicubic(-1), bicubic(-2.0 / 3), bicubic(-1.0 / 3), 1, bicubic(1.0 / 3)}},
	}
	for _, tc := range tests {
		c := precompute(tc.in, tc.out, tc.xx, 1)
		if c.xmin[0] != tc.wantMin || !slices.Equal(c.k[0], fix(tc.wantUnscaledK...)) {
			t.Errorf("%s: xmin %d k %v, want %d %v", tc.name, c.xmin[0], c.k[0], tc.wantMin, fix(tc.wantUnscaledK...))
		}
	}
	if bicubic(1.25) != -0.0703125 || bicubic(2) != 0 || bicubic(0) != 1 {
		t.Error("kernel values wrong")
	}
}

func TestPreprocessHandComputed(t *testing.T) {
	t.Parallel()
	// 2×1 image, black then white (R channel), size 2: the short side (1)
	// scales to 2, the long side to int(2·2/1) = 4, crop left round(1) = 1.
	// Horizontal output 1 = (2^21 + 255·868819) >> 22 = 53 and output 2 =
	// (2^21 + 255·3325485) >> 22 = 202 with the weights above normalised
	// (0.792857…, 0.207142… → 3325485, 868819 in 22-bit fixed point). The
	// vertical pass has a single tap, so rows repeat.
	img := image.NewNRGBA(image.Rect(0, 0, 2, 1))
	img.Set(0, 0, color.NRGBA{0, 10, 255, 255})
	img.Set(1, 0, color.NRGBA{255, 10, 0, 255})
	got := Preprocess(img, 2)
	want := map[[3]int]uint8{
		{0, 0, 0}: 53, {0, 1, 0}: 202, {0, 0, 1}: 53, {0, 1, 1}: 202,
		{1, 0, 0}: 10, {1, 1, 1}: 10,
		{2, 0, 0}: 202, {2, 1, 0}: 53,
	}
	for k, v := range want {
		if g := chw(got, 2, k[0], k[1], k[2]); g != normPix(v, k[0]) {
			t.Errorf("channel %d (%d,%d) = %v, want %v (value %d)", k[0], k[1], k[2], g, normPix(v, k[0]), v)
		}
	}
}

func TestPreprocessCropRounding(t *testing.T) {
	t.Parallel()
	// Height equals size, so no resampling: only the crop moves. torchvision
	// rounds half to even: (5−2)/2 = 1.5 → 2, (7−2)/2 = 2.5 → 2, (9−2)/2 = 3.5 → 4.
	for _, tc := range []struct{ w, left int }{{5, 2}, {7, 2}, {9, 4}, {4, 1}} {
		img := image.NewNRGBA(image.Rect(0, 0, tc.w, 2))
		for x := 0; x < tc.w; x++ {
			for y := 0; y < 2; y++ {
				img.Set(x, y, color.NRGBA{uint8(10 * x), uint8(y), 0, 255})
			}
		}
		got := Preprocess(img, 2)
		if g := chw(got, 2, 0, 0, 0); g != normPix(uint8(10*tc.left), 0) {
			t.Errorf("w=%d: left column R = %v, want column %d", tc.w, g, tc.left)
		}
		if g := chw(got, 2, 1, 1, 1); g != normPix(1, 1) {
			t.Errorf("w=%d: G at (1,1) = %v", tc.w, g)
		}
	}
	// Portrait: the crop is vertical, top = round((h−size)/2).
	img := image.NewNRGBA(image.Rect(0, 0, 2, 7))
	for y := 0; y < 7; y++ {
		for x := 0; x < 2; x++ {
			img.Set(x, y, color.NRGBA{uint8(20 * y), 0, 0, 255})
		}
	}
	if g := chw(Preprocess(img, 2), 2, 0, 0, 0); g != normPix(40, 0) {
		t.Errorf("portrait top row R = %v, want row 2", g)
	}
}

func TestPreprocessUniformAndSizes(t *testing.T) {
	t.Parallel()
	// A flat colour stays exactly that colour through any resize, because
	// the fixed-point weights sum to 1.
	for _, sz := range [][2]int{{300, 200}, {50, 90}, {7, 5}, {224, 224}, {1000, 17}} {
		img := image.NewRGBA(image.Rect(0, 0, sz[0], sz[1]))
		draw.Draw(img, img.Bounds(), &image.Uniform{color.RGBA{12, 140, 250, 255}}, image.Point{}, draw.Src)
		got := Preprocess(img, 16)
		if len(got) != 3*16*16 {
			t.Fatalf("len %d", len(got))
		}
		for c, v := range []uint8{12, 140, 250} {
			for i := 0; i < 256; i++ {
				if got[c*256+i] != normPix(v, c) {
					t.Fatalf("%v: channel %d pixel %d = %v, want %v", sz, c, i, got[c*256+i], normPix(v, c))
				}
			}
		}
	}
}

func TestPreprocessAlpha(t *testing.T) {
	t.Parallel()
	// Resizing goes through premultiplied alpha: a fully transparent pixel's
	// hidden colour does not bleed into its neighbours and comes out black
	// (as in CLIP.png); without a resize Pillow copies the pixels as they are.
	img := image.NewNRGBA(image.Rect(0, 0, 4, 4))
	for y := 0; y < 4; y++ {
		for x := 0; x < 4; x++ {
			img.Set(x, y, color.NRGBA{200, 100, 50, 0})
		}
	}
	got := Preprocess(img, 2)
	for i := 0; i < 4; i++ {
		if got[i] != normPix(0, 0) {
			t.Fatalf("transparent pixel after resize = %v, want black", got[i])
		}
	}
	small := image.NewNRGBA(image.Rect(0, 0, 2, 2))
	for i := range small.Pix {
		small.Pix[i] = []uint8{200, 100, 50, 0}[i%4]
	}
	if g := Preprocess(small, 2)[0]; g != normPix(200, 0) {
		t.Errorf("no-resize transparent pixel = %v, want its stored colour", g)
	}
	// MULDIV255 and rgba2rgbA round trip by hand: c=200, a=128:
	// t = 200·128+128 = 25728, c' = (25728 + 100) >> 8 = 100; back:
	// 255·100/128 = 199 (truncating).
	px := []uint8{200, 0, 255, 128}
	premultiply(px)
	if px[0] != 100 || px[2] != 128 || px[3] != 128 {
		t.Errorf("premultiply = %v", px)
	}
	unpremultiply(px)
	if px[0] != 199 || px[2] != 255 {
		t.Errorf("unpremultiply = %v", px)
	}
}

func TestPreprocessImageTypesAgree(t *testing.T) {
	t.Parallel()
	// Opaque images of every concrete type give the NRGBA result.
	base := image.NewNRGBA(image.Rect(0, 0, 37, 23))
	gray := image.NewGray(base.Bounds())
	for y := 0; y < 23; y++ {
		for x := 0; x < 37; x++ {
			v := uint8((x*7 + y*13) % 256)
			base.Set(x, y, color.NRGBA{v, v, v, 255})
			gray.SetGray(x, y, color.Gray{v})
		}
	}
	rgba := image.NewRGBA(base.Bounds())
	draw.Draw(rgba, rgba.Bounds(), base, image.Point{}, draw.Src)
	want := Preprocess(base, 8)
	sub := image.NewNRGBA(image.Rect(-5, -5, 40, 30))
	draw.Draw(sub, base.Bounds(), base, image.Point{}, draw.Src)
	for name, img := range map[string]image.Image{"gray": gray, "rgba": rgba, "subimage": sub.SubImage(base.Bounds())} {
		if got := Preprocess(img, 8); !slices.Equal(got, want) {
			t.Errorf("%s differs from NRGBA", name)
		}
	}
}

// BenchmarkPreprocess2200 measures preprocessing of a SmugMug-size rendition.
func BenchmarkPreprocess2200(b *testing.B) {
	img := image.NewYCbCr(image.Rect(0, 0, 2200, 1467), image.YCbCrSubsampleRatio420)
	for i := range img.Y {
		img.Y[i] = uint8(i * 7)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Preprocess(img, 224)
	}
}
