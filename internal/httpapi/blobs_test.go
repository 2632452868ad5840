package httpapi

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/blob"
	"github.com/targetvision/targetvision/internal/blob/blobtest"
)

// TestImagesFromObjectStorage: with the blob store in a real S3-compatible
// server, images come from it (the data directory has none), after the
// same auth check; with BlobRedirect the answer is a redirect to a
// presigned URL that the page's CSP allows.
func TestImagesFromObjectStorage(t *testing.T) {
	t.Parallel()
	s3, err := blob.Open(t.Context(), blobtest.S3Options(t))
	if err != nil {
		t.Fatal(err)
	}
	db := stores[0].open(t)
	ts := newTestServer(t, db, func(d *Deps) { d.Blobs, d.AllowSignup = s3, true })
	a, b := ts.signup("a@example.com"), ts.signup("b@example.com")
	l := seedLibrary(t, ts, a, filepath.Join(t.TempDir(), "photos"), "Album", color.RGBA{200, 10, 10, 255},
		[]photoSpec{{"one.jpg", "One", "one", nil}, {"two.jpg", "Two", "two", nil}}, false)
	// Move the seeded files into the bucket: nothing is left on disk.
	for _, p := range l.photos[:1] {
		for _, key := range []string{p.ThumbPath, p.RenditionPath} {
			if err := blob.PutFile(t.Context(), s3, key, filepath.Join(ts.dataDir, key)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.RemoveAll(filepath.Join(ts.dataDir, "thumbs")); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(filepath.Join(ts.dataDir, "renditions"))

	one := fmt.Sprintf("/api/v1/photos/%d", l.photos[0].ID)
	for _, which := range []string{"/thumbnail", "/image"} {
		rec := ts.do(req{method: "GET", path: one + which, cookie: a.cookie})
		if rec.Code != 200 || !bytes.Equal(rec.Body.Bytes(), l.thumb) || rec.Header().Get("Content-Type") != "image/jpeg" {
			t.Fatalf("GET %s from the bucket: %d, %d bytes", which, rec.Code, rec.Body.Len())
		}
	}
	rec := ts.do(req{method: "GET", path: one + "/thumbnail", cookie: a.cookie, header: map[string]string{"Range": "bytes=2-11"}})
	if rec.Code != 206 || !bytes.Equal(rec.Body.Bytes(), l.thumb[2:12]) {
		t.Errorf("range from the bucket: %d, %d bytes", rec.Code, rec.Body.Len())
	}
	wantError(t, ts.do(req{method: "GET", path: one + "/thumbnail", cookie: b.cookie}), 404, "not_found")
	wantError(t, ts.do(req{method: "GET", path: one + "/thumbnail"}), 401, "unauthorized")
	// The second photo's files were never put in the bucket.
	two := fmt.Sprintf("/api/v1/photos/%d/thumbnail", l.photos[1].ID)
	wantError(t, ts.do(req{method: "GET", path: two, cookie: a.cookie}), 404, "not_ready")

	t.Run("redirect", func(t *testing.T) {
		rs := newTestServer(t, db, func(d *Deps) { d.Blobs, d.BlobRedirect = s3, 2*time.Minute })
		origin := s3.(blob.Presigner).PresignOrigin()
		rec := rs.do(req{method: "GET", path: one + "/thumbnail", cookie: a.cookie})
		loc := rec.Header().Get("Location")
		if rec.Code != http.StatusFound || !strings.HasPrefix(loc, origin+"/") {
			t.Fatalf("thumbnail with redirects: %d to %q; want 302 to %s", rec.Code, loc, origin)
		}
		if cc := rec.Header().Get("Cache-Control"); cc != "private, max-age=60" {
			t.Errorf("Cache-Control %q: the redirect must not outlive its URL", cc)
		}
		if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self' data: "+origin+";") {
			t.Errorf("CSP %q does not let the page load images from %s", csp, origin)
		}
		resp, err := http.Get(loc)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !bytes.Equal(got, l.thumb) {
			t.Fatalf("the presigned URL: %d, %d bytes", resp.StatusCode, len(got))
		}
		// The auth check comes first: no URL for strangers or other users.
		wantError(t, rs.do(req{method: "GET", path: one + "/thumbnail"}), 401, "unauthorized")
		wantError(t, rs.do(req{method: "GET", path: one + "/thumbnail", cookie: b.cookie}), 404, "not_found")
		// Without redirects the CSP stays 'self' only.
		if csp := ts.do(req{method: "GET", path: one + "/thumbnail", cookie: a.cookie}).Header().Get("Content-Security-Policy"); strings.Contains(csp, origin) {
			t.Errorf("CSP %q names the bucket though images are not redirected", csp)
		}
	})
}
