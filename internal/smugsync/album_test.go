package smugsync

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/targetvision/targetvision/internal/smugmug"
	"github.com/targetvision/targetvision/internal/store"
)

func TestCreateAlbum(t *testing.T) {
	t.Parallel()
	forEachStore(t, testCreateAlbum)
}

// testCreateAlbum: with album writes switched on, a selection of a
// source's photos becomes a private SmugMug album holding those images
// (collected: they stay where they were), and every attempt — made,
// refused, or off — is recorded for the owner.
func testCreateAlbum(t *testing.T, db *store.DB) {
	ctx := t.Context()
	f := newFixture(t, db)
	src := f.connectPIN(t)
	s := New(db, f.box, f.cfg, quiet())
	if _, err := s.Sync(ctx, src, nil); err != nil {
		t.Fatal(err)
	}
	photos := f.photos(t, src)
	var pick []store.Photo
	var keys []string
	for _, im := range f.fake.Images("ansel")[:5] {
		pick = append(pick, photos[im.Key])
		keys = append(keys, im.Key)
	}
	reason := func(err error) string {
		var ae *AlbumError
		if !errors.As(err, &ae) {
			t.Fatalf("not an AlbumError: %v", err)
		}
		return ae.Reason
	}

	// Off by default: nothing is sent, and the refusal is not a write.
	f.fake.ResetCounts()
	if _, err := s.CreateAlbum(ctx, src, "ansel@example.com", "Best of", pick); reason(err) != AlbumWritesOff {
		t.Fatalf("with album writes off: %v", err)
	}
	if n := f.fake.RequestCount(); n != 0 {
		t.Errorf("%d requests reached SmugMug with album writes off", n)
	}

	if err := db.SetSourceWriteBack(ctx, f.user.ID, src.ID, store.WriteBack{Albums: true}); err != nil {
		t.Fatal(err)
	}
	src = must[store.Source](t)(db.Source(ctx, f.user.ID, src.ID))
	w, err := s.CreateAlbum(ctx, src, "ansel@example.com", "Best of 2024", pick)
	if err != nil {
		t.Fatal(err)
	}
	st, ok := f.fake.AlbumState(w.AlbumKey)
	if !ok || st.Name != "Best of 2024" || st.Privacy != "Private" || !slices.Equal(st.Images, keys) {
		t.Fatalf("album on SmugMug %+v (record %+v)", st, w)
	}
	for _, k := range keys {
		if im, _ := f.fake.ImageState(k); im.AlbumKey == w.AlbumKey {
			t.Errorf("image %s moved instead of collected", k)
		}
	}
	if w.Result != store.RemoteAlbumCreated || w.Photos != 5 || w.Collected != 5 || w.WebURL == "" || w.Actor != "ansel@example.com" {
		t.Errorf("record %+v", w)
	}
	// The same name again: SmugMug's URL name is taken, another is used.
	w2, err := s.CreateAlbum(ctx, src, "ansel@example.com", "Best of 2024", pick[:1])
	if st2, _ := f.fake.AlbumState(w2.AlbumKey); err != nil || st2.URLName != "Best-Of-2024-2" {
		t.Fatalf("second album of the same name: %+v %v", st2, err)
	}

	// SmugMug refuses a token without Add permission: recorded, and the
	// source needs reconnecting.
	tok := must[smugmug.Token](t)(openToken(f.box, src))
	f.fake.RevokeToken(tok.Token)
	if _, err := s.CreateAlbum(ctx, src, "ansel@example.com", "Refused", pick); reason(err) != "reconnect" {
		t.Errorf("revoked token: %v", err)
	}
	got := must[[]store.RemoteAlbumWrite](t)(db.RemoteAlbumWrites(ctx, f.user.ID, src.ID, 0))
	if len(got) != 3 || got[0].Name != "Refused" || got[0].Result != store.RemoteAlbumFailed || !strings.Contains(got[0].Error, "reconnect") ||
		got[2].AlbumKey != w.AlbumKey {
		t.Errorf("the trail %+v", got)
	}
	if src := must[store.Source](t)(db.Source(ctx, f.user.ID, src.ID)); src.Status != store.SourceNeedsConnect {
		t.Errorf("source after a refused token: %q", src.Status)
	}
}
