package bmff

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/targetvision/targetvision/internal/testshared"
)

// TestRealFiles: the Exif item of real HEIC files and the CMT boxes of a
// real CR3 are found, and every cut of them is walked without a panic.
func TestRealFiles(t *testing.T) {
	t.Parallel()
	lib := testshared.Path(t, "testdata", "library")
	for _, f := range []string{"sidecar/iphone_7.heic", "heif/iphone_15_pro.heic"} {
		data, err := os.ReadFile(filepath.Join(lib, f))
		if err != nil {
			t.Fatal(err)
		}
		item := HEIFItem(data, "Exif")
		if len(item) < 12 || !bytes.Contains(item[:16], []byte("MM\x00*")) && !bytes.Contains(item[:16], []byte("II*\x00")) {
			t.Errorf("%s: Exif item % x…", f, item[:min(len(item), 16)])
		}
		for n := 0; n < min(len(data), 8192); n += 97 {
			HEIFItem(data[:n], "Exif")
		}
	}
	data, err := os.ReadFile(filepath.Join(lib, "raw/CanonRaw.cr3"))
	if err != nil {
		t.Fatal(err)
	}
	if b, ok := Brand(data); !ok || b != "crx " {
		t.Errorf("brand %q %v", b, ok)
	}
	ifd0, ex, _ := CR3(data)
	if !bytes.HasPrefix(ifd0, []byte("II*\x00")) || !bytes.HasPrefix(ex, []byte("II*\x00")) {
		t.Errorf("CMT1 % x…, CMT2 % x…", ifd0[:min(len(ifd0), 8)], ex[:min(len(ex), 8)])
	}
	for n := 0; n < len(data); n += 31 {
		CR3(data[:n])
	}
}
