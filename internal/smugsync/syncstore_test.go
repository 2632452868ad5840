package smugsync

import (
	"fmt"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/smugmug"
	"github.com/targetvision/targetvision/internal/smugmug/smugmugtest"
	"github.com/targetvision/targetvision/internal/store"
)

// TestSyncStoreConformance runs smugmug.Store's conformance suite on the
// adapter over each store's remote rows.
func TestSyncStoreConformance(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, db *store.DB) {
		u, err := db.CreateUser(t.Context(), "smug@example.com", "hash", false)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		smugmugtest.RunStoreTests(t, func(t *testing.T) smugmug.Store {
			n++
			src, err := db.CreateSource(t.Context(), store.Source{UserID: u.ID, Kind: store.SourceSmugMug, Name: fmt.Sprintf("nick%d", n)})
			if err != nil {
				t.Fatal(err)
			}
			return newSyncStore(db, src)
		})
	})
}

// TestRemoteImage: what SmugMug's listing means, as stored — the archived
// MD5 as the content hash (else key and serial), "no location" as no GPS,
// and the later of the album's two update times.
func TestRemoteImage(t *testing.T) {
	t.Parallel()
	with := remoteImage(smugmug.Image{ImageKey: "k", Serial: 3, MD5: "abc", Latitude: 46.5, Longitude: 7.25, HasLocation: true,
		Analysis: smugmug.Rendition{URL: "https://photos.x/k-X3.jpg"}})
	if with.ContentHash != "md5:abc" || with.Version != 3 || with.GPS == nil || with.GPS.Lat != 46.5 || with.AnalysisURL == "" {
		t.Errorf("with MD5 and location: %+v", with)
	}
	without := remoteImage(smugmug.Image{ImageKey: "k", Serial: 3})
	if without.ContentHash != "smugmug:k-3" || without.GPS != nil {
		t.Errorf("without: %+v", without)
	}
	forEachStore(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		u, _ := db.CreateUser(ctx, "a@example.com", "hash", false)
		src, _ := db.CreateSource(ctx, store.Source{UserID: u.ID, Kind: store.SourceSmugMug, Name: "nick"})
		st := newSyncStore(db, src)
		old, recent := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		if err := st.UpsertAlbum(ctx, smugmug.Album{AlbumKey: "A", Name: "Alps", LastUpdated: old, ImagesLastUpdated: recent}); err != nil {
			t.Fatal(err)
		}
		as, err := db.Albums(ctx, u.ID)
		if err != nil || len(as) != 1 || as[0].Name != "Alps" {
			t.Fatalf("albums %+v %v", as, err)
		}
	})
}
