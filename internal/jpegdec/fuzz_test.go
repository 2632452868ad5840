package jpegdec

import (
	"bytes"
	stdjpeg "image/jpeg"
	"os"
	"testing"
)

// FuzzDecode: no input makes the decoder panic at any scale, and whatever
// image/jpeg decodes, this decoder decodes at full size to the same
// pixels. The seeds are the shared JPEGs and their cut copies, so plain
// `go test` runs them all.
func FuzzDecode(f *testing.F) {
	for _, p := range sharedJPEGs(f) {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		if len(data) > 1<<20 {
			continue
		}
		f.Add(data)
		f.Add(data[:len(data)*3/4])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := DecodeConfig(bytes.NewReader(data))
		if err != nil || cfg.Width*cfg.Height > 4<<20 {
			return // keep fuzzing memory small
		}
		for m := 1; m < 8; m++ {
			_, _, _ = DecodeEighths(bytes.NewReader(data), m)
		}
		got, _, err := DecodeScaled(bytes.NewReader(data), 1)
		want, stdErr := stdjpeg.Decode(bytes.NewReader(data))
		if stdErr != nil {
			return
		}
		if err != nil {
			t.Fatalf("image/jpeg decodes it, this decoder fails: %v", err)
		}
		if !bytes.Equal(rgba(got).Pix, rgba(want).Pix) {
			t.Fatal("pixels differ from image/jpeg")
		}
	})
}
