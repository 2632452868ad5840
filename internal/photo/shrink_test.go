package photo

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/image/draw"
)

// fill paints every pixel of img with c through its own colour model.
func fill(img draw.Image, c color.Color) draw.Image {
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			img.Set(x, y, c)
		}
	}
	return img
}

// ycbcr returns a w×h YCbCr image of one colour (image.YCbCr has no Set).
func ycbcr(w, h int, r image.YCbCrSubsampleRatio, c color.YCbCr) *image.YCbCr {
	m := image.NewYCbCr(image.Rect(0, 0, w, h), r)
	for i := range m.Y {
		m.Y[i] = c.Y
	}
	for i := range m.Cb {
		m.Cb[i], m.Cr[i] = c.Cb, c.Cr
	}
	return m
}

func TestBoxShrinkKeepsColourAndSize(t *testing.T) {
	t.Parallel()
	orange := color.RGBA{230, 120, 30, 255}
	yc := color.YCbCrModel.Convert(orange).(color.YCbCr)
	tests := []struct {
		name  string
		img   image.Image
		k     int
		wantW int
		wantH int
	}{
		{"ycbcr420 odd", ycbcr(7, 5, image.YCbCrSubsampleRatio420, yc), 2, 3, 2},
		{"ycbcr422", ycbcr(9, 9, image.YCbCrSubsampleRatio422, yc), 3, 3, 3},
		{"ycbcr444", ycbcr(8, 6, image.YCbCrSubsampleRatio444, yc), 2, 4, 3},
		{"ycbcr440", ycbcr(8, 7, image.YCbCrSubsampleRatio440, yc), 2, 4, 3},
		{"ycbcr411", ycbcr(13, 4, image.YCbCrSubsampleRatio411, yc), 4, 3, 1},
		{"ycbcr410", ycbcr(16, 8, image.YCbCrSubsampleRatio410, yc), 3, 5, 2},
		{"ycbcr sub-image", ycbcr(20, 20, image.YCbCrSubsampleRatio420, yc).SubImage(image.Rect(3, 5, 15, 13)), 2, 6, 4},
		{"rgba", fill(image.NewRGBA(image.Rect(0, 0, 10, 6)), orange), 5, 2, 1},
		{"nrgba", fill(image.NewNRGBA(image.Rect(0, 0, 10, 6)), orange), 2, 5, 3},
		{"cmyk", fill(image.NewCMYK(image.Rect(0, 0, 6, 6)), orange), 3, 2, 2},
		{"gray", fill(image.NewGray(image.Rect(0, 0, 6, 4)), orange), 2, 3, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			want := color.RGBAModel.Convert(tt.img.At(tt.img.Bounds().Min.X, tt.img.Bounds().Min.Y)).(color.RGBA)
			got := boxShrink(tt.img, tt.k)
			if b := got.Bounds(); b.Dx() != tt.wantW || b.Dy() != tt.wantH {
				t.Fatalf("size %v, want %dx%d", b, tt.wantW, tt.wantH)
			}
			b := got.Bounds()
			for y := b.Min.Y; y < b.Max.Y; y++ {
				for x := b.Min.X; x < b.Max.X; x++ {
					c := color.RGBAModel.Convert(got.At(x, y)).(color.RGBA)
					if absDiff(c.R, want.R) > 1 || absDiff(c.G, want.G) > 1 || absDiff(c.B, want.B) > 1 || c.A != want.A {
						t.Fatalf("pixel %d,%d = %v, want %v", x, y, c, want)
					}
				}
			}
		})
	}
}

func absDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

// TestBoxShrinkAverages checks the averaging itself: a 1-pixel checkerboard
// shrunk by 2 is flat mid-gray, and by 3 (odd blocks) is 5/9 or 4/9 white.
func TestBoxShrinkAverages(t *testing.T) {
	t.Parallel()
	board := image.NewGray(image.Rect(0, 0, 12, 12))
	for y := range 12 {
		for x := range 12 {
			if (x+y)%2 == 0 {
				board.SetGray(x, y, color.Gray{255})
			}
		}
	}
	tests := []struct {
		k    int
		want func(x, y int) uint8
	}{
		{2, func(x, y int) uint8 { return 128 }}, // 510/4 = 127.5, rounded half up
		{3, func(x, y int) uint8 {
			if (x+y)%2 == 0 {
				return 142 // 5×255/9 = 141.7
			}
			return 113 // 4×255/9 = 113.3
		}},
	}
	for _, tt := range tests {
		got := boxShrink(board, tt.k).(*image.Gray)
		for y := range got.Rect.Dy() {
			for x := range got.Rect.Dx() {
				if v := got.GrayAt(x, y).Y; v != tt.want(x, y) {
					t.Fatalf("k=%d: pixel %d,%d = %d, want %d", tt.k, x, y, v, tt.want(x, y))
				}
			}
		}
	}
}

// TestResizeMatchesDirectCatmullRom checks that the box pre-shrink shortcut
// looks like the slow path, Catmull-Rom straight from the full image. A box
// grid misaligned with the original by a pixel or two shows up as a mean
// difference of 6-8 levels on these detailed photos; the two filters'
// different shapes alone stay under 4.
func TestResizeMatchesDirectCatmullRom(t *testing.T) {
	t.Parallel()
	dir := photos(t)
	tests := []struct {
		file  string
		crop  image.Rectangle // of the decoded photo; empty for all of it
		ratio int
		k     int // the shortcut factor expected
	}{
		{file: "camera/door-knocker.jpg", ratio: 4, k: 2},                                   // 800×533: 533 is not a multiple of 4
		{file: "camera/door-knocker.jpg", crop: image.Rect(0, 0, 800, 532), ratio: 4, k: 4}, // exact grid
		{file: "camera/door-knocker.jpg", crop: image.Rect(1, 1, 799, 532), ratio: 3, k: 3}, // 798×531 = 3×(266×177)
		{file: "camera/door-knocker.jpg", crop: image.Rect(0, 0, 798, 532), ratio: 3, k: 2}, // 3 does not divide 532; 2 does
		{file: "camera/IMG_20180725_163423-tiny.jpg", ratio: 5, k: 2},
		{file: "camera/IMG_20180725_163423-tiny.jpg", ratio: 2, k: 0}, // 1012×759: no shortcut
		{file: "odd/peacock.grayscale.jpeg", ratio: 5, k: 5},          // 100×75
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%v/%d", tt.file, tt.crop, tt.ratio), func(t *testing.T) {
			t.Parallel()
			img, _, err := Decode(t.Context(), filepath.Join(dir, tt.file), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if !tt.crop.Empty() {
				img = img.(interface {
					SubImage(image.Rectangle) image.Image
				}).SubImage(tt.crop)
			}
			edge := longEdge(img.Bounds()) / tt.ratio
			w, h := fitWithin(img.Bounds(), edge)
			shrunk := shrinkFor(img, w, h)
			if k := img.Bounds().Dx() / shrunk.Bounds().Dx(); tt.k != 0 && k != tt.k || tt.k == 0 && shrunk != img {
				t.Fatalf("shrink factor %d, want %d", k, tt.k)
			}
			fast := toRGBA(resize(img, edge))
			slow := image.NewRGBA(fast.Rect)
			draw.CatmullRom.Scale(slow, slow.Rect, img, img.Bounds(), draw.Src, nil)
			var sum, n float64
			for i := range fast.Pix {
				if i%4 == 3 {
					continue
				}
				sum += float64(absDiff(fast.Pix[i], slow.Pix[i]))
				n++
			}
			if mean := sum / n; mean > 4 {
				t.Errorf("shortcut differs from direct Catmull-Rom by %.2f levels per channel, want <= 4", mean)
			} else {
				t.Logf("mean difference %.2f levels", mean)
			}
		})
	}
}

// TestResamplePlane: weights sum to one (a flat plane stays flat at any
// size), the same size is the identity, and a step edge keeps its place.
func TestResamplePlane(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ sw, sh, dw, dh int }{{100, 60, 37, 22}, {100, 60, 100, 60}, {7, 5, 3, 2}, {30, 20, 45, 30}, {1, 1, 1, 1}} {
		src := make([]uint8, c.sw*c.sh)
		for i := range src {
			src[i] = 173
		}
		dst := make([]uint8, c.dw*c.dh)
		resamplePlane(dst, c.dw, c.dh, c.dw, src, c.sw, c.sh, c.sw)
		for i, v := range dst {
			if v != 173 {
				t.Fatalf("%+v: flat plane sample %d = %d", c, i, v)
			}
		}
	}
	src := make([]uint8, 64*8)
	for y := range 8 {
		for x := range 64 {
			src[y*64+x] = uint8((x * 37 * (y + 1)) % 251)
		}
	}
	same := make([]uint8, len(src))
	resamplePlane(same, 64, 8, 64, src, 64, 8, 64)
	if !slices.Equal(same, src) {
		t.Fatal("resampling to the same size changed the plane")
	}
	step := make([]uint8, 64)
	for x := 32; x < 64; x++ {
		step[x] = 200
	}
	half := make([]uint8, 32)
	resamplePlane(half, 32, 1, 32, step, 64, 1, 64)
	if half[8] != 0 || half[24] != 200 || half[15] > 100 || half[16] < 100 {
		t.Fatalf("step edge moved: %v", half)
	}
}

// TestResamplePlaneMatchesFormula: the integer, window-folded resampler
// gives the stretched Catmull-Rom filter computed in floating point with
// the edge samples repeated, within the 1.5 levels that rounding the
// intermediate rows to 8 bits allows, for reductions of every window
// length, enlargements and planes smaller than a window.
func TestResamplePlaneMatchesFormula(t *testing.T) {
	t.Parallel()
	ref := func(src []uint8, sw, sh, dw, dh int) []float64 {
		axis := func(sn, dn, d int) (lo, hi int, w func(i int) float64) {
			scale := float64(sn) / float64(dn)
			stretch := max(1, scale)
			c := (float64(d)+0.5)*scale - 0.5
			return int(math.Floor(c - 2*stretch)), int(math.Ceil(c + 2*stretch)), func(i int) float64 {
				return catmullRom((float64(i) - c) / stretch)
			}
		}
		out := make([]float64, dw*dh)
		for y := range dh {
			ylo, yhi, wy := axis(sh, dh, y)
			for x := range dw {
				xlo, xhi, wx := axis(sw, dw, x)
				var s, sum float64
				for j := ylo; j <= yhi; j++ {
					for i := xlo; i <= xhi; i++ {
						w := wx(i) * wy(j)
						s += w * float64(src[min(max(j, 0), sh-1)*sw+min(max(i, 0), sw-1)])
						sum += w
					}
				}
				out[y*dw+x] = math.Min(math.Max(s/sum, 0), 255)
			}
		}
		return out
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for _, c := range []struct{ sw, sh, dw, dh int }{
		{300, 200, 220, 147}, {300, 200, 200, 120}, {300, 200, 160, 100}, {300, 200, 290, 199},
		{110, 73, 40, 27}, {9, 7, 4, 3}, {5, 3, 2, 1}, {3, 2, 1, 1}, {40, 30, 73, 55},
	} {
		src := make([]uint8, c.sw*c.sh)
		for i := range src {
			src[i] = uint8(128 + 100*math.Sin(float64(i%c.sw)/7)*math.Cos(float64(i/c.sw)/5) + float64(rng.IntN(21)-10))
		}
		got := make([]uint8, c.dw*c.dh)
		resamplePlane(got, c.dw, c.dh, c.dw, src, c.sw, c.sh, c.sw)
		want := ref(src, c.sw, c.sh, c.dw, c.dh)
		for i, g := range got {
			if d := math.Abs(float64(g) - want[i]); d > 1.5 {
				t.Fatalf("%+v: sample (%d,%d) = %d, want %.2f", c, i%c.dw, i/c.dw, g, want[i])
			}
		}
	}
}
