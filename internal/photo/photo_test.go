package photo

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"

	"github.com/targetvision/targetvision/internal/testshared"
)

// photos is the shared test photo directory, ../shared/testdata/photos.
func photos(t testing.TB) string {
	t.Helper()
	return testshared.Path(t, "testdata", "photos")
}

func TestInspectCameraEXIF(t *testing.T) {
	t.Parallel()
	dir := photos(t)
	type gpsWant struct{ lat, lon, alt float64 }
	tests := []struct {
		file            string
		make, model     string
		lens            string
		taken           string // RFC 3339
		hasZone         bool
		exposure        string
		fnumber, focal  float64
		iso             int
		w, h            int
		gps             *gpsWant
		orientation     int
		warningExpected bool
	}{
		{file: "camera/Canon_40D.jpg", make: "Canon", model: "Canon EOS 40D", taken: "2008-05-30T15:56:01Z",
			exposure: "1/160", fnumber: 7.1, focal: 135, iso: 100, w: 100, h: 68, orientation: 1},
		{file: "camera/Nikon_D70.jpg", make: "NIKON CORPORATION", model: "NIKON D70", taken: "2008-03-15T09:52:01Z",
			exposure: "1/200", fnumber: 9, focal: 100, iso: 200, w: 100, h: 66, orientation: 1},
		{file: "camera/Pentax_K10D.jpg", make: "PENTAX Corporation", model: "PENTAX K10D", taken: "2008-05-04T16:47:24Z",
			exposure: "1/180", fnumber: 11, focal: 90, iso: 200, w: 100, h: 72, orientation: 1},
		{file: "camera/Kodak_CX7530.jpg", make: "EASTMAN KODAK COMPANY", model: "KODAK CX7530 ZOOM DIGITAL CAMERA",
			taken: "2005-08-13T09:47:23Z", exposure: "1/250", fnumber: 4.6, focal: 16.8, w: 100, h: 78, orientation: 1,
			gps: &gpsWant{lat: -0.3713, lon: 36.0564167, alt: math.NaN()}},
		{file: "camera/IMG_20180725_163423-tiny.jpg", make: "Google", model: "Pixel", taken: "2018-07-25T16:34:23Z",
			exposure: "1/2660", fnumber: 2, focal: 4.67, iso: 50, w: 1012, h: 759, orientation: 1,
			gps: &gpsWant{lat: 50.2996028, lon: 14.8202944, alt: 252}},
		{file: "camera/issue-exifr-59.jpg", make: "Canon", model: "Canon EOS 600D", lens: "EF-S15-85mm f/3.5-5.6 IS USM",
			taken: "2015-06-12T13:40:32Z", exposure: "1/1250", fnumber: 5.6, focal: 85, iso: 160, w: 150, h: 100, orientation: 1,
			gps: &gpsWant{lat: 37.746765, lon: -119.5298833, alt: 1960}},
		{file: "camera/issue-exifr-13.jpg", make: "Hasselblad", model: "L1D-20c", taken: "2019-10-03T09:10:11Z",
			exposure: "1/320", fnumber: 5.6, focal: 10.26, iso: 100, w: 100, h: 67, orientation: 1,
			gps: &gpsWant{lat: 47.354184, lon: 10.1913155, alt: 1252}},
		{file: "camera/ultrahdr.jpg", make: "Google", model: "Pixel 6", lens: "Pixel 6 back camera 6.81mm f/1.85",
			taken: "2024-05-07T09:33:04+08:00", hasZone: true, exposure: "1/25", fnumber: 1.85, focal: 6.81, iso: 89,
			w: 1512, h: 2688, orientation: 1, gps: &gpsWant{lat: 30.62765, lon: 119.7387667, alt: 98.9}},
		// ISO 50 is only in the Casio makernote, which is not read.
		{file: "camera/L01.jpg", make: "CASIO COMPUTER CO.,LTD", model: "QV-R51", taken: "2006-02-15T23:39:07Z",
			exposure: "1/250", fnumber: 6.2, focal: 14.2, w: 300, h: 400, orientation: 1},
		{file: "camera/simple.jpg", make: "Canon", model: "Canon PowerShot S330", taken: "2002-11-16T15:27:01Z",
			exposure: "1/10", fnumber: 4.7, focal: 16.1875, w: 800, h: 600, orientation: 1},
		{file: "camera/door-knocker.jpg", make: "OLYMPUS IMAGING CORP.", model: "E-M10", taken: "2018-04-27T13:17:26Z",
			exposure: "1/200", fnumber: 5.6, focal: 31, iso: 200, w: 800, h: 533, orientation: 1},
		{file: "camera/r_sony.jpg", make: "SONY", model: "DSC-RX1R", taken: "2013-04-13T10:22:18Z",
			exposure: "1/125", fnumber: 8, focal: 35, iso: 100, w: 80, h: 80, orientation: 1},
		{file: "camera/iptc.jpg", make: "Nokia", model: "N70-1", taken: "2006-07-08T21:14:45Z",
			exposure: "1/135", fnumber: 3.2, focal: 4.5, iso: 125, w: 640, h: 480, orientation: 1},
		// ISO 100 is only in the Canon makernote, which is not read.
		{file: "formats/flower.webp", make: "Canon", model: "Canon PowerShot S40", taken: "2003-12-14T12:01:44Z",
			exposure: "1/500", fnumber: 4.9, focal: 21.3125, w: 480, h: 360, orientation: 1},
		{file: "formats/tool1.webp", make: "SONY", model: "ILCE-7RM2", lens: "FE 90mm F2.8 Macro G OSS",
			taken: "2017-05-09T20:26:35Z", exposure: "1/100", fnumber: 4, focal: 90, iso: 400, w: 64, h: 64, orientation: 1},
		{file: "formats/png_with_exif_and_gps.png", make: "Canon", model: "Canon PowerShot S40", taken: "2003-12-14T12:01:44Z",
			exposure: "1/500", fnumber: 4.9, focal: 21.3, iso: 100, w: 1, h: 1, orientation: 1,
			gps: &gpsWant{lat: 50.2996028, lon: 14.8202944, alt: 252}},
		{file: "formats/sugarshack.mpo", make: "Nintendo", model: "Nintendo 3DS", taken: "2014-03-02T14:17:39Z",
			w: 640, h: 480, orientation: 1},
		// ImageMagick's hex "Raw profile type exif" text chunk: orientation 3.
		{file: "formats/exif_imagemagick_orientation.png", w: 512, h: 512, orientation: 3},
		// Broken EXIF: the picture is fine and the readable tags survive.
		{file: "odd/broken1.jpg", make: "Canon", model: "Canon EOS 30D", taken: "2007-08-15T10:13:13Z",
			exposure: "1/250", fnumber: 8, focal: 17, iso: 100, w: 600, h: 900, orientation: 1, warningExpected: true},
		{file: "odd/crash01.jpg", make: "Hewlett-Packard", model: "HP PhotoSmart 318", taken: "2002-05-08T17:28:03Z",
			exposure: "1/30", fnumber: 28, focal: 6.79, iso: 100, w: 100, h: 66, orientation: 1, warningExpected: true},
		// Absurd values are dropped, not reported: no exposure, no GPS.
		{file: "odd/exif_gps.jpg", make: "Make", model: "XXX-XXX", taken: "2099-09-29T10:10:10Z", w: 8, h: 8, orientation: 1},
		{file: "odd/invalid-exif.jpg", w: 200, h: 200, orientation: 1, warningExpected: true},
		{file: "odd/truncated_exif_dpi.jpg", w: 480, h: 640, orientation: 1, warningExpected: true},
		// Only a ModifyDate (IFD0 DateTime): an edit time, not when it was taken.
		{file: "odd/pil_sample_cmyk.jpg", w: 100, h: 100, orientation: 1},
		{file: "orientation/Landscape_6.jpg", w: 600, h: 450, orientation: 6},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			info, err := Inspect(t.Context(), filepath.Join(dir, tt.file), Limits{})
			if err != nil {
				t.Fatalf("Inspect: %v", err)
			}
			if info.CameraMake != tt.make || info.CameraModel != tt.model || info.Lens != tt.lens {
				t.Errorf("camera = %q / %q / %q, want %q / %q / %q", info.CameraMake, info.CameraModel, info.Lens, tt.make, tt.model, tt.lens)
			}
			var taken string
			if !info.TakenAt.IsZero() {
				taken = info.TakenAt.Format(time.RFC3339)
			}
			if taken != tt.taken || info.TakenAtHasZone != tt.hasZone {
				t.Errorf("TakenAt = %q (zone %v), want %q (zone %v)", taken, info.TakenAtHasZone, tt.taken, tt.hasZone)
			}
			if info.ExposureTime != tt.exposure {
				t.Errorf("ExposureTime = %q, want %q", info.ExposureTime, tt.exposure)
			}
			if math.Abs(info.FNumber-tt.fnumber) > 1e-6 || math.Abs(info.FocalLength-tt.focal) > 1e-6 || info.ISO != tt.iso {
				t.Errorf("f/%v %vmm ISO %v, want f/%v %vmm ISO %v", info.FNumber, info.FocalLength, info.ISO, tt.fnumber, tt.focal, tt.iso)
			}
			if info.Width != tt.w || info.Height != tt.h || info.Orientation != tt.orientation {
				t.Errorf("size %dx%d orientation %d, want %dx%d orientation %d", info.Width, info.Height, info.Orientation, tt.w, tt.h, tt.orientation)
			}
			switch {
			case tt.gps == nil && info.GPS != nil:
				t.Errorf("GPS = %+v, want none", *info.GPS)
			case tt.gps != nil && info.GPS == nil:
				t.Errorf("GPS missing, want %+v", *tt.gps)
			case tt.gps != nil:
				g := info.GPS
				if math.Abs(g.Lat-tt.gps.lat) > 1e-6 || math.Abs(g.Lon-tt.gps.lon) > 1e-6 {
					t.Errorf("GPS = %v,%v, want %v,%v", g.Lat, g.Lon, tt.gps.lat, tt.gps.lon)
				}
				switch {
				case math.IsNaN(tt.gps.alt) && g.Alt != nil:
					t.Errorf("GPS altitude = %v, want none", *g.Alt)
				case !math.IsNaN(tt.gps.alt) && (g.Alt == nil || math.Abs(*g.Alt-tt.gps.alt) > 0.01):
					t.Errorf("GPS altitude = %v, want %v", g.Alt, tt.gps.alt)
				}
			}
			if (info.MetadataWarning != "") != tt.warningExpected {
				t.Errorf("MetadataWarning = %q, want a warning: %v", info.MetadataWarning, tt.warningExpected)
			}
		})
	}
}

func TestInspectHashAndSize(t *testing.T) {
	t.Parallel()
	dir := photos(t)
	// Sums from SOURCES.md.
	tests := []struct{ file, sha string }{
		{"camera/Canon_40D.jpg", "6bfdabd4fc33d112283c147acccc574e770bbe6fbdbc3d4da968ba7b606ecc2f"},
		{"formats/flower.webp", "af5bf1a0e420467c09d221fbfbb739646956c17f2b67f8280eacfacf87059a37"},
		// Hash and size are known even when the content is refused.
		{"odd/decompression_bomb.gif", "7357284ef3ce2f16a3eb5e6f64ba9eeaded1487661b36ed6ac73476bce24a38e"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(dir, tt.file)
			st, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			first, _ := Inspect(t.Context(), path, Limits{})
			second, _ := Inspect(t.Context(), path, Limits{})
			if first.SHA256 != tt.sha || second.SHA256 != tt.sha {
				t.Errorf("SHA256 = %s then %s, want %s", first.SHA256, second.SHA256, tt.sha)
			}
			if first.Size != st.Size() {
				t.Errorf("Size = %d, want %d", first.Size, st.Size())
			}
		})
	}
}

// grid averages an image into cols×rows cells of gray levels, a coarse
// fingerprint that survives JPEG re-encoding but not a wrong rotation.
func grid(img image.Image, cols, rows int) []float64 {
	b := img.Bounds()
	sums := make([]float64, cols*rows)
	counts := make([]float64, cols*rows)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			g := color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y
			i := (y-b.Min.Y)*rows/b.Dy()*cols + (x-b.Min.X)*cols/b.Dx()
			sums[i] += float64(g)
			counts[i]++
		}
	}
	for i := range sums {
		sums[i] /= counts[i]
	}
	return sums
}

// similarity is the Pearson correlation of two grids: 1 for the same
// picture, whatever its overall brightness (files 2-8 of the orientation set
// were encoded a little darker than file 1), and far lower for a picture
// rotated or mirrored the wrong way.
func similarity(a, b []float64) float64 {
	var ma, mb float64
	for i := range a {
		ma += a[i]
		mb += b[i]
	}
	ma /= float64(len(a))
	mb /= float64(len(b))
	var num, da, db float64
	for i := range a {
		num += (a[i] - ma) * (b[i] - mb)
		da += (a[i] - ma) * (a[i] - ma)
		db += (b[i] - mb) * (b[i] - mb)
	}
	return num / math.Sqrt(da*db)
}

// samePicture is the similarity above which two grids show the same picture.
const samePicture = 0.97

func TestDecodeOrientation(t *testing.T) {
	t.Parallel()
	dir := photos(t)
	ref, _, err := Decode(t.Context(), filepath.Join(dir, "orientation/Landscape_1.jpg"), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := grid(ref, 8, 6)
	for o := 1; o <= 8; o++ {
		t.Run(string(rune('0'+o)), func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(dir, "orientation", "Landscape_"+string(rune('0'+o))+".jpg")
			img, info, err := Decode(t.Context(), path, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if b := img.Bounds(); b.Dx() != 600 || b.Dy() != 450 || info.Width != 600 || info.Height != 450 {
				t.Fatalf("decoded %v, info %dx%d; want 600x450", b, info.Width, info.Height)
			}
			if info.Orientation != o {
				t.Errorf("Orientation = %d, want %d", info.Orientation, o)
			}
			if s := similarity(grid(img, 8, 6), want); s < samePicture {
				t.Errorf("upright picture matches Landscape_1 by %.3f, want >= %v", s, samePicture)
			}
			// Every other orientation applied to the same stored pixels must
			// give a clearly different picture.
			for wrong := 1; wrong <= 8; wrong++ {
				if wrong == o || (wrong >= 5) != (o >= 5) {
					continue
				}
				raw, _, err := Decode(t.Context(), path, Limits{})
				if err != nil {
					t.Fatal(err)
				}
				stored := unorient(t, raw, o)
				if s := similarity(grid(orient(stored, wrong), 8, 6), want); s >= samePicture {
					t.Errorf("orientation %d applied instead of %d still matches (%.3f): the test cannot tell", wrong, o, s)
				}
			}
		})
	}
}

// unorient recovers the stored pixels from an upright image by applying the
// inverse transform (6 and 8 are each other's inverse; the rest are their own).
func unorient(t *testing.T, img image.Image, o int) image.Image {
	t.Helper()
	inv := map[int]int{1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 8, 7: 7, 8: 6}[o]
	return orient(img, inv)
}

func TestDecodeFormats(t *testing.T) {
	t.Parallel()
	dir := photos(t)
	tests := []struct {
		file   string
		format string
		w, h   int
	}{
		{"formats/flower.webp", "webp", 480, 360},
		{"formats/tool1.webp", "webp", 64, 64},
		{"formats/png_with_exif_and_gps.png", "png", 1, 1},
		{"formats/exif_imagemagick_orientation.png", "png", 512, 512},
		{"formats/sugarshack.mpo", "jpeg", 640, 480},
		{"odd/pil_sample_cmyk.jpg", "jpeg", 100, 100},
		{"odd/peacock.grayscale.jpeg", "jpeg", 100, 75},
		{"odd/peacock.progressive.jpeg", "jpeg", 100, 75},
		{"odd/broken1.jpg", "jpeg", 600, 900},
		{"odd/crash01.jpg", "jpeg", 100, 66},
		{"odd/decompression_bomb.gif", "gif", 0, 0}, // refused, see TestErrors
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			img, info, err := Decode(t.Context(), filepath.Join(dir, tt.file), Limits{})
			if info.Format != tt.format {
				t.Errorf("Format = %q, want %q", info.Format, tt.format)
			}
			if tt.w == 0 {
				if err == nil {
					t.Fatal("decoded, want refusal")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if b := img.Bounds(); b.Dx() != tt.w || b.Dy() != tt.h {
				t.Errorf("bounds %v, want %dx%d", b, tt.w, tt.h)
			}
			// Real content, not a blank frame: the picture has contrast.
			if tt.w > 1 {
				g := grid(img, 4, 4)
				lo, hi := g[0], g[0]
				for _, v := range g {
					lo, hi = min(lo, v), max(hi, v)
				}
				if hi-lo < 10 {
					t.Errorf("decoded picture is flat (gray %.0f..%.0f)", lo, hi)
				}
			}
		})
	}
}

// TestDecodeGeneratedFormats covers the formats the shared photos lack:
// files written by this test with the standard and x/image encoders.
func TestDecodeGeneratedFormats(t *testing.T) {
	t.Parallel()
	src := gradient(64, 48)
	encode := map[string]func(*bytes.Buffer) error{
		"tiff": func(b *bytes.Buffer) error { return tiff.Encode(b, src, nil) },
		"bmp":  func(b *bytes.Buffer) error { return bmp.Encode(b, src) },
		"gif":  func(b *bytes.Buffer) error { return gif.Encode(b, src, nil) },
		"png":  func(b *bytes.Buffer) error { return png.Encode(b, src) },
	}
	for format, enc := range encode {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if err := enc(&buf); err != nil {
				t.Fatal(err)
			}
			path := writeTemp(t, "x."+format, buf.Bytes())
			img, info, err := Decode(t.Context(), path, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if info.Format != format || info.Width != 64 || info.Height != 48 || img.Bounds() != image.Rect(0, 0, 64, 48) {
				t.Errorf("format %q, info %dx%d, bounds %v; want %s 64x48", info.Format, info.Width, info.Height, img.Bounds(), format)
			}
			if s := similarity(grid(img, 8, 6), grid(src, 8, 6)); s < samePicture {
				t.Errorf("decoded picture differs from the encoded one (similarity %.3f)", s)
			}
		})
	}
}

// pngHeader returns an 8-bit RGBA PNG whose IHDR claims w×h pixels,
// followed by an empty IDAT and IEND: tiny on disk, enormous if decoded.
func pngHeader(w, h uint32) []byte { return pngHeaderOf(w, h, 8, 6) }

// pngHeaderOf is pngHeader at another bit depth and colour type (6 = RGBA,
// 0 = gray).
func pngHeaderOf(w, h uint32, depth, colorType byte) []byte {
	var buf bytes.Buffer
	buf.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&buf, binary.BigEndian, uint32(len(data)))
		crc := crc32.NewIEEE()
		crc.Write([]byte(typ))
		crc.Write(data)
		buf.WriteString(typ)
		buf.Write(data)
		binary.Write(&buf, binary.BigEndian, crc.Sum32())
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = depth, colorType
	chunk("IHDR", ihdr)
	chunk("IDAT", nil)
	chunk("IEND", nil)
	return buf.Bytes()
}

func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestErrors(t *testing.T) {
	t.Parallel()
	dir := photos(t)
	tests := []struct {
		name    string
		path    string
		lim     Limits
		want    error
		inMsg   string // also in the message, besides the path
		inspect bool   // Inspect fails too (the header alone is enough to refuse)
	}{
		{name: "gif bomb", path: filepath.Join(dir, "odd/decompression_bomb.gif"), want: ErrTooLarge, inMsg: "65535x66601", inspect: true},
		{name: "png 100k square header", path: writeTemp(t, "huge.png", pngHeader(100000, 100000)), want: ErrTooLarge, inMsg: "100000x100000", inspect: true},
		{name: "over a small pixel limit", path: filepath.Join(dir, "camera/simple.jpg"), lim: Limits{MaxPixels: 800*600 - 1}, want: ErrTooLarge, inMsg: "800x600", inspect: true},
		{name: "over the byte limit", path: filepath.Join(dir, "camera/simple.jpg"), lim: Limits{MaxBytes: 1000}, want: ErrTooLarge, inMsg: "25248 bytes", inspect: true},
		{name: "text file", path: writeTemp(t, "notes.jpg", []byte("not a photo at all\n")), want: ErrUnsupported, inMsg: "not a known image format", inspect: true},
		{name: "empty file", path: writeTemp(t, "empty.png", nil), want: ErrUnsupported, inspect: true},
		{name: "png zero size", path: writeTemp(t, "zero.png", pngHeader(0, 10)), want: ErrCorrupt, inspect: true},
		{name: "decoder panics", path: writeTemp(t, "panic.img", []byte(panicMagic+"xxxx")), want: ErrCorrupt, inMsg: "panicked", inspect: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			check := func(what string, err error) {
				t.Helper()
				if !errors.Is(err, tt.want) {
					t.Fatalf("%s error = %v, want %v", what, err, tt.want)
				}
				msg := err.Error()
				if !strings.HasPrefix(msg, "photo: "+tt.path+": ") || !strings.Contains(msg, tt.inMsg) || strings.Contains(msg, "\n") {
					t.Errorf("%s message %q: want one line starting with photo: <path>: and containing %q", what, msg, tt.inMsg)
				}
			}
			_, _, err := Decode(t.Context(), tt.path, tt.lim)
			check("Decode", err)
			out := Outputs{ThumbPath: filepath.Join(t.TempDir(), "t.jpg")}
			_, err = Process(t.Context(), tt.path, tt.lim, out)
			check("Process", err)
			if _, statErr := os.Stat(out.ThumbPath); !errors.Is(statErr, os.ErrNotExist) {
				t.Errorf("thumbnail written for a refused file: %v", statErr)
			}
			info, err := Inspect(t.Context(), tt.path, tt.lim)
			if info.Size == 0 && tt.name != "empty file" && tt.name != "over the byte limit" || len(info.SHA256) != 64 && tt.name != "over the byte limit" {
				t.Errorf("Info after the error lacks size or hash: %+v", info)
			}
			if tt.inspect {
				check("Inspect", err)
			} else if err != nil {
				t.Errorf("Inspect error = %v, want none (only the pixel data is bad)", err)
			}
		})
	}
}

// TestDecodeLikeLibjpeg: what libjpeg shows, we index. A JPEG cut short
// (a half-copied file, the shared ultrahdr.jpg) gives its decoded part with
// the rest grey and says so; unusual chroma sampling decodes.
func TestDecodeLikeLibjpeg(t *testing.T) {
	t.Parallel()
	dir := photos(t)
	landscape, err := os.ReadFile(filepath.Join(dir, "orientation/Landscape_1.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		path      string
		truncated bool
	}{
		{"half a JPEG", writeTemp(t, "half.jpg", landscape[:len(landscape)/2]), true},
		{"ultrahdr.jpg, scan data short", filepath.Join(dir, "camera/ultrahdr.jpg"), true},
		{"luma 4x1, Cb 2x1, Cr 2x2", filepath.Join(dir, "odd/peacock.s-very-weird.jpeg"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			thumb := filepath.Join(t.TempDir(), "t.jpg")
			info, err := Process(t.Context(), tt.path, Limits{}, Outputs{ThumbPath: thumb})
			if err != nil || info.Truncated != tt.truncated {
				t.Fatalf("Process: %v, truncated %v; want no error, truncated %v", err, info.Truncated, tt.truncated)
			}
			img := decodeJPEGFile(t, thumb)
			if tt.name == "half a JPEG" {
				b := img.Bounds()
				r, g, bl, _ := img.At(b.Dx()/2, b.Dy()-1).RGBA()
				if r>>8 < 120 || r>>8 > 136 || g>>8 < 120 || g>>8 > 136 || bl>>8 < 120 || bl>>8 > 136 {
					t.Errorf("bottom of the cut photo is %d,%d,%d, want grey", r>>8, g>>8, bl>>8)
				}
			}
		})
	}
}

// panicMagic starts files of a test-only format whose decoder panics, to
// prove panics become ErrCorrupt instead of killing the indexer.
const panicMagic = "PANICIMG"

func init() {
	image.RegisterFormat("panicimg", panicMagic,
		func(r io.Reader) (image.Image, error) { panic("boom") },
		func(r io.Reader) (image.Config, error) { panic("boom") })
}

func TestContextCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	path := filepath.Join(photos(t), "camera/simple.jpg")
	_, err := Inspect(ctx, path, Limits{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Inspect error = %v, want context.Canceled", err)
	}
	_, err = Process(ctx, path, Limits{}, Outputs{ThumbPath: filepath.Join(t.TempDir(), "t.jpg")})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Process error = %v, want context.Canceled", err)
	}
}

func TestIsSupportedExt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		want bool
	}{
		{"a.jpg", true}, {"A.JPG", true}, {"b.jpeg", true}, {"c.PNG", true}, {"d.webp", true},
		{"e.gif", true}, {"f.tif", true}, {"g.TIFF", true}, {"h.mpo", true}, {"i.bmp", true},
		{"dir.jpg/x.cr2", true}, {"j.heic", true}, {"J.AVIF", true}, {"m.NEF", true}, {"n.cr3", true},
		{"dir.cr2/x.txt", false}, {"k.xmp", false}, {"jpg", false}, {"l.mov", false}, {"", false},
	}
	for _, tt := range tests {
		if got := IsSupportedExt(tt.name); got != tt.want {
			t.Errorf("IsSupportedExt(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func decodeJPEGFile(t *testing.T, path string) image.Image {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	img, err := jpeg.Decode(fh)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

func TestProcess(t *testing.T) {
	t.Parallel()
	dir := photos(t)
	big := writeTemp(t, "big.png", encodePNG(t, gradient(2300, 1150)))
	mid := writeTemp(t, "mid.png", encodePNG(t, gradient(1200, 800)))
	tests := []struct {
		file                string
		out                 Outputs
		thumbW, thumbH      int
		renditionW, renditH int
		compareToLandscape1 bool
		thumbOnly           bool
	}{
		{file: filepath.Join(dir, "camera/door-knocker.jpg"), thumbW: 400, thumbH: 267, renditionW: 800, renditH: 533},
		{file: filepath.Join(dir, "camera/L01.jpg"), thumbW: 300, thumbH: 400, renditionW: 300, renditH: 400},
		{file: filepath.Join(dir, "camera/r_sony.jpg"), thumbW: 80, thumbH: 80, renditionW: 80, renditH: 80},
		{file: filepath.Join(dir, "orientation/Landscape_6.jpg"), thumbW: 400, thumbH: 300, renditionW: 600, renditH: 450, compareToLandscape1: true},
		{file: filepath.Join(dir, "orientation/Landscape_7.jpg"), thumbW: 400, thumbH: 300, renditionW: 600, renditH: 450, compareToLandscape1: true},
		{file: filepath.Join(dir, "orientation/Landscape_8.jpg"), thumbW: 400, thumbH: 300, compareToLandscape1: true, thumbOnly: true},
		{file: big, thumbW: 400, thumbH: 200, thumbOnly: true},
		{file: filepath.Join(dir, "formats/exif_imagemagick_orientation.png"), thumbW: 400, thumbH: 400, renditionW: 512, renditH: 512},
		{file: big, thumbW: 400, thumbH: 200, renditionW: 2200, renditH: 1100},
		{file: mid, out: Outputs{ThumbEdge: 100, RenditionEdge: 1000}, thumbW: 100, thumbH: 67, renditionW: 1000, renditH: 667},
	}
	var ref []float64
	{
		img, _, err := Decode(t.Context(), filepath.Join(dir, "orientation/Landscape_1.jpg"), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		ref = grid(img, 8, 6)
	}
	for i, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			t.Parallel()
			outDir := t.TempDir()
			out := tt.out
			out.ThumbPath = filepath.Join(outDir, "thumbs", "a", "t.jpg") // directories created on demand
			out.RenditionPath = filepath.Join(outDir, "renditions", "r.jpg")
			if tt.thumbOnly {
				out.RenditionPath = ""
			}
			info, err := Process(t.Context(), tt.file, Limits{}, out)
			if err != nil {
				t.Fatal(err)
			}
			if info.SHA256 == "" || info.Width == 0 {
				t.Errorf("Info not filled: %+v", info)
			}
			outputs := map[string]image.Image{"thumbnail": decodeJPEGFile(t, out.ThumbPath)}
			if b := outputs["thumbnail"].Bounds(); b.Dx() != tt.thumbW || b.Dy() != tt.thumbH {
				t.Errorf("case %d: thumbnail %v, want %dx%d", i, b, tt.thumbW, tt.thumbH)
			}
			if tt.thumbOnly {
				if _, err := os.Stat(filepath.Join(outDir, "renditions")); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("rendition directory made though no rendition was asked for: %v", err)
				}
			} else {
				outputs["rendition"] = decodeJPEGFile(t, out.RenditionPath)
				if b := outputs["rendition"].Bounds(); b.Dx() != tt.renditionW || b.Dy() != tt.renditH {
					t.Errorf("case %d: rendition %v, want %dx%d", i, b, tt.renditionW, tt.renditH)
				}
			}
			if tt.compareToLandscape1 {
				for name, img := range outputs {
					if s := similarity(grid(img, 8, 6), ref); s < samePicture {
						t.Errorf("%s is not the upright picture (similarity %.3f)", name, s)
					}
				}
			}
			// Only the two outputs remain: no temporary files left behind.
			for _, p := range []string{out.ThumbPath, out.RenditionPath} {
				if p == "" {
					continue
				}
				d := filepath.Dir(p)
				entries, err := os.ReadDir(d)
				if err != nil {
					t.Fatal(err)
				}
				if len(entries) != 1 {
					t.Errorf("%s holds %d entries, want 1", d, len(entries))
				}
			}
		})
	}
}

// TestProcessOutputErrors checks that a failed write is reported as an I/O
// problem (not as a bad photo) and leaves no temporary file behind.
func TestProcessOutputErrors(t *testing.T) {
	t.Parallel()
	src := filepath.Join(photos(t), "camera/r_sony.jpg")
	dir := t.TempDir()
	aFile := writeTemp(t, "plain", []byte("x"))
	aDir := filepath.Join(dir, "taken")
	if err := os.Mkdir(aDir, 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		out   Outputs
		inMsg string
	}{
		{"thumbnail dir is a file", Outputs{ThumbPath: filepath.Join(aFile, "t.jpg")}, "thumbnail"},
		{"rendition path is a directory", Outputs{RenditionPath: aDir}, "rendition"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Process(t.Context(), src, Limits{}, tt.out)
			if err == nil {
				t.Fatal("no error")
			}
			if errors.Is(err, ErrCorrupt) || errors.Is(err, ErrUnsupported) || errors.Is(err, ErrTooLarge) {
				t.Errorf("write failure %v reported as a bad photo", err)
			}
			if !strings.HasPrefix(err.Error(), "photo: "+src+": "+tt.inMsg) {
				t.Errorf("message %q does not name the file and the output", err)
			}
		})
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("left behind in %s: %v, want only the directory", dir, entries)
	}
}

// TestProcessTransparency checks that transparent pixels become white in the
// JPEG outputs rather than black.
func TestProcessTransparency(t *testing.T) {
	t.Parallel()
	img := image.NewNRGBA(image.Rect(0, 0, 50, 40))
	path := writeTemp(t, "clear.png", encodePNG(t, img)) // all transparent
	thumb := filepath.Join(t.TempDir(), "t.jpg")
	if _, err := Process(t.Context(), path, Limits{}, Outputs{ThumbPath: thumb}); err != nil {
		t.Fatal(err)
	}
	r, g, b, _ := decodeJPEGFile(t, thumb).At(25, 20).RGBA()
	if r>>8 < 250 || g>>8 < 250 || b>>8 < 250 {
		t.Errorf("transparent pixel became %d,%d,%d, want white", r>>8, g>>8, b>>8)
	}
}

// gradient is a synthetic photo with structure in both directions.
func gradient(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetRGBA(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), uint8((x + y) % 256), 255})
		}
	}
	return img
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkProcess times one Process call (read, hash, EXIF, decode, both
// outputs written) per photo, named by the photo's pixel size.
func BenchmarkProcess(b *testing.B) {
	dir := photos(b)
	for _, bc := range []struct {
		name string
		path func(b *testing.B) string
	}{
		{"pixel_1012x759", func(*testing.B) string { return filepath.Join(dir, "camera/IMG_20180725_163423-tiny.jpg") }},
		{"olympus_800x533", func(*testing.B) string { return filepath.Join(dir, "camera/door-knocker.jpg") }},
		{"synthetic_6000x4000", func(b *testing.B) string {
			// A 24 MP camera-sized JPEG, made here so the repository ships no
			// large file.
			var buf bytes.Buffer
			if err := jpeg.Encode(&buf, gradient(6000, 4000), &jpeg.Options{Quality: 90}); err != nil {
				b.Fatal(err)
			}
			p := filepath.Join(b.TempDir(), "24mp.jpg")
			if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
				b.Fatal(err)
			}
			return p
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			path := bc.path(b)
			out := Outputs{
				ThumbPath:     filepath.Join(b.TempDir(), "t.jpg"),
				RenditionPath: filepath.Join(b.TempDir(), "r.jpg"),
			}
			for b.Loop() {
				if _, err := Process(b.Context(), path, Limits{}, out); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
