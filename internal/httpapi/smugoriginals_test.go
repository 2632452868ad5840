package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"image/color"
	"io"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/store"
)

// stubOriginals is a RemoteOriginals that serves set bytes, or fails with
// a reason, by the photo's source key, and records what it was asked.
type stubOriginals struct {
	mu     sync.Mutex
	bytes  map[string][]byte
	fail   map[string]*stubOriginalErr
	called []string
}

type stubOriginalErr struct {
	reason string
	wait   time.Duration
}

func (e *stubOriginalErr) Error() string { return "stub: " + e.reason }
func (e *stubOriginalErr) RemoteFailure() (string, string, time.Duration) {
	return e.reason, "because " + e.reason, e.wait
}

func (s *stubOriginals) OpenOriginal(_ context.Context, src store.Source, p store.Photo) (io.ReadCloser, int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.called = append(s.called, fmt.Sprintf("%d/%s", src.ID, p.SourceKey))
	if e := s.fail[p.SourceKey]; e != nil {
		return nil, 0, e
	}
	b, ok := s.bytes[p.SourceKey]
	if !ok {
		return nil, 0, &stubOriginalErr{reason: "gone"}
	}
	return io.NopCloser(bytes.NewReader(b)), int64(len(b)), nil
}

// TestSmugMugOriginals: a SmugMug photo's original streams through the
// server (the remote source's OpenOriginal, with the owner's token) as an
// attachment, also inside a zip beside local files; the photo says why
// when it cannot (synced before originals were kept, not offered); each
// way SmugMug can fail is a clear error; another user's id reaches
// nothing.
func TestSmugMugOriginals(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, db *store.DB) {
		stub := &stubOriginals{bytes: map[string][]byte{"K1": []byte("\xff\xd8\xffthe untouched original")}, fail: map[string]*stubOriginalErr{}}
		ts := newTestServer(t, db, func(d *Deps) { d.AllowSignup, d.RateLimit, d.Originals = true, 10000, stub })
		ctx := t.Context()
		alice := ts.signup("alice@example.com")
		bob := ts.signup("bob@example.com")
		A := seedLibrary(t, ts, alice, filepath.Join(t.TempDir(), "alice"), "Trips", color.RGBA{200, 30, 30, 255},
			[]photoSpec{{"barn.jpg", "Barn", "a barn", nil}}, false)
		smug := A.smug()
		r := db.Remote(smug)
		if err := r.UpsertAlbum(ctx, store.RemoteAlbum{Key: "AL", Name: "SmugMug album"}); err != nil {
			t.Fatal(err)
		}
		if _, err := r.UpsertImages(ctx, []store.RemoteImage{
			{Key: "K1", AlbumKey: "AL", ContentHash: "md5:1", FileName: "IMG_1.JPG", Size: 25, URI: "/api/v2/image/K1-0", OriginalURL: "https://photos.test/K1-D.jpg"},
			{Key: "K2", AlbumKey: "AL", ContentHash: "md5:2", FileName: "IMG_2.JPG", URI: "/api/v2/image/K2-0"},
			{Key: "K3", AlbumKey: "AL", ContentHash: "md5:3", FileName: "IMG_3.JPG", URI: "/api/v2/image/K3-0", OriginalURL: "https://photos.test/K3-D.jpg"},
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := r.FinishSync(ctx); err != nil {
			t.Fatal(err)
		}
		// K2 was synced before originals were recorded; K3's original is
		// not offered to this connection.
		if _, err := db.SQL().ExecContext(ctx, "UPDATE smugmug_images SET original_url = NULL WHERE image_key = 'K2'"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SQL().ExecContext(ctx, "UPDATE smugmug_images SET original_url = '' WHERE image_key = 'K3'"); err != nil {
			t.Fatal(err)
		}
		photo := map[string]store.Photo{}
		for _, k := range []string{"K1", "K2", "K3"} {
			p, err := db.PhotoByKey(ctx, alice.id, smug.ID, k)
			if err != nil {
				t.Fatal(err)
			}
			photo[k] = p
		}
		get := func(as account, path string) *httptest.ResponseRecorder {
			return ts.do(req{method: "GET", path: path, cookie: as.cookie})
		}
		orig := func(k string) string { return fmt.Sprintf("/api/v1/photos/%d/original", photo[k].ID) }

		res := get(alice, orig("K1"))
		if res.Code != 200 || string(res.Body.Bytes()) != string(stub.bytes["K1"]) || res.Header().Get("Content-Type") != "image/jpeg" ||
			res.Header().Get("Content-Disposition") != "attachment; filename=IMG_1.JPG" || res.Header().Get("Content-Length") != fmt.Sprint(len(stub.bytes["K1"])) {
			t.Errorf("K1's original: %d %v %q", res.Code, res.Header(), res.Body.Bytes())
		}

		// The photo says where to download it, or why it cannot.
		for k, want := range map[string]struct{ url, note string }{
			"K1": {orig("K1"), ""}, "K2": {"", "next full sync"}, "K3": {"", "does not offer"},
		} {
			var d photoDetail
			decodeBody(t, ts.do(req{method: "GET", path: fmt.Sprintf("/api/v1/photos/%d", photo[k].ID), cookie: alice.cookie}), &d)
			if d.OriginalURL != want.url || !strings.Contains(d.OriginalNote, want.note) || (want.note == "") != (d.OriginalNote == "") {
				t.Errorf("%s: original_url %q, original_note %q; want %q, a note with %q", k, d.OriginalURL, d.OriginalNote, want.url, want.note)
			}
		}
		wantError(t, get(alice, orig("K2")), 404, "original_unavailable")
		wantError(t, get(alice, orig("K3")), 404, "original_unavailable")

		// SmugMug's failures, each a clear answer.
		for reason, want := range map[string]struct {
			status int
			code   string
		}{
			"rate_limited": {503, "smugmug_rate_limited"}, "reconnect": {502, "smugmug_reconnect"},
			"unavailable": {502, "smugmug_unavailable"}, "too_large": {413, "original_too_large"},
			"gone": {404, "original_unavailable"}, "not_offered": {404, "original_unavailable"},
		} {
			stub.mu.Lock()
			stub.fail["K1"] = &stubOriginalErr{reason: reason, wait: 7 * time.Second}
			stub.mu.Unlock()
			rec := get(alice, orig("K1"))
			wantError(t, rec, want.status, want.code)
			if reason == "rate_limited" && rec.Header().Get("Retry-After") != "7" {
				t.Errorf("rate limited without Retry-After: %v", rec.Header())
			}
		}
		stub.mu.Lock()
		delete(stub.fail, "K1")
		stub.mu.Unlock()

		// A zip takes SmugMug originals beside local files, and lists
		// those it cannot include.
		res = get(alice, fmt.Sprintf("/api/v1/photos/originals.zip?ids=%d,%d,%d", A.photos[0].ID, photo["K1"].ID, photo["K2"].ID))
		got := zipEntries(t, res.Body.Bytes())
		if res.Code != 200 || string(got["IMG_1.JPG"]) != string(stub.bytes["K1"]) || !bytes.Equal(got["barn.jpg"], A.thumb) ||
			!strings.Contains(string(got["not-included.txt"]), "IMG_2.JPG") {
			t.Errorf("zip with SmugMug photos: %d %v %q", res.Code, keys(got), got["not-included.txt"])
		}
		// One failing on SmugMug's side while the zip streams is listed too.
		stub.mu.Lock()
		stub.fail["K1"] = &stubOriginalErr{reason: "unavailable"}
		stub.mu.Unlock()
		res = get(alice, fmt.Sprintf("/api/v1/photos/originals.zip?ids=%d,%d", A.photos[0].ID, photo["K1"].ID))
		if got := zipEntries(t, res.Body.Bytes()); res.Code != 200 || got["IMG_1.JPG"] != nil || !strings.Contains(string(got["not-included.txt"]), "IMG_1.JPG") {
			t.Errorf("zip with a failing SmugMug original: %d %v %q", res.Code, keys(got), got["not-included.txt"])
		}

		// Bob reaches none of it, and SmugMug is never asked for him.
		stub.mu.Lock()
		before := len(stub.called)
		stub.mu.Unlock()
		wantNotFound(t, get(bob, orig("K1")))
		wantNotFound(t, get(bob, fmt.Sprintf("/api/v1/photos/originals.zip?ids=%d", photo["K1"].ID)))
		stub.mu.Lock()
		if len(stub.called) != before {
			t.Errorf("Bob's requests reached SmugMug: %v", stub.called[before:])
		}
		stub.mu.Unlock()

		// A server without SmugMug credentials says so.
		bare := newTestServer(t, db)
		wantError(t, bare.do(req{method: "GET", path: orig("K1"), cookie: alice.cookie}), 404, "original_unavailable")
	})
}
