package httpapi

import (
	"context"
	"fmt"
	"image/color"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"

	"github.com/targetvision/targetvision/internal/store"
)

// stubAlbums is a RemoteAlbums that records what it was asked and
// answers as told.
type stubAlbums struct {
	mu    sync.Mutex
	calls []stubAlbumCall
	fail  error
}

type stubAlbumCall struct {
	source        int64
	actor, name   string
	photos        []int64
	albumsAllowed bool
}

func (s *stubAlbums) CreateAlbum(_ context.Context, src store.Source, actor, name string, photos []store.Photo) (store.RemoteAlbumWrite, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := stubAlbumCall{source: src.ID, actor: actor, name: name, albumsAllowed: src.WriteBack.Albums}
	for _, p := range photos {
		c.photos = append(c.photos, p.ID)
	}
	s.calls = append(s.calls, c)
	if s.fail != nil {
		return store.RemoteAlbumWrite{}, s.fail
	}
	return store.RemoteAlbumWrite{ID: 7, SourceID: src.ID, Actor: actor, Name: name, AlbumKey: "NEWKEY", WebURL: "https://ann.smugmug.test/Best",
		Photos: len(photos), Collected: len(photos), Result: store.RemoteAlbumCreated}, nil
}

func (s *stubAlbums) count() int { s.mu.Lock(); defer s.mu.Unlock(); return len(s.calls) }

// TestSmugMugAlbum: "Create SmugMug album" is refused until the owner
// switches album writes on for the account, takes only that account's
// photos, names who asked (and with which token), maps SmugMug's refusals,
// and lists the trail per source.
func TestSmugMugAlbum(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, db *store.DB) {
		stub := &stubAlbums{}
		ts := newTestServer(t, db, func(d *Deps) { d.AllowSignup, d.RateLimit, d.Albums = true, 10000, stub })
		ctx := t.Context()
		alice := ts.signup("alice@example.com")
		A := seedLibrary(t, ts, alice, filepath.Join(t.TempDir(), "alice"), "Trips", color.RGBA{200, 30, 30, 255},
			[]photoSpec{{"barn.jpg", "Barn", "a barn", nil}}, false)
		smug := A.smug()
		other, err := db.CreateSource(ctx, store.Source{UserID: alice.id, Kind: store.SourceSmugMug, Name: "studio"})
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for i, src := range []store.Source{smug, smug, other} {
			p, _, err := db.UpsertPhoto(ctx, store.Photo{UserID: alice.id, SourceID: src.ID, SourceKey: fmt.Sprint("K", i), FileName: "x.jpg", Status: store.PhotoReady})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, p.ID)
		}
		post := func(cookie account, body any) *httptest.ResponseRecorder {
			return ts.do(req{method: "POST", path: "/api/v1/photos/smugmug-album", body: jsonString(t, body), cookie: cookie.cookie})
		}
		sel := remoteAlbumRequest{PhotoIDs: ids[:2], Name: "  Best of 2024  "}

		wantError(t, post(alice, sel), 403, "smugmug_writes_off")
		if stub.count() != 0 {
			t.Fatal("SmugMug was asked with album writes off")
		}
		rec := ts.do(req{method: "PUT", path: fmt.Sprintf("/api/v1/sources/%d/writeback", smug.ID), cookie: alice.cookie, body: `{"keywords":false,"captions":false,"dry_run":false,"albums":true}`})
		var sj sourceJSON
		decodeBody(t, rec, &sj)
		if rec.Code != 200 || sj.WriteBack == nil || sj.WriteBack.Albums == nil || !*sj.WriteBack.Albums {
			t.Fatalf("switching album writes on: %d %s", rec.Code, rec.Body)
		}
		// A client that does not know the switch leaves it alone.
		ts.do(req{method: "PUT", path: fmt.Sprintf("/api/v1/sources/%d/writeback", smug.ID), cookie: alice.cookie, body: `{"keywords":true,"captions":false,"dry_run":false}`})
		if src, _ := db.Source(ctx, alice.id, smug.ID); !src.WriteBack.Albums || !src.WriteBack.Keywords {
			t.Fatalf("after a PUT without albums: %+v", src.WriteBack)
		}

		rec = post(alice, sel)
		var got remoteAlbumJSON
		decodeBody(t, rec, &got)
		if rec.Code != 201 || got.AlbumKey != "NEWKEY" || got.Collected != 2 || got.Result != "created" {
			t.Fatalf("create: %d %s", rec.Code, rec.Body)
		}
		if c := stub.calls[0]; c.source != smug.ID || c.name != "Best of 2024" || c.actor != "alice@example.com" || len(c.photos) != 2 || !c.albumsAllowed {
			t.Errorf("asked SmugMug %+v", c)
		}

		// Only one SmugMug account's photos, and no folder's.
		wantError(t, post(alice, remoteAlbumRequest{PhotoIDs: ids, Name: "x"}), 400, "mixed_sources")
		wantError(t, post(alice, remoteAlbumRequest{PhotoIDs: []int64{A.photos[0].ID}, Name: "x"}), 400, "not_smugmug")
		wantError(t, post(alice, remoteAlbumRequest{PhotoIDs: ids[:1], Name: "   "}), 400, "bad_request")
		wantError(t, post(alice, remoteAlbumRequest{Name: "x"}), 400, "bad_request")

		// With an API token the trail names it; a read-only one may not.
		tok, err := CreateAPIToken(ctx, db, alice.id, "album script", false)
		if err != nil {
			t.Fatal(err)
		}
		rec = ts.do(req{method: "POST", path: "/api/v1/photos/smugmug-album", body: jsonString(t, sel), header: map[string]string{"Authorization": "Bearer " + tok.Token}})
		if rec.Code != 201 || stub.calls[len(stub.calls)-1].actor != `alice@example.com (API token "album script")` {
			t.Errorf("with a token: %d %s, actor %q", rec.Code, rec.Body, stub.calls[len(stub.calls)-1].actor)
		}
		ro, err := CreateAPIToken(ctx, db, alice.id, "reader", true)
		if err != nil {
			t.Fatal(err)
		}
		wantError(t, ts.do(req{method: "POST", path: "/api/v1/photos/smugmug-album", body: jsonString(t, sel), header: map[string]string{"Authorization": "Bearer " + ro.Token}}), 403, "token_read_only")

		// SmugMug's refusals.
		stub.mu.Lock()
		stub.fail = &stubOriginalErr{reason: "reconnect"}
		stub.mu.Unlock()
		wantError(t, post(alice, sel), 502, "smugmug_reconnect")
		stub.mu.Lock()
		stub.fail = &stubOriginalErr{reason: "write_failed"}
		stub.mu.Unlock()
		wantError(t, post(alice, sel), 502, "smugmug_write_failed")

		// The trail, per source.
		if _, err := db.RecordRemoteAlbumWrite(ctx, store.RemoteAlbumWrite{UserID: alice.id, SourceID: smug.ID, Actor: "alice@example.com",
			Name: "Best of 2024", AlbumKey: "NEWKEY", Photos: 2, Collected: 2, Result: store.RemoteAlbumCreated}); err != nil {
			t.Fatal(err)
		}
		var l sourceAlbumWrites
		decodeBody(t, ts.do(req{method: "GET", path: fmt.Sprintf("/api/v1/sources/%d/album-writes", smug.ID), cookie: alice.cookie}), &l)
		if len(l.Albums) != 2 || l.Albums[0].Name != "Best of 2024" || l.Albums[0].Collected != 2 || l.Albums[1].Name != "Barn album" {
			t.Errorf("album writes %+v", l)
		}
		decodeBody(t, ts.do(req{method: "GET", path: fmt.Sprintf("/api/v1/sources/%d/album-writes", other.ID), cookie: alice.cookie}), &l)
		if len(l.Albums) != 0 {
			t.Errorf("the other account's trail: %+v", l)
		}

		// No SmugMug credentials on the server.
		bare := newTestServer(t, db)
		wantError(t, bare.do(req{method: "POST", path: "/api/v1/photos/smugmug-album", body: jsonString(t, sel), cookie: alice.cookie}), 501, "smugmug_not_configured")
	})
}
