package httpapi

import (
	"archive/zip"
	"bytes"
	"fmt"
	"image/color"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/targetvision/targetvision/internal/store"
)

// zipEntries reads a zip's files by name.
func zipEntries(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name] = data
	}
	return out
}

// TestOriginals: the viewer's Download and the bulk zip hand out the
// source files of the user's own photos only, from inside their folders.
func TestOriginals(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, db *store.DB) {
		root := t.TempDir()
		ts := newTestServer(t, db, func(d *Deps) { d.AllowSignup, d.RateLimit = true, 10000 })
		ctx := t.Context()
		alice := ts.signup("alice@example.com")
		bob := ts.signup("bob@example.com")
		dir := filepath.Join(root, "alice")
		A := seedLibrary(t, ts, alice, dir, "Trips", color.RGBA{200, 30, 30, 255}, []photoSpec{
			{"barn.jpg", "Barn", "a barn", nil}, {"sub/barn.jpg", "Barn 2", "another barn", nil}, {"shot.dng", "Raw", "a raw", nil},
		}, false)
		B := seedLibrary(t, ts, bob, filepath.Join(root, "bob"), "Bob's", color.RGBA{30, 30, 200, 255}, []photoSpec{{"sea.jpg", "Sea", "sea", nil}}, false)
		get := func(as account, path string) *httptest.ResponseRecorder {
			return ts.do(req{method: "GET", path: path, cookie: as.cookie})
		}

		// One original: its bytes, its type, its name, ranges.
		rec := get(alice, fmt.Sprintf("/api/v1/photos/%d/original", A.photos[2].ID))
		if rec.Code != 200 || !bytes.Equal(rec.Body.Bytes(), A.thumb) || rec.Header().Get("Content-Type") != "image/x-adobe-dng" ||
			rec.Header().Get("Content-Disposition") != "attachment; filename=shot.dng" {
			t.Errorf("the DNG's original: %d %q %q", rec.Code, rec.Header().Get("Content-Type"), rec.Header().Get("Content-Disposition"))
		}
		rec = ts.do(req{method: "GET", path: fmt.Sprintf("/api/v1/photos/%d/original", A.photos[0].ID), cookie: alice.cookie, header: map[string]string{"Range": "bytes=0-9"}})
		if rec.Code != 206 || !bytes.Equal(rec.Body.Bytes(), A.thumb[:10]) {
			t.Errorf("a range of the original: %d, %d bytes", rec.Code, rec.Body.Len())
		}
		// The photo page says where to download it.
		var d photoDetail
		decodeBody(t, get(alice, fmt.Sprintf("/api/v1/photos/%d", A.photos[0].ID)), &d)
		if d.OriginalURL != fmt.Sprintf("/api/v1/photos/%d/original", A.photos[0].ID) {
			t.Errorf("original_url %q", d.OriginalURL)
		}

		// Another user's photo is not found, by id or in a zip beside his own.
		wantNotFound(t, get(bob, fmt.Sprintf("/api/v1/photos/%d/original", A.photos[0].ID)))
		rec = get(bob, fmt.Sprintf("/api/v1/photos/originals.zip?ids=%d,%d", B.photos[0].ID, A.photos[0].ID))
		wantNotFound(t, rec)
		if bytes.Contains(rec.Body.Bytes(), A.thumb) {
			t.Error("Alice's bytes in Bob's answer")
		}

		// A zip of two files of one name keeps both; repeats count once.
		rec = get(alice, fmt.Sprintf("/api/v1/photos/originals.zip?ids=%d,%d,%d", A.photos[0].ID, A.photos[1].ID, A.photos[0].ID))
		if got := zipEntries(t, rec.Body.Bytes()); rec.Code != 200 || len(got) != 2 || got["barn.jpg"] == nil || got["barn (2).jpg"] == nil {
			t.Errorf("zip of two barn.jpg: %d %v", rec.Code, keys(got))
		}
		if cd := rec.Header().Get("Content-Disposition"); cd != "attachment; filename=targetvision-2-photos.zip" {
			t.Errorf("zip Content-Disposition %q", cd)
		}

		// A file gone from its folder, and one whose key leaves it, or
		// whose symbolic link does: unavailable, listed in the zip.
		if err := os.Remove(filepath.Join(dir, "sub", "barn.jpg")); err != nil {
			t.Fatal(err)
		}
		wantError(t, get(alice, fmt.Sprintf("/api/v1/photos/%d/original", A.photos[1].ID)), 404, "original_unavailable")
		secret := filepath.Join(root, "secret.jpg")
		if err := os.WriteFile(secret, []byte("not a photo of the library"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(secret, filepath.Join(dir, "sub", "barn.jpg")); err != nil {
			t.Fatal(err)
		}
		rec = get(alice, fmt.Sprintf("/api/v1/photos/%d/original", A.photos[1].ID))
		wantError(t, rec, 404, "original_unavailable")
		rec = get(alice, fmt.Sprintf("/api/v1/photos/originals.zip?ids=%d,%d", A.photos[0].ID, A.photos[1].ID))
		got := zipEntries(t, rec.Body.Bytes())
		if len(got) != 2 || got["barn.jpg"] == nil || !strings.Contains(string(got["not-included.txt"]), "Barn 2") {
			t.Errorf("zip with a file outside its folder: %v %q", keys(got), got["not-included.txt"])
		}
		if bytes.Contains(rec.Body.Bytes(), []byte("not a photo of the library")) {
			t.Error("the zip followed a link out of the folder")
		}
		moved := A.photos[2]
		if err := db.MovePhoto(ctx, alice.id, moved.ID, "../secret.jpg", "secret.jpg", moved.AlbumID); err != nil {
			t.Fatal(err)
		}
		wantError(t, get(alice, fmt.Sprintf("/api/v1/photos/%d/original", moved.ID)), 404, "original_unavailable")

		// SmugMug keeps its originals: not available here, and said so.
		smug := A.smug()
		sp, _, err := db.UpsertPhoto(ctx, store.Photo{UserID: alice.id, SourceID: smug.ID, SourceKey: "IMGKEY", FileName: "smug.jpg", Status: store.PhotoReady, WebURL: "https://example.smugmug.com/i-IMGKEY"})
		if err != nil {
			t.Fatal(err)
		}
		wantError(t, get(alice, fmt.Sprintf("/api/v1/photos/%d/original", sp.ID)), 404, "original_unavailable")
		decodeBody(t, get(alice, fmt.Sprintf("/api/v1/photos/%d", sp.ID)), &d)
		if d.OriginalURL != "" {
			t.Errorf("a SmugMug photo offers original_url %q", d.OriginalURL)
		}
		wantError(t, get(alice, fmt.Sprintf("/api/v1/photos/originals.zip?ids=%d", sp.ID)), 404, "original_unavailable")

		// Bounds: count and bytes.
		many := make([]string, maxZipPhotos+1)
		for i := range many {
			many[i] = fmt.Sprint(i + 1)
		}
		wantError(t, get(alice, "/api/v1/photos/originals.zip?ids="+strings.Join(many, ",")), 400, "bad_request")
		wantError(t, get(alice, "/api/v1/photos/originals.zip?ids=1,x"), 400, "bad_request")
		small := newTestServer(t, db, func(d *Deps) { d.MaxZipBytes = int64(len(A.thumb)) })
		if err := db.MovePhoto(ctx, alice.id, moved.ID, moved.SourceKey, moved.FileName, moved.AlbumID); err != nil {
			t.Fatal(err)
		}
		wantError(t, small.do(req{method: "GET", path: fmt.Sprintf("/api/v1/photos/originals.zip?ids=%d,%d", A.photos[0].ID, A.photos[2].ID), cookie: alice.cookie}), 413, "zip_too_large")
	})
}

// TestOriginalTypesDocumented: every media type an original is served
// with is one the OpenAPI document lists for it.
func TestOriginalTypesDocumented(t *testing.T) {
	t.Parallel()
	op := operations()["GET /api/v1/photos/{id}/original"]
	doc := append([]string{op.contentType}, op.moreTypes...)
	for _, ext := range []string{".jpg", ".JPEG", ".png", ".gif", ".webp", ".heic", ".heif", ".avif", ".tif", ".dng", ".cr2", ".nef", ""} {
		if ct := originalType("x" + ext); !slices.Contains(doc, ct) {
			t.Errorf("%s is served as %s, which the document does not list", ext, ct)
		}
	}
}
