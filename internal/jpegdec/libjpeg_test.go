package jpegdec

import (
	"bufio"
	"bytes"
	"fmt"
	"image"
	"image/color"
	stdjpeg "image/jpeg"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/targetvision/targetvision/internal/testshared"
)

// libjpegTools returns the paths of cjpeg and djpeg (libjpeg-turbo-progs).
// Locally the tests that need them skip without; in CI they fail, since
// scripts/install-deps.sh installs them.
func libjpegTools(t *testing.T) (cjpeg, djpeg string) {
	t.Helper()
	c, errC := exec.LookPath("cjpeg")
	d, errD := exec.LookPath("djpeg")
	if errC != nil || errD != nil {
		if testshared.InCI() {
			t.Fatal("cjpeg/djpeg not found; CI must install libjpeg-turbo-progs (scripts/install-deps.sh)")
		}
		t.Skip("cjpeg/djpeg not installed (Debian: libjpeg-turbo-progs)")
	}
	return c, d
}

// photoPNM is a w×h picture with what makes JPEG decoding work: smooth
// gradients, sharp edges and per-pixel noise, as a binary PPM (or PGM).
func photoPNM(w, h int, gray bool, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 99))
	var buf bytes.Buffer
	ch := 3
	if gray {
		ch = 1
		fmt.Fprintf(&buf, "P5\n%d %d\n255\n", w, h)
	} else {
		fmt.Fprintf(&buf, "P6\n%d %d\n255\n", w, h)
	}
	for y := range h {
		for x := range w {
			base := [3]int{x * 255 / w, y * 255 / h, (x*3 + y*5) % 256}
			if (x/17+y/13)%3 == 0 {
				base[0], base[2] = 255-base[0], 40
			}
			grain := rng.IntN(41) - 20 // luminance grain, as a sensor gives
			for c := range ch {
				v := base[c] + grain + rng.IntN(9) - 4
				buf.WriteByte(uint8(min(max(v, 0), 255)))
			}
		}
	}
	return buf.Bytes()
}

// readPNM parses djpeg's binary PPM/PGM output into RGBA.
func readPNM(t *testing.T, data []byte) *image.RGBA {
	t.Helper()
	r := bufio.NewReader(bytes.NewReader(data))
	var magic string
	var w, h, maxv int
	if _, err := fmt.Fscan(r, &magic, &w, &h, &maxv); err != nil {
		t.Fatalf("pnm header: %v", err)
	}
	if _, err := r.ReadByte(); err != nil { // the single whitespace after maxval
		t.Fatal(err)
	}
	ch := 3
	if magic == "P5" {
		ch = 1
	}
	pix := make([]byte, w*h*ch)
	if _, err := io.ReadFull(r, pix); err != nil {
		t.Fatalf("pnm pixels: %v", err)
	}
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range w * h {
		for c := range 3 {
			m.Pix[4*i+c] = pix[i*ch+c%ch]
		}
		m.Pix[4*i+3] = 255
	}
	return m
}

// toRGBA converts with nearest-neighbour chroma, as djpeg -nosmooth does.
func toRGBA(img image.Image) *image.RGBA {
	b := img.Bounds()
	m := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bb, _ := img.At(x, y).RGBA()
			m.SetRGBA(x-b.Min.X, y-b.Min.Y, color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(bb >> 8), 255})
		}
	}
	return m
}

// diffStats is the mean absolute difference per channel and the share of
// channel values that differ by more than 4.
func diffStats(a, b *image.RGBA) (mean, over4 float64) {
	var sum, n, big int
	for i := range a.Pix {
		if i%4 == 3 {
			continue
		}
		d := int(a.Pix[i]) - int(b.Pix[i])
		d = max(d, -d)
		sum += d
		n++
		if d > 4 {
			big++
		}
	}
	return float64(sum) / float64(n), float64(big) / float64(n)
}

type cjpegCase struct {
	name string
	args []string
	gray bool
}

// cjpegCases covers every way a camera, an editor or a web tool writes a
// JPEG that this decoder must read: each common chroma subsampling and
// some unusual ones, progressive scans, restart intervals, optimised
// Huffman tables, and greyscale.
func cjpegCases() []cjpegCase {
	return []cjpegCase{
		{"420", []string{"-sample", "2x2"}, false},
		{"444", []string{"-sample", "1x1"}, false},
		{"422", []string{"-sample", "2x1"}, false},
		{"440", []string{"-sample", "1x2"}, false},
		{"411", []string{"-sample", "4x1"}, false},
		{"410", []string{"-sample", "4x2"}, false},
		{"odd-31-11-11", []string{"-sample", "3x1,1x1,1x1"}, false},
		{"odd-12-21-11", []string{"-sample", "1x2,2x1,1x1"}, false},
		{"odd-22-21-12", []string{"-sample", "2x2,2x1,1x2"}, false},
		{"odd-14-11-12", []string{"-sample", "1x4,1x1,1x2"}, false},
		{"420-optimize", []string{"-sample", "2x2", "-optimize"}, false},
		{"420-restart", []string{"-sample", "2x2", "-restart", "3B"}, false},
		{"444-restart-rows", []string{"-sample", "1x1", "-restart", "1"}, false},
		{"420-progressive", []string{"-sample", "2x2", "-progressive"}, false},
		{"444-progressive-restart", []string{"-sample", "1x1", "-progressive", "-restart", "5B"}, false},
		{"gray", []string{"-grayscale"}, true},
		{"gray-progressive", []string{"-grayscale", "-progressive"}, true},
		{"420-q100", []string{"-sample", "2x2", "-quality", "100"}, false},
		{"420-q30", []string{"-sample", "2x2", "-quality", "30"}, false},
	}
}

// makeJPEG runs cjpeg on a generated picture.
func makeJPEG(t *testing.T, cjpeg string, c cjpegCase, w, h int, seed uint64) []byte {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "in.pnm")
	if err := os.WriteFile(in, photoPNM(w, h, c.gray, seed), 0o644); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"-quality", "90"}, c.args...)
	out, err := exec.Command(cjpeg, append(args, in)...).Output()
	if err != nil {
		t.Fatalf("cjpeg %v: %v", args, err)
	}
	return out
}

// djpegDecode decodes with libjpeg-turbo at 1/scale: with nearest-neighbour
// chroma upsampling (-nosmooth), so that the comparison is of the
// transforms, or its luma alone (-grayscale).
func djpegDecode(t *testing.T, djpeg string, data []byte, scale string, luma bool) *image.RGBA {
	t.Helper()
	args := []string{"-nosmooth", "-scale", scale}
	if luma {
		args = append(args, "-grayscale")
	}
	cmd := exec.Command(djpeg, args...)
	cmd.Stdin = bytes.NewReader(data)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("djpeg: %v", err)
	}
	return readPNM(t, out)
}

// planes returns an image's planes with their sizes: Y, Cb, Cr for YCbCr,
// one for Gray.
func planes(t *testing.T, img image.Image) (pix [][]byte, stride []int, size []image.Point) {
	t.Helper()
	switch m := img.(type) {
	case *image.YCbCr:
		b := m.Bounds()
		cb := image.Rect(0, 0, b.Dx(), b.Dy())
		switch m.SubsampleRatio {
		case image.YCbCrSubsampleRatio422:
			cb.Max.X = (b.Dx() + 1) / 2
		case image.YCbCrSubsampleRatio420:
			cb.Max = image.Pt((b.Dx()+1)/2, (b.Dy()+1)/2)
		case image.YCbCrSubsampleRatio440:
			cb.Max.Y = (b.Dy() + 1) / 2
		case image.YCbCrSubsampleRatio411:
			cb.Max.X = (b.Dx() + 3) / 4
		case image.YCbCrSubsampleRatio410:
			cb.Max = image.Pt((b.Dx()+3)/4, (b.Dy()+1)/2)
		}
		return [][]byte{m.Y, m.Cb, m.Cr}, []int{m.YStride, m.CStride, m.CStride}, []image.Point{b.Size(), cb.Max, cb.Max}
	case *image.Gray:
		return [][]byte{m.Pix}, []int{m.Stride}, []image.Point{m.Bounds().Size()}
	}
	t.Fatalf("unexpected image type %T", img)
	return nil, nil, nil
}

// boxDiff is the mean absolute difference between a scaled plane and the
// full plane averaged over the s×s squares each scaled sample covers.
func boxDiff(small []byte, sStride int, sSize image.Point, full []byte, fStride int, fSize image.Point, s int) float64 {
	var sum float64
	n := 0
	for y := 0; y < fSize.Y/s && y < sSize.Y; y++ {
		for x := 0; x < fSize.X/s && x < sSize.X; x++ {
			a := 0
			for j := range s {
				for i := range s {
					a += int(full[(y*s+j)*fStride+x*s+i])
				}
			}
			d := float64(a)/float64(s*s) - float64(small[y*sStride+x])
			sum += max(d, -d)
			n++
		}
	}
	return sum / float64(max(n, 1))
}

// TestAgainstLibjpeg decodes cjpeg's files of every kind at odd sizes. At
// full size they match image/jpeg pixel for pixel where it decodes them,
// and libjpeg-turbo within rounding; at 1/8 (DC only) luma matches
// libjpeg-turbo within rounding; at 1/2 and 1/4, where libjpeg-turbo's
// reduced transforms keep aliasing that truncating the spectrum drops,
// every plane is within a bound of the full decode averaged over the
// squares each sample covers.
func TestAgainstLibjpeg(t *testing.T) {
	t.Parallel()
	cjpeg, djpeg := libjpegTools(t)
	for i, c := range cjpegCases() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w, h := 203+i*7, 157+i*3
			data := makeJPEG(t, cjpeg, c, w, h, uint64(i))
			full, truncated, err := DecodeScaled(bytes.NewReader(data), 1)
			if err != nil || truncated {
				t.Fatalf("full size: %v (truncated %v)", err, truncated)
			}
			if std, err := stdjpeg.Decode(bytes.NewReader(data)); err == nil {
				if !bytes.Equal(rgba(full).Pix, rgba(std).Pix) {
					t.Errorf("full size: pixels differ from image/jpeg")
				}
			}
			if mean, over4 := diffStats(toRGBA(full), djpegDecode(t, djpeg, data, "1/1", false)); mean > 1.0 || over4 > 0.01 {
				t.Errorf("full size: differs from libjpeg by %.2f per channel on average, %.2f%% over 4", mean, 100*over4)
			}
			fp, fs, fz := planes(t, full)
			for _, s := range []int{2, 4, 8} {
				img, truncated, err := DecodeScaled(bytes.NewReader(data), s)
				if err != nil || truncated {
					t.Fatalf("scale 1/%d: %v (truncated %v)", s, err, truncated)
				}
				if b, want := img.Bounds(), image.Rect(0, 0, (w+s-1)/s, (h+s-1)/s); b != want {
					t.Fatalf("scale 1/%d: bounds %v, want %v", s, b, want)
				}
				sp, ss, sz := planes(t, img)
				if len(sp) != len(fp) {
					t.Fatalf("scale 1/%d: %d planes, full size %d", s, len(sp), len(fp))
				}
				for k := range sp {
					if k > 0 && strings.HasPrefix(c.name, "odd") {
						// Upsampled planes: a sample of a coarser component
						// covers more than s×s pixels.
						break
					}
					if d := boxDiff(sp[k], ss[k], sz[k], fp[k], fs[k], fz[k], s); d > 6 {
						t.Errorf("scale 1/%d plane %d: differs from the box-averaged full decode by %.2f on average", s, k, d)
					}
				}
				if s == 2 {
					// libjpeg-turbo reconstructs chroma finer when scaling,
					// and keeps more aliasing: a loose bound that still
					// catches blocks put in the wrong place.
					if mean, _ := diffStats(toRGBA(img), djpegDecode(t, djpeg, data, "1/2", false)); mean > 16 {
						t.Errorf("scale 1/2: differs from libjpeg by %.2f per channel on average", mean)
					}
				}
				if s == 8 {
					if worst, _ := lumaDiff(t, djpeg, data, img, "1/8"); worst > 1 {
						t.Errorf("scale 1/8: luma differs from libjpeg by up to %d", worst)
					}
				}
			}
			// libjpeg-turbo's 3/8 to 7/8 transforms are, like ours, the
			// n-point IDCT of the low n×n coefficients.
			for _, m := range []int{3, 5, 6, 7} {
				img, truncated, err := DecodeEighths(bytes.NewReader(data), m)
				if err != nil || truncated {
					t.Fatalf("scale %d/8: %v (truncated %v)", m, err, truncated)
				}
				if b, want := img.Bounds(), image.Rect(0, 0, (w*m+7)/8, (h*m+7)/8); b != want {
					t.Fatalf("scale %d/8: bounds %v, want %v", m, b, want)
				}
				scale := strconv.Itoa(m) + "/8"
				if worst, mean := lumaDiff(t, djpeg, data, img, scale); worst > 2 || mean > 0.1 {
					t.Errorf("scale %s: luma differs from libjpeg by up to %d, %.3f on average", scale, worst, mean)
				}
				if mean, _ := diffStats(toRGBA(img), djpegDecode(t, djpeg, data, scale, false)); mean > 16 {
					t.Errorf("scale %s: differs from libjpeg by %.2f per channel on average", scale, mean)
				}
			}
		})
	}
}

// lumaDiff compares img's luma (or grey) plane with libjpeg-turbo's
// greyscale decode at the same scale: the largest and the mean absolute
// difference.
func lumaDiff(t *testing.T, djpeg string, data []byte, img image.Image, scale string) (worst int, mean float64) {
	t.Helper()
	want := djpegDecode(t, djpeg, data, scale, true)
	p, s, z := planes(t, img)
	if z[0] != want.Rect.Size() {
		t.Fatalf("scale %s: size %v, libjpeg %v", scale, z[0], want.Rect.Size())
	}
	var sum int
	for y := range z[0].Y {
		for x := range z[0].X {
			d := int(p[0][y*s[0]+x]) - int(want.Pix[y*want.Stride+4*x])
			worst = max(worst, d, -d)
			sum += max(d, -d)
		}
	}
	return worst, float64(sum) / float64(z[0].X*z[0].Y)
}

// TestTruncatedEverywhere cuts files of every kind at many points: each
// decodes without error at every scale, says it was truncated, and the
// rows fully decoded before the cut match the whole file's decode.
func TestTruncatedEverywhere(t *testing.T) {
	t.Parallel()
	cjpeg, _ := libjpegTools(t)
	for i, c := range cjpegCases() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			data := makeJPEG(t, cjpeg, c, 160, 120, uint64(100+i))
			for _, s := range []int{8, 4, 3} { // eighths
				full, _, err := DecodeEighths(bytes.NewReader(data), s)
				if err != nil {
					t.Fatal(err)
				}
				fullPix := rgba(full)
				for _, frac := range []int{35, 50, 65, 80, 95} {
					cut := data[:len(data)*frac/100]
					img, truncated, err := DecodeEighths(bytes.NewReader(cut), s)
					if err != nil {
						t.Fatalf("cut at %d%%, scale %d/8: %v", frac, s, err)
					}
					if !truncated {
						t.Fatalf("cut at %d%%, scale %d/8: not reported truncated", frac, s)
					}
					if img.Bounds() != full.Bounds() {
						t.Fatalf("cut at %d%%: bounds %v, want %v", frac, img.Bounds(), full.Bounds())
					}
					if c.name == "420-progressive" || c.name == "444-progressive-restart" || c.name == "gray-progressive" {
						continue // a cut progressive file keeps earlier scans everywhere
					}
					// The first rows are decoded from data well before any cut.
					got := rgba(img)
					if frac >= 50 {
						rows := 2
						if !bytes.Equal(got.Pix[:rows*got.Stride], fullPix.Pix[:rows*fullPix.Stride]) {
							t.Errorf("cut at %d%%, scale %d/8: the first rows differ from the whole file's", frac, s)
						}
					}
				}
			}
		})
	}
}
