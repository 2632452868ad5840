package raw

import (
	"bytes"
	"image"
	"image/jpeg"
	"testing"
)

func smallJPEG(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, w, h)), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestDetect: signatures decide where formats have them; plain-TIFF RAW
// kinds need their extension, and a JPEG is never RAW whatever its name.
func TestDetect(t *testing.T) {
	t.Parallel()
	tiff := []byte("II*\x00\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00")
	cr2 := []byte("II*\x00\x10\x00\x00\x00CR\x02\x00\x00\x00\x00\x00\x00\x00")
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"a.nef", tiff, "nef"},
		{"a.ARW", tiff, "arw"},
		{"a.tif", tiff, ""},
		{"a.tif", cr2, "cr2"},
		{"a.jpg", []byte("FUJIFILMCCD-RAW 0201"), "raf"},
		{"a.bin", []byte("\x00\x00\x00\x18ftypcrx \x00\x00\x00\x01"), "cr3"},
		{"a.raw", []byte("IIU\x00\x08\x00\x00\x00"), "rw2"},
		{"a.orf", []byte("IIRO\x08\x00\x00\x00"), "orf"},
		{"a.nef", smallJPEG(t, 8, 8), ""},
		{"a.cr2", nil, ""},
	}
	for _, tt := range tests {
		if got := Detect(tt.data, tt.name); got != tt.want {
			t.Errorf("Detect(%q, % x…) = %q, want %q", tt.name, tt.data[:min(len(tt.data), 8)], got, tt.want)
		}
	}
}

// TestPreviewLargest: of several embedded JPEGs the one with most pixels
// wins; placeholders under minPreviewEdge and garbage starts do not count.
func TestPreviewLargest(t *testing.T) {
	t.Parallel()
	var file []byte
	file = append(file, "II*\x00 sensor \xFF\xD8\xFF\x00 garbage"...)
	file = append(file, smallJPEG(t, 8, 8)...)
	file = append(file, smallJPEG(t, 120, 80)...)
	file = append(file, smallJPEG(t, 64, 64)...)
	jpg, cfg, ok := Preview(file)
	if !ok || cfg.Width != 120 || cfg.Height != 80 {
		t.Fatalf("Preview = %v %+v", ok, cfg)
	}
	if _, err := jpeg.Decode(bytes.NewReader(jpg)); err != nil {
		t.Fatalf("preview does not decode: %v", err)
	}
	if _, _, ok := Preview(append([]byte("II*\x00"), smallJPEG(t, 8, 8)...)); ok {
		t.Fatal("an 8×8 placeholder counted as a preview")
	}
}
