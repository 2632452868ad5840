package photo

import (
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/testshared"
)

// library is the shared folder of real RAW, HEIF and sidecar files.
func library(t testing.TB) string {
	t.Helper()
	return testshared.Path(t, "testdata", "library")
}

// TestLibraryFormats reads the real HEIC, AVIF and RAW files: HEIF is
// sniffed from the content (a JPEG named .heic is a JPEG), a RAW gives its
// camera and date from its own EXIF and its largest preview as pixels, and
// a RAW whose previews were stripped is ErrNoPreview with its metadata.
func TestLibraryFormats(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file        string
		format      string
		make, model string
		taken       bool
		w, h        int  // 0: not checked
		noPreview   bool // ErrNoPreview
		decode      bool // Process must write a thumbnail
	}{
		{file: "heif/iphone_15_pro.heic", format: "heic", make: "Apple", model: "iPhone 15 Pro", taken: true, decode: true},
		{file: "heif/fox.profile0.8bpc.yuv420.avif", format: "avif", decode: true},
		{file: "heif/wrong.heic", format: "jpeg", make: "Canon", model: "Canon EOS 6D", taken: true, decode: true},
		{file: "sidecar/iphone_7.heic", format: "heic", make: "Apple", model: "iPhone 7", taken: true, decode: true},
		{file: "sidecar/canon_eos_6d.dng", format: "dng", make: "Canon", model: "Canon EOS 6D", taken: true, w: 1024, h: 683, decode: true},
		{file: "raw/CanonRaw.cr2", format: "cr2", make: "Canon", model: "Canon EOS 350D DIGITAL", taken: true},
		{file: "raw/CanonRaw.cr3", format: "cr3", make: "Canon", model: "Canon EOS M50", taken: true},
		{file: "raw/Nikon.nef", format: "nef", make: "NIKON CORPORATION", model: "NIKON D70", taken: true},
		{file: "raw/DNG.dng", format: "dng", make: "Canon", model: "Canon EOS 350D DIGITAL", taken: true},
		{file: "raw/FujiFilm.raf", format: "raf", make: "FUJIFILM", model: "FinePix S5Pro", taken: true, decode: true},
		{file: "raw/Panasonic.rw2", format: "rw2", make: "Panasonic", model: "DMC-LX3", taken: true},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(library(t), tt.file)
			dir := t.TempDir()
			thumb := filepath.Join(dir, "t.jpg")
			info, err := Process(t.Context(), path, Limits{}, Outputs{ThumbPath: thumb})
			if errors.Is(err, ErrNoPreview) != !tt.decode {
				t.Fatalf("Process: %v (want a thumbnail: %v)", err, tt.decode)
			}
			if tt.decode && err != nil {
				t.Fatalf("Process: %v", err)
			}
			if info.Format != tt.format || info.CameraMake != tt.make || info.CameraModel != tt.model {
				t.Errorf("format %q camera %q/%q, want %q %q/%q", info.Format, info.CameraMake, info.CameraModel, tt.format, tt.make, tt.model)
			}
			if info.TakenAt.IsZero() == tt.taken || info.TakenAt.After(time.Now()) {
				t.Errorf("taken at %v, want known: %v", info.TakenAt, tt.taken)
			}
			if tt.w != 0 && (info.Width != tt.w || info.Height != tt.h) {
				t.Errorf("size %dx%d, want %dx%d", info.Width, info.Height, tt.w, tt.h)
			}
			if tt.decode {
				img := decodeJPEGFile(t, thumb)
				if b := img.Bounds(); b.Dx() < 16 || b.Dy() < 16 {
					t.Errorf("thumbnail %v", b)
				}
			}
		})
	}
}

// TestWrittenMetadata: keywords the photographer wrote into the file, as
// IPTC (iptc.jpg) or embedded XMP (the JPEG named .heic), reach Info.
func TestWrittenMetadata(t *testing.T) {
	t.Parallel()
	for file, want := range map[string]string{
		filepath.Join(photos(t), "camera", "iptc.jpg"):  "Budapest",
		filepath.Join(library(t), "heif", "wrong.heic"): "Marienkäfer",
	} {
		info, err := Inspect(t.Context(), file, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(info.Written.Keywords, want) {
			t.Errorf("%s: keywords %q lack %q", file, info.Written.Keywords, want)
		}
	}
}
