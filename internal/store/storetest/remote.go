package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/store"
)

// testRemote checks a remote source's rows (smugsync runs smugmugtest's
// conformance suite on its adapter over them): photo rows, soft deletes
// that keep a moved photo, the changes FinishSync reports, sign-ins in
// progress and the write-back audit trail.
func testRemote(t *testing.T, db *store.DB) {
	ctx := t.Context()
	u := must[store.User](t)(db.CreateUser(ctx, "smug@example.com", "hash", false))
	n := 0
	newSource := func(t *testing.T) store.Source {
		n++
		return must[store.Source](t)(db.CreateSource(ctx, store.Source{UserID: u.ID, Kind: store.SourceSmugMug, Name: fmt.Sprintf("nick%d", n)}))
	}
	t.Run("Photos", func(t *testing.T) {
		src := newSource(t)
		st := db.Remote(src)
		at := time.Date(2024, 3, 4, 5, 6, 7, 0, time.UTC)
		for _, k := range []string{"A", "B"} {
			noErr(t, st.UpsertAlbum(ctx, store.RemoteAlbum{Key: k, Name: "Album " + k, WebURL: "https://x/" + k, UpdatedAt: at}))
		}
		im := store.RemoteImage{Key: "k1", AlbumKey: "A", Version: 1, MD5: "abc", ContentHash: "md5:abc", FileName: "barn.jpg", Title: "Red barn",
			Caption: "In snow", Keywords: []string{"barn", "snow"}, Taken: at, LastUpdated: at, Format: "JPG", Width: 6000,
			Height: 4000, Size: 123456, GPS: &store.GPS{Lat: 46.5, Lon: 7.25}, WebURL: "https://x/A/k1",
			URI: "/api/v2/image/k1-1", AnalysisURL: "https://photos.x/k1-X3.jpg"}
		must[[]store.RemoteImageBefore](t)(st.UpsertImages(ctx, []store.RemoteImage{im}))
		ch := must[store.RemoteChanges](t)(st.FinishSync(ctx))
		p := must[store.Photo](t)(db.PhotoByKey(ctx, u.ID, src.ID, "k1"))
		if !slices.Equal(ch.Process, []int64{p.ID}) || len(ch.Removed) != 0 {
			t.Fatalf("first finish: %+v, photo %d", ch, p.ID)
		}
		if p.AlbumName != "Album A" || p.FileName != "barn.jpg" || p.Title != "Red barn" || p.Caption != "In snow" ||
			!slices.Equal(p.Keywords, []string{"barn", "snow"}) || !p.TakenAt.Equal(at) || p.Width != 6000 || p.Size != 123456 ||
			p.GPS == nil || p.GPS.Lat != 46.5 || p.ContentHash != "md5:abc" || p.WebURL != "https://x/A/k1" ||
			!p.RemoteUpdated.Equal(at) || p.Status != store.PhotoPending {
			t.Fatalf("photo row %+v", p)
		}
		ref := must[store.RemoteImageRef](t)(db.RemoteImage(ctx, u.ID, src.ID, "k1"))
		if ref.URI != im.URI || ref.AnalysisURL != im.AnalysisURL || ref.PhotoID != p.ID || ref.Version != 1 {
			t.Fatalf("image ref %+v", ref)
		}
		if got := must[store.RemoteChanges](t)(st.FinishSync(ctx)); len(got.Process)+len(got.Removed) != 0 {
			t.Fatalf("second finish reported again: %+v", got)
		}

		// The pipeline processed it: its hash and status must survive an
		// edit of the text (LastUpdated only).
		p.ContentHash, p.Status, p.ThumbPath = "sha256", store.PhotoReady, "thumbs/1.jpg"
		if _, _, err := db.UpsertPhoto(ctx, p); err != nil {
			t.Fatal(err)
		}
		im.LastUpdated, im.Title = at.Add(time.Hour), "Barn at dusk"
		must[[]store.RemoteImageBefore](t)(st.UpsertImages(ctx, []store.RemoteImage{im}))
		if ch := must[store.RemoteChanges](t)(st.FinishSync(ctx)); len(ch.Process) != 0 {
			t.Fatalf("text edit queued processing: %+v", ch)
		}
		p2 := must[store.Photo](t)(db.PhotoByKey(ctx, u.ID, src.ID, "k1"))
		if p2.Title != "Barn at dusk" || p2.ContentHash != "sha256" || p2.Status != store.PhotoReady || p2.ThumbPath != "thumbs/1.jpg" {
			t.Fatalf("after text edit %+v", p2)
		}
		// A replaced photo (Version, MD5) is analysed again.
		im.Version, im.MD5, im.ContentHash = 2, "def", "md5:def"
		must[[]store.RemoteImageBefore](t)(st.UpsertImages(ctx, []store.RemoteImage{im}))
		if ch := must[store.RemoteChanges](t)(st.FinishSync(ctx)); !slices.Equal(ch.Process, []int64{p.ID}) {
			t.Fatalf("replacement: %+v", ch)
		}
		if p3 := must[store.Photo](t)(db.PhotoByKey(ctx, u.ID, src.ID, "k1")); p3.Status != store.PhotoPending || p3.ContentHash != "md5:def" {
			t.Fatalf("after replacement %+v", p3)
		}
		// Deleted from A, then seen in B in the same sync: a move.
		if n := must[int](t)(st.DeleteImages(ctx, "A", []string{"k1"})); n != 1 {
			t.Fatalf("deleted %d", n)
		}
		im.AlbumKey = "B"
		must[[]store.RemoteImageBefore](t)(st.UpsertImages(ctx, []store.RemoteImage{im}))
		if ch := must[store.RemoteChanges](t)(st.FinishSync(ctx)); len(ch.Removed)+len(ch.Process) != 0 {
			t.Fatalf("move reported %+v", ch)
		}
		if p4 := must[store.Photo](t)(db.PhotoByKey(ctx, u.ID, src.ID, "k1")); p4.ID != p.ID || p4.AlbumName != "Album B" {
			t.Fatalf("after move %+v", p4)
		}
		// A rename of the album reaches the search document.
		noErr(t, st.UpsertAlbum(ctx, store.RemoteAlbum{Key: "B", Name: "Zanzibar"}))
		hits := must[[]store.TextHit](t)(db.SearchText(ctx, u.ID, store.TextQuery{Terms: []string{"zanzibar"}, Limit: 10}))
		if len(hits) != 1 || hits[0].PhotoID != p.ID {
			t.Fatalf("album rename not searchable: %+v", hits)
		}
		// Deleted for good: the photo goes at the end of the sync.
		must[int](t)(st.DeleteImages(ctx, "B", []string{"k1"}))
		if ch := must[store.RemoteChanges](t)(st.FinishSync(ctx)); !slices.Equal(ch.Removed, []int64{p.ID}) {
			t.Fatalf("delete: %+v", ch)
		}
		_, err := db.PhotoByKey(ctx, u.ID, src.ID, "k1")
		wantNotFound(t, err, "deleted photo")
		if hits := must[[]store.TextHit](t)(db.SearchText(ctx, u.ID, store.TextQuery{Terms: []string{"zanzibar"}, Limit: 10})); len(hits) != 0 {
			t.Fatalf("deleted photo still found: %+v", hits)
		}
		_, err = db.RemoteImage(ctx, u.ID, src.ID, "k1")
		wantNotFound(t, err, "deleted image")
		// And back again: a new photo.
		must[[]store.RemoteImageBefore](t)(st.UpsertImages(ctx, []store.RemoteImage{im}))
		ch = must[store.RemoteChanges](t)(st.FinishSync(ctx))
		p5 := must[store.Photo](t)(db.PhotoByKey(ctx, u.ID, src.ID, "k1"))
		if !slices.Equal(ch.Process, []int64{p5.ID}) {
			t.Fatalf("re-added: %+v, photo %d", ch, p5.ID)
		}
		// Write-back bookkeeping.
		later := at.Add(2 * time.Hour)
		noErr(t, db.RemoteWroteBack(ctx, u.ID, src.ID, "k1", "In snow", []string{"barn", "snow", "dusk"}, later))
		p6 := must[store.Photo](t)(db.PhotoByKey(ctx, u.ID, src.ID, "k1"))
		if !slices.Equal(p6.Keywords, []string{"barn", "snow", "dusk"}) || !p6.RemoteUpdated.Equal(later) {
			t.Fatalf("after write-back %+v", p6)
		}
		noErr(t, db.SetRemoteAnalysisURL(ctx, u.ID, src.ID, "k1", "https://photos.x/new.jpg"))
		if ref := must[store.RemoteImageRef](t)(db.RemoteImage(ctx, u.ID, src.ID, "k1")); ref.AnalysisURL != "https://photos.x/new.jpg" || !ref.LastUpdated.Equal(later) {
			t.Fatalf("ref %+v", ref)
		}
	})

	t.Run("OriginalURL", func(t *testing.T) {
		src := newSource(t)
		st := db.Remote(src)
		noErr(t, st.UpsertAlbum(ctx, store.RemoteAlbum{Key: "A", Name: "A"}))
		at := time.Date(2024, 3, 4, 5, 6, 7, 0, time.UTC)
		im := store.RemoteImage{Key: "o1", AlbumKey: "A", Version: 1, MD5: "m", ContentHash: "md5:m", LastUpdated: at,
			URI: "/api/v2/image/o1-1", OriginalURL: "https://photos.x/o1-D.jpg"}
		none := store.RemoteImage{Key: "o2", AlbumKey: "A", ContentHash: "smugmug:o2-0", LastUpdated: at, URI: "/api/v2/image/o2-0"}
		must[[]store.RemoteImageBefore](t)(st.UpsertImages(ctx, []store.RemoteImage{im, none}))
		must[store.RemoteChanges](t)(st.FinishSync(ctx))
		if ref := must[store.RemoteImageRef](t)(db.RemoteImage(ctx, u.ID, src.ID, "o1")); ref.OriginalURL != im.OriginalURL || !ref.OriginalKnown {
			t.Fatalf("original of o1: %+v", ref)
		}
		// A listing without an original (not offered to this token) is
		// known to have none.
		if ref := must[store.RemoteImageRef](t)(db.RemoteImage(ctx, u.ID, src.ID, "o2")); ref.OriginalURL != "" || !ref.OriginalKnown {
			t.Fatalf("original of o2: %+v", ref)
		}
		// The URL changes with nothing else (an unchanged image listed
		// again, as a deep sync does): it is stored.
		im.OriginalURL = "https://photos.x/o1-D2.jpg"
		must[[]store.RemoteImageBefore](t)(st.UpsertImages(ctx, []store.RemoteImage{im}))
		if ref := must[store.RemoteImageRef](t)(db.RemoteImage(ctx, u.ID, src.ID, "o1")); ref.OriginalURL != im.OriginalURL {
			t.Fatalf("new original URL not stored: %+v", ref)
		}
		// Rows synced before originals were kept say so.
		_, err := db.SQL().ExecContext(ctx, "UPDATE smugmug_images SET original_url = NULL WHERE source_id = $1 AND image_key = 'o1'", src.ID)
		noErr(t, err)
		if ref := must[store.RemoteImageRef](t)(db.RemoteImage(ctx, u.ID, src.ID, "o1")); ref.OriginalKnown || ref.OriginalURL != "" {
			t.Fatalf("a row from before originals: %+v", ref)
		}
		must[[]store.RemoteImageBefore](t)(st.UpsertImages(ctx, []store.RemoteImage{im}))
		if ref := must[store.RemoteImageRef](t)(db.RemoteImage(ctx, u.ID, src.ID, "o1")); !ref.OriginalKnown || ref.OriginalURL != im.OriginalURL {
			t.Fatalf("the next listing did not record the original: %+v", ref)
		}
	})

	t.Run("SignIns", func(t *testing.T) {
		exp := time.Now().Add(10 * time.Minute)
		noErr(t, db.SaveRemoteAuth(ctx, "rt1", u.ID, []byte("sealed"), exp))
		if err := db.SaveRemoteAuth(ctx, "rt1", u.ID, []byte("x"), exp); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate request token: %v", err)
		}
		// Another user's take neither succeeds nor uses the sign-in up.
		other := must[store.User](t)(db.CreateUser(ctx, "other-smug@example.com", "hash", false))
		_, err := db.TakeRemoteAuth(ctx, other.ID, "rt1")
		wantNotFound(t, err, "another user's take")
		sealed, err := db.TakeRemoteAuth(ctx, u.ID, "rt1")
		if err != nil || string(sealed) != "sealed" {
			t.Fatalf("take = %q %v", sealed, err)
		}
		_, err = db.TakeRemoteAuth(ctx, u.ID, "rt1")
		wantNotFound(t, err, "second take")
		noErr(t, db.SaveRemoteAuth(ctx, "rt2", u.ID, []byte("s"), time.Now().Add(-time.Second)))
		_, err = db.TakeRemoteAuth(ctx, u.ID, "rt2")
		wantNotFound(t, err, "expired take")
	})

	t.Run("Writes", func(t *testing.T) {
		src := newSource(t)
		w := store.RemoteWrite{UserID: u.ID, SourceID: src.ID, PhotoID: 7, ImageKey: "k",
			Before: store.RemoteText{Keywords: []string{"a"}},
			After:  store.RemoteText{Caption: "c", Keywords: []string{"a", "b"}},
			Fields: map[string]string{"Keywords": "a; b", "Caption": "c"}, DryRun: true}
		w1 := must[store.RemoteWrite](t)(db.RecordRemoteWrite(ctx, w))
		w.DryRun, w.Written = false, true
		w2 := must[store.RemoteWrite](t)(db.RecordRemoteWrite(ctx, w))
		got := must[[]store.RemoteWrite](t)(db.RemoteWrites(ctx, u.ID, src.ID, 0))
		if len(got) != 2 || got[0].ID != w2.ID || got[1].ID != w1.ID || !got[1].DryRun || got[1].Written || !got[0].Written ||
			got[0].After.Caption != "c" || !slices.Equal(got[0].After.Keywords, []string{"a", "b"}) || got[0].Fields["Keywords"] != "a; b" ||
			got[0].At.IsZero() {
			t.Fatalf("writes %+v", got)
		}
		if got := must[[]store.RemoteWrite](t)(db.RemoteWrites(ctx, u.ID+1000, src.ID, 0)); len(got) != 0 {
			t.Fatalf("another user sees %d writes", len(got))
		}
	})
}
