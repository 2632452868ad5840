package jpegdec

import (
	"bytes"
	"image"
	"image/draw"
	stdjpeg "image/jpeg"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/targetvision/targetvision/internal/testshared"
)

func sharedJPEGs(t testing.TB) []string {
	t.Helper()
	var files []string
	for _, pat := range []string{"*/*.jpg", "*/*.jpeg"} {
		m, err := filepath.Glob(filepath.Join(testshared.Path(t, "testdata", "photos"), pat))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 20 {
		t.Fatalf("only %d shared JPEGs", len(files))
	}
	return files
}

func rgba(img image.Image) *image.RGBA {
	b := img.Bounds()
	m := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(m, m.Rect, img, b.Min, draw.Src)
	return m
}

// TestMatchesStdlib: at full size, every shared JPEG the standard library
// decodes comes out pixel for pixel the same.
func TestMatchesStdlib(t *testing.T) {
	t.Parallel()
	n := 0
	for _, f := range sharedJPEGs(t) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		want, err := stdjpeg.Decode(bytes.NewReader(data))
		if err != nil {
			continue
		}
		got, truncated, err := DecodeScaled(bytes.NewReader(data), 1)
		if err != nil || truncated {
			t.Errorf("%s: %v (truncated %v), stdlib decodes it", f, err, truncated)
			continue
		}
		if !bytes.Equal(rgba(got).Pix, rgba(want).Pix) {
			t.Errorf("%s: pixels differ from image/jpeg", f)
		}
		n++
	}
	if n < 20 {
		t.Fatalf("compared only %d files", n)
	}
}

// TestUnusualSampling: peacock.s-very-weird.jpeg samples luma 4×1, Cb 2×1
// and Cr 2×2 (chroma finer than luma vertically), which image/jpeg refuses;
// it decodes to the same picture as the progressive peacock.
func TestUnusualSampling(t *testing.T) {
	t.Parallel()
	dir := testshared.Path(t, "testdata", "photos", "odd")
	weird, err := os.ReadFile(filepath.Join(dir, "peacock.s-very-weird.jpeg"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stdjpeg.Decode(bytes.NewReader(weird)); err == nil {
		t.Fatal("image/jpeg decodes it: the test no longer tests anything")
	}
	got, err := Decode(bytes.NewReader(weird))
	if err != nil {
		t.Fatal(err)
	}
	ref, err := os.ReadFile(filepath.Join(dir, "peacock.progressive.jpeg"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := Decode(bytes.NewReader(ref))
	if err != nil {
		t.Fatal(err)
	}
	if d := meanAbsDiff(rgba(got), rgba(want)); d > 6 {
		t.Errorf("differs from the same picture by %.1f per channel on average", d)
	}
}

func meanAbsDiff(a, b *image.RGBA) float64 {
	if a.Rect != b.Rect {
		return 255
	}
	var sum int
	for i := range a.Pix {
		d := int(a.Pix[i]) - int(b.Pix[i])
		sum += max(d, -d)
	}
	return float64(sum) / float64(len(a.Pix))
}

// TestTruncated: a JPEG cut short decodes to its decoded part with the
// rest grey, as libjpeg shows it, and says it was truncated; baseline and
// progressive alike.
func TestTruncated(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"camera/door-knocker.jpg", "odd/peacock.progressive.jpeg"} {
		data, err := os.ReadFile(filepath.Join(testshared.Path(t, "testdata", "photos"), name))
		if err != nil {
			t.Fatal(err)
		}
		full, err := Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		cut := data[:len(data)*2/3]
		if _, err := stdjpeg.Decode(bytes.NewReader(cut)); err == nil {
			t.Fatalf("%s: image/jpeg decodes the cut file", name)
		}
		img, truncated, err := DecodeScaled(bytes.NewReader(cut), 1)
		if err != nil || !truncated {
			t.Fatalf("%s cut: %v, truncated %v", name, err, truncated)
		}
		got, want := rgba(img), rgba(full)
		b := got.Rect
		rowDiff := func(y int) float64 {
			var sum int
			for x := 0; x < b.Dx()*4; x++ {
				d := int(got.Pix[y*got.Stride+x]) - int(want.Pix[y*want.Stride+x])
				sum += max(d, -d)
			}
			return float64(sum) / float64(b.Dx()*4)
		}
		if d := rowDiff(0); d > 8 {
			t.Errorf("%s: the first row, decoded before the cut, differs by %.1f", name, d)
		}
		last := got.Pix[(b.Dy()-1)*got.Stride : (b.Dy()-1)*got.Stride+b.Dx()*4]
		if name == "camera/door-knocker.jpg" {
			for i, v := range last {
				if i%4 != 3 && (v < 126 || v > 130) {
					t.Fatalf("%s: the last row, after the cut, is not grey: % d", name, last[:16])
				}
			}
		}
	}
}

// TestScaled: at 1/2, 1/4 and 1/8 the image has the rounded-up size and
// its luma is the full decode's, averaged over the squares each pixel
// covers, within what a reduced inverse DCT differs from a box filter.
func TestScaled(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join(testshared.Path(t, "testdata", "photos"), "camera", "door-knocker.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	fullImg, err := Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	full := fullImg.(*image.YCbCr)
	fb := full.Bounds()
	for _, s := range []int{2, 4, 8} {
		img, _, err := DecodeScaled(bytes.NewReader(data), s)
		if err != nil {
			t.Fatal(err)
		}
		y := img.(*image.YCbCr)
		if b := y.Bounds(); b.Dx() != (fb.Dx()+s-1)/s || b.Dy() != (fb.Dy()+s-1)/s {
			t.Fatalf("scale %d: %v from %v", s, b, fb)
		}
		var sum, n float64
		for yy := 0; yy < fb.Dy()/s; yy++ {
			for xx := 0; xx < fb.Dx()/s; xx++ {
				a := 0
				for j := range s {
					for i := range s {
						a += int(full.Y[(yy*s+j)*full.YStride+xx*s+i])
					}
				}
				d := float64(a)/float64(s*s) - float64(y.Y[yy*y.YStride+xx])
				sum += max(d, -d)
				n++
			}
		}
		if m := sum / n; m > 5 {
			t.Errorf("scale %d: luma differs from the box-averaged full decode by %.2f on average", s, m)
		}
	}
	if _, _, err := DecodeScaled(bytes.NewReader(data), 3); err == nil {
		t.Error("scale 3 accepted")
	}
}

// TestIdctReducedMatchesFormula checks the fixed-point reduced transforms
// against the cosine sums they implement, on random coefficients, and the
// unrolled ones against the table-driven one (TestUnrolledTransforms).
func TestIdctReducedMatchesFormula(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	for range 500 {
		for _, n := range []int{2, 3, 4, 5, 6, 7} {
			var b block
			for i := range b {
				b[i] = int32(rng.IntN(2049) - 1024)
			}
			want := make([]float64, n*n)
			for y := range n {
				for x := range n {
					var s float64
					for v := range n {
						for u := range n {
							cu, cv := 1.0, 1.0
							if u == 0 {
								cu = 1 / math.Sqrt2
							}
							if v == 0 {
								cv = 1 / math.Sqrt2
							}
							s += 0.25 * cu * cv * float64(b[v*8+u]) *
								math.Cos(float64(2*x+1)*float64(u)*math.Pi/float64(2*n)) *
								math.Cos(float64(2*y+1)*float64(v)*math.Pi/float64(2*n))
						}
					}
					want[y*n+x] = s
				}
			}
			got := b
			if n == 2 || n == 4 {
				idctReduced(&got, n)
			} else {
				idctN(&got, n, idctTable(n))
			}
			for y := range n {
				for x := range n {
					if d := math.Abs(float64(got[y*8+x]) - want[y*n+x]); d > 1.5 {
						t.Fatalf("n=%d (%d,%d): %d, want %.2f", n, x, y, got[y*8+x], want[y*n+x])
					}
				}
			}
		}
	}
}

// TestDCShortcut: a block with only its DC coefficient is filled with the
// value the transform at that scale would compute for every pixel.
func TestDCShortcut(t *testing.T) {
	t.Parallel()
	for _, bs := range []int{8, 7, 6, 5, 4, 3, 2, 1} {
		d := decoder{bs: bs, idctK: idctTable(bs)}
		for dc := int32(-1 << 14); dc <= 1<<14; dc++ {
			b := block{0: dc}
			dst := make([]byte, 64)
			d.transformStore(&b, dst, 8)
			want := dcPixel(dc, bs)
			for y := range bs {
				for x := range bs {
					if dst[y*8+x] != want {
						t.Fatalf("bs %d, DC %d: pixel (%d,%d) is %d, shortcut %d", bs, dc, x, y, dst[y*8+x], want)
					}
				}
			}
		}
	}
}

// TestUnrolledTransforms: the unrolled 3×3, 4×4 and 5×5 transform-and-store
// paths give the table-driven transform's pixels and leave the block zero.
func TestUnrolledTransforms(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 8))
	for range 2000 {
		k5 := idctTable(5)
		for n, store := range map[int]func(*block, []byte, int){
			3: idct3Store, 4: idct4Store,
			5: func(b *block, dst []byte, stride int) { idct5Store(b, dst, stride, k5) },
		} {
			var b block
			for y := range n {
				for x := range n {
					b[y*8+x] = int32(rng.IntN(1025) - 512)
				}
			}
			want := b
			idctN(&want, n, idctTable(n))
			got := make([]byte, 8*n)
			store(&b, got, 8)
			for y := range n {
				for x := range n {
					if w := clampPixel(want[y*8+x]); got[y*8+x] != w {
						t.Fatalf("n=%d (%d,%d): %d, table-driven %d", n, x, y, got[y*8+x], w)
					}
				}
			}
			if b != (block{}) {
				t.Fatalf("n=%d: block not left zero", n)
			}
		}
	}
}
