// Package clipsetuptest fakes where the CLIP self-check's reference image
// comes from (raw.githubusercontent.com), serving ../shared/clip/CLIP.png
// read in place at test time — never a copy in the repository.
package clipsetuptest

import (
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/targetvision/targetvision/internal/testshared"
)

// Image is ../shared/clip/CLIP.png's bytes.
func Image(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(testshared.Path(t, "clip", "CLIP.png"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// NewServer serves the reference image at /CLIP.png, a copy with one byte
// changed (another hash) at /wrong.png, and 404 elsewhere; it is closed
// when the test ends.
func NewServer(t testing.TB) *httptest.Server {
	t.Helper()
	good := Image(t)
	bad := append([]byte(nil), good...)
	bad[len(bad)/2] ^= 0xff
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/CLIP.png":
			w.Write(good)
		case "/wrong.png":
			w.Write(bad)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}
