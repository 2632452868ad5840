package jpegenc

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	stdjpeg "image/jpeg"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/targetvision/targetvision/internal/testshared"
)

// TestFDCTMatchesDefinition: the scaled AAN transform, with its scale
// taken out, is the DCT of section A.3.3.
func TestFDCTMatchesDefinition(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	for range 200 {
		var in, b [64]float32
		for i := range in {
			in[i] = float32(rng.IntN(256) - 128)
		}
		b = in
		fdct(&b)
		for v := range 8 {
			for u := range 8 {
				var want float64
				for y := range 8 {
					for x := range 8 {
						want += float64(in[8*y+x]) *
							math.Cos(float64(2*x+1)*float64(u)*math.Pi/16) *
							math.Cos(float64(2*y+1)*float64(v)*math.Pi/16)
					}
				}
				cu, cv := 1.0, 1.0
				if u == 0 {
					cu = 1 / math.Sqrt2
				}
				if v == 0 {
					cv = 1 / math.Sqrt2
				}
				want *= cu * cv / 4
				got := float64(b[8*v+u]) / (8 * aanScale(u) * aanScale(v))
				if math.Abs(got-want) > 0.01 {
					t.Fatalf("F(%d,%d) = %.3f, want %.3f", u, v, got, want)
				}
			}
		}
	}
}

// photo is a decoded camera JPEG from the shared test photos.
func photo(t testing.TB, name string) image.Image {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testshared.Path(t, "testdata", "photos"), name))
	if err != nil {
		t.Fatal(err)
	}
	img, err := stdjpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// synthetic is a w×h picture with gradients, edges and grain.
func synthetic(w, h int) *image.RGBA {
	rng := rand.New(rand.NewPCG(uint64(w), uint64(h)))
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			g := rng.IntN(21) - 10
			c := [3]int{x * 255 / max(w, 1), y * 255 / max(h, 1), 128}
			if (x/9+y/7)%4 == 0 {
				c[2] = 30
			}
			for k := range c {
				c[k] = min(max(c[k]+g, 0), 255)
			}
			m.SetRGBA(x, y, color.RGBA{uint8(c[0]), uint8(c[1]), uint8(c[2]), 255})
		}
	}
	return m
}

// convert draws img into dst, which starts at (0, 0) and has its size.
func convert[M draw.Image](img image.Image, dst M) M {
	draw.Draw(dst, dst.Bounds(), img, img.Bounds().Min, draw.Src)
	return dst
}

func toRGBA(img image.Image) *image.RGBA {
	return convert(img, image.NewRGBA(image.Rect(0, 0, img.Bounds().Dx(), img.Bounds().Dy())))
}

// psnr of b against a, over the colour channels.
func psnr(a, b *image.RGBA) float64 {
	var se float64
	n := 0
	for i := range a.Pix {
		if i%4 == 3 {
			continue
		}
		d := float64(a.Pix[i]) - float64(b.Pix[i])
		se += d * d
		n++
	}
	if se == 0 {
		return 99
	}
	return 10 * math.Log10(255*255/(se/float64(n)))
}

func ycbcr(src image.Image, r image.YCbCrSubsampleRatio) *image.YCbCr {
	b := src.Bounds()
	m := image.NewYCbCr(image.Rect(0, 0, b.Dx(), b.Dy()), r)
	for y := range b.Dy() {
		for x := range b.Dx() {
			rr, gg, bb, _ := src.At(b.Min.X+x, b.Min.Y+y).RGBA()
			yy, cb, cr := color.RGBToYCbCr(uint8(rr>>8), uint8(gg>>8), uint8(bb>>8))
			m.Y[m.YOffset(x, y)] = yy
			m.Cb[m.COffset(x, y)] = cb
			m.Cr[m.COffset(x, y)] = cr
		}
	}
	return m
}

// TestQualityAndSizeAsImageJPEG: for photos and synthetic pictures of
// every input type and odd sizes, the output decodes (with image/jpeg
// and, where installed, libjpeg-turbo without a warning) to the picture
// as faithfully as image/jpeg's own output at the same quality, in a file
// of about the same size.
func TestQualityAndSizeAsImageJPEG(t *testing.T) {
	t.Parallel()
	door := photo(t, "camera/door-knocker.jpg")
	cases := map[string]image.Image{
		"photo-ycbcr":      door,
		"photo-sub":        door.(*image.YCbCr).SubImage(image.Rect(13, 7, 413, 300)),
		"synthetic-rgba":   synthetic(203, 157),
		"synthetic-444":    ycbcr(synthetic(120, 81), image.YCbCrSubsampleRatio444),
		"synthetic-422":    ycbcr(synthetic(99, 64), image.YCbCrSubsampleRatio422),
		"synthetic-420":    ycbcr(synthetic(17, 33), image.YCbCrSubsampleRatio420),
		"synthetic-411":    ycbcr(synthetic(64, 40), image.YCbCrSubsampleRatio411),
		"tiny-1x1":         synthetic(1, 1),
		"tiny-7x5":         synthetic(7, 5),
		"gray":             gray(synthetic(131, 77)),
		"nrgba":            nrgba(synthetic(40, 30)),
		"photo-gray-small": gray(door.(*image.YCbCr).SubImage(image.Rect(0, 0, 64, 64))),
	}
	djpeg, _ := exec.LookPath("djpeg")
	for name, img := range cases {
		for _, q := range []int{82, 90} {
			t.Run(fmt.Sprintf("%s-q%d", name, q), func(t *testing.T) {
				t.Parallel()
				var ours, std bytes.Buffer
				if err := Encode(&ours, img, q); err != nil {
					t.Fatal(err)
				}
				if err := stdjpeg.Encode(&std, img, &stdjpeg.Options{Quality: q}); err != nil {
					t.Fatal(err)
				}
				got, err := stdjpeg.Decode(bytes.NewReader(ours.Bytes()))
				if err != nil {
					t.Fatalf("image/jpeg cannot decode it: %v", err)
				}
				if got.Bounds().Size() != img.Bounds().Size() {
					t.Fatalf("size %v, want %v", got.Bounds().Size(), img.Bounds().Size())
				}
				ref, err := stdjpeg.Decode(bytes.NewReader(std.Bytes()))
				if err != nil {
					t.Fatal(err)
				}
				src := toRGBA(img)
				pOurs, pStd := psnr(src, toRGBA(got)), psnr(src, toRGBA(ref))
				if pOurs < pStd-0.3 {
					t.Errorf("PSNR %.2f dB, image/jpeg %.2f dB", pOurs, pStd)
				}
				if ours.Len() > std.Len()*105/100+64 {
					t.Errorf("%d bytes, image/jpeg %d", ours.Len(), std.Len())
				}
				if djpeg != "" {
					cmd := exec.Command(djpeg, "-outfile", os.DevNull)
					cmd.Stdin = bytes.NewReader(ours.Bytes())
					var stderr bytes.Buffer
					cmd.Stderr = &stderr
					if err := cmd.Run(); err != nil || stderr.Len() > 0 {
						t.Errorf("djpeg: %v %s", err, stderr.String())
					}
				}
			})
		}
	}
}

func gray(img image.Image) *image.Gray {
	return convert(img, image.NewGray(image.Rect(0, 0, img.Bounds().Dx(), img.Bounds().Dy())))
}

func nrgba(img image.Image) *image.NRGBA {
	return convert(img, image.NewNRGBA(image.Rect(0, 0, img.Bounds().Dx(), img.Bounds().Dy())))
}

func TestErrors(t *testing.T) {
	t.Parallel()
	if err := Encode(&bytes.Buffer{}, image.NewGray(image.Rect(0, 0, 0, 5)), 90); err == nil {
		t.Error("empty image encoded")
	}
	if err := Encode(&bytes.Buffer{}, image.NewGray(image.Rect(0, 0, 1<<16, 1)), 90); err == nil {
		t.Error("65536 px wide image encoded")
	}
}

// BenchmarkEncode times this encoder beside image/jpeg on the rendition
// and thumbnail shapes, YCbCr 4:2:0 as the resampler makes them.
func BenchmarkEncode(b *testing.B) {
	for _, sz := range []image.Point{{2200, 1467}, {400, 267}} {
		img := ycbcr(synthetic(sz.X, sz.Y), image.YCbCrSubsampleRatio420)
		name := fmt.Sprintf("%dx%d_420_q90", sz.X, sz.Y)
		b.Run("jpegenc/"+name, func(b *testing.B) {
			var buf bytes.Buffer
			for b.Loop() {
				buf.Reset()
				if err := Encode(&buf, img, 90); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("image_jpeg/"+name, func(b *testing.B) {
			var buf bytes.Buffer
			for b.Loop() {
				buf.Reset()
				if err := stdjpeg.Encode(&buf, img, &stdjpeg.Options{Quality: 90}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestZigzag: the zig-zag order of figure A.6.
func TestZigzag(t *testing.T) {
	t.Parallel()
	want := [64]int{
		0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
		12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
		35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
		58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
	}
	if got := zigzag(); got != want {
		t.Errorf("zigzag() = %v", got)
	}
}
