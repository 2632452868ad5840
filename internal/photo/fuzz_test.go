package photo

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseDecode feeds arbitrary bytes through everything that reads a
// file's structure (container walking, EXIF, header limits, decoding). The
// seeds are the shared test photos, so plain `go test` runs them all; with
// -fuzz it searches for panics that escape and for errors outside the
// sentinels.
func FuzzParseDecode(f *testing.F) {
	files, err := filepath.Glob(filepath.Join(photos(f), "*", "*"))
	if err != nil {
		f.Fatal(err)
	}
	more, err := filepath.Glob(filepath.Join(library(f), "*", "*"))
	if err != nil {
		f.Fatal(err)
	}
	files = append(files, more...)
	for _, p := range files {
		if filepath.Ext(p) == ".md" {
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add(pngHeader(1<<31-1, 1<<31-1))
	lim := Limits{MaxPixels: 4 << 20}.withDefaults() // keep fuzzing memory small
	f.Fuzz(func(t *testing.T, data []byte) {
		pf, err := parse("fuzz.nef", data, lim)
		if err == nil {
			_, err = pf.decode(t.Context(), 3)
		}
		if err != nil && !errors.Is(err, ErrTooLarge) && !errors.Is(err, ErrUnsupported) && !errors.Is(err, ErrCorrupt) &&
			!errors.Is(err, ErrNoPreview) {
			t.Fatalf("error outside the sentinels: %v", err)
		}
		if pf.info.Orientation < 1 || pf.info.Orientation > 8 {
			t.Fatalf("orientation %d", pf.info.Orientation)
		}
	})
}
