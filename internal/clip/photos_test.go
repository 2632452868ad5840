package clip

import (
	"image"
	_ "image/jpeg"
	_ "image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/targetvision/targetvision/internal/testshared"
)

// TestPreprocessRealPhotos runs every photo Go can decode from the shared
// test set (JPEG baseline/progressive/grey/CMYK, PNG with alpha) through
// preprocessing: the point is that every concrete image type is handled.
func TestPreprocessRealPhotos(t *testing.T) {
	t.Parallel()
	shared := testshared.Path(t)
	files, _ := filepath.Glob(filepath.Join(shared, "testdata", "photos", "*", "*"))
	files = append(files, filepath.Join(shared, "clip", "CLIP.png"))
	kinds := map[string]bool{}
	decoded := 0
	for _, p := range files {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		cfg, _, err := image.DecodeConfig(f)
		if err != nil || cfg.Width*cfg.Height > 4000*4000 {
			f.Close()
			continue // not decodable by the stdlib, or a decompression bomb
		}
		f.Seek(0, 0)
		img, _, err := image.Decode(f)
		f.Close()
		if err != nil {
			continue
		}
		decoded++
		kinds[typeName(img)] = true
		tensor := Preprocess(img, 224)
		if len(tensor) != 3*224*224 {
			t.Fatalf("%s: %d values", p, len(tensor))
		}
		for i, v := range tensor {
			if math.IsNaN(float64(v)) || v < -2 || v > 2.7 {
				t.Fatalf("%s: value %d = %v out of the normalised range", filepath.Base(p), i, v)
			}
		}
	}
	if decoded < 20 {
		t.Errorf("only %d photos decoded", decoded)
	}
	t.Logf("%d photos, image types %v", decoded, kinds)
	for _, k := range []string{"*image.YCbCr", "*image.Gray", "*image.CMYK", "*image.NRGBA"} {
		if !kinds[k] {
			t.Errorf("no %s among the test photos", k)
		}
	}
}

func typeName(img image.Image) string {
	switch img.(type) {
	case *image.YCbCr:
		return "*image.YCbCr"
	case *image.Gray:
		return "*image.Gray"
	case *image.CMYK:
		return "*image.CMYK"
	case *image.NRGBA:
		return "*image.NRGBA"
	case *image.RGBA:
		return "*image.RGBA"
	case *image.Paletted:
		return "*image.Paletted"
	}
	return "other"
}
