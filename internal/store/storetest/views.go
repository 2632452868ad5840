package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/store"
)

// testPhotoDates: the timeline's counts by month and by day, newest first,
// the undated apart, scoped to the user and the filter.
func testPhotoDates(t *testing.T, db *store.DB) {
	ctx := t.Context()
	f := newFixture(t, db, "dates@example.com")
	g := newFixture(t, db, "other-dates@example.com")
	at := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, time.UTC) }
	for i, when := range []time.Time{at(2024, 6, 10, 23), at(2024, 6, 10, 1), at(2024, 6, 30, 12), at(2023, 12, 31, 23), {}, {}} {
		p := f.photo("d" + string(rune('a'+i)) + ".jpg")
		p.TakenAt = when
		if i == 0 {
			p.CameraMake = "Canon"
		}
		must[store.Photo](t)(first(db.UpsertPhoto(ctx, p)))
	}
	o := g.photo("other.jpg")
	o.TakenAt = at(2024, 6, 10, 12)
	must[store.Photo](t)(first(db.UpsertPhoto(ctx, o)))

	months, undated, err := db.PhotoDates(ctx, f.user.ID, store.Filter{}, false)
	noErr(t, err)
	if want := []store.DateCount{{Period: "2024-06", Count: 3}, {Period: "2023-12", Count: 1}}; !slices.Equal(months, want) || undated != 2 {
		t.Fatalf("months %v undated %d, want %v and 2", months, undated, want)
	}
	days, _, err := db.PhotoDates(ctx, f.user.ID, store.Filter{From: at(2024, 6, 1, 0), To: at(2024, 7, 1, 0)}, true)
	noErr(t, err)
	if want := []store.DateCount{{Period: "2024-06-30", Count: 1}, {Period: "2024-06-10", Count: 2}}; !slices.Equal(days, want) {
		t.Fatalf("days of June %v, want %v", days, want)
	}
	canon, undated, err := db.PhotoDates(ctx, f.user.ID, store.Filter{Camera: "canon"}, false)
	noErr(t, err)
	if want := []store.DateCount{{Period: "2024-06", Count: 1}}; !slices.Equal(canon, want) || undated != 0 {
		t.Fatalf("Canon months %v undated %d", canon, undated)
	}
	ps, total, err := db.ListPhotos(ctx, f.user.ID, store.Filter{Undated: true}, 10, 0)
	noErr(t, err)
	if total != 2 || len(ps) != 2 || !ps[0].TakenAt.IsZero() {
		t.Fatalf("undated listing: %d %v", total, ps)
	}
}

// first drops UpsertPhoto's "changed".
func first(p store.Photo, _ bool, err error) (store.Photo, error) { return p, err }

// testBulkEdits: keywords added to and removed from many photos become the
// person's edits (searchable, surviving a description), all or nothing;
// collections hold the user's photos only and filter listings.
func testBulkEdits(t *testing.T, db *store.DB) {
	ctx := t.Context()
	f := newFixture(t, db, "bulk@example.com")
	g := newFixture(t, db, "other-bulk@example.com")
	var ids []int64
	for i, kws := range [][]string{{"barn", "Snow"}, {"lake"}, nil} {
		p := f.photo("b" + string(rune('a'+i)) + ".jpg")
		p.Keywords = kws
		ids = append(ids, must[store.Photo](t)(first(db.UpsertPhoto(ctx, p))).ID)
	}
	noErr(t, db.SaveAIMetadata(ctx, store.AIMetadata{PhotoID: ids[2], UserID: f.user.ID, Model: "m", PromptVersion: "1", Keywords: []string{"generated"}}))
	theirs := must[store.Photo](t)(first(db.UpsertPhoto(ctx, g.photo("theirs.jpg"))))

	n, err := db.EditKeywords(ctx, f.user.ID, ids, []string{"zebrafinch"}, []string{"snow"})
	noErr(t, err)
	if n != 3 {
		t.Fatalf("EditKeywords changed %d photos, want 3", n)
	}
	want := [][]string{{"barn", "zebrafinch"}, {"lake", "zebrafinch"}, {"generated", "zebrafinch"}}
	for i, id := range ids {
		p := must[store.Photo](t)(db.Photo(ctx, f.user.ID, id))
		if p.Edits.Keywords == nil || !slices.Equal(*p.Edits.Keywords, want[i]) {
			t.Errorf("photo %d keywords %v, want %v", i, p.Edits.Keywords, want[i])
		}
	}
	hits, err := db.SearchText(ctx, f.user.ID, store.TextQuery{Terms: []string{"zebrafinch"}, Limit: 10})
	noErr(t, err)
	if len(hits) != 3 {
		t.Errorf("zebrafinch finds %d photos, want 3", len(hits))
	}
	// Another user's photo among them: nothing changes.
	if _, err := db.EditKeywords(ctx, f.user.ID, []int64{ids[0], theirs.ID}, []string{"owl"}, nil); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("EditKeywords with another user's photo: %v", err)
	}
	if p := must[store.Photo](t)(db.Photo(ctx, f.user.ID, ids[0])); slices.Contains(*p.Edits.Keywords, "owl") {
		t.Error("a refused edit changed a photo")
	}
	if p := must[store.Photo](t)(db.Photo(ctx, g.user.ID, theirs.ID)); p.Edits.Keywords != nil {
		t.Error("another user's photo was edited")
	}

	c := must[store.Collection](t)(db.CreateCollection(ctx, f.user.ID, "Best of", ""))
	if _, err := db.CreateCollection(ctx, f.user.ID, "best OF", ""); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a second collection of the same name: %v", err)
	}
	must[store.Collection](t)(db.CreateCollection(ctx, g.user.ID, "Best of", "")) // another user's may share it
	noErr(t, db.ChangeCollection(ctx, f.user.ID, c.ID, []int64{ids[0], ids[1], ids[0]}, nil))
	if err := db.ChangeCollection(ctx, f.user.ID, c.ID, []int64{ids[2], theirs.ID}, nil); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("adding another user's photo: %v", err)
	}
	if err := db.ChangeCollection(ctx, g.user.ID, c.ID, []int64{theirs.ID}, nil); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("another user adding to the collection: %v", err)
	}
	ps, total, err := db.ListPhotos(ctx, f.user.ID, store.Filter{CollectionID: c.ID}, 10, 0)
	noErr(t, err)
	if total != 2 || len(ps) != 2 {
		t.Fatalf("collection lists %d photos, want 2", total)
	}
	if _, total, _ := db.ListPhotos(ctx, g.user.ID, store.Filter{CollectionID: c.ID}, 10, 0); total != 0 {
		t.Fatalf("another user lists %d photos of the collection", total)
	}
	noErr(t, db.ChangeCollection(ctx, f.user.ID, c.ID, nil, []int64{ids[1]}))
	cs := must[[]store.Collection](t)(db.Collections(ctx, f.user.ID))
	if len(cs) != 1 || cs[0].PhotoCount != 1 || cs[0].Name != "Best of" {
		t.Fatalf("collections %+v", cs)
	}
	smart := must[store.Collection](t)(db.CreateCollection(ctx, f.user.ID, "Barns", "barn -snow"))
	if err := db.ChangeCollection(ctx, f.user.ID, smart.ID, []int64{ids[0]}, nil); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("adding photos to a saved search: %v", err)
	}
	wantNotFound(t, db.DeleteCollection(ctx, g.user.ID, c.ID), "another user deleting the collection")
	noErr(t, db.DeleteCollection(ctx, f.user.ID, c.ID))
	if _, err := db.CollectionByID(ctx, f.user.ID, c.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted collection: %v", err)
	}
}

// testPlaces: a photo with GPS is named its place, which is shown,
// searched as text ("iceland") and by the place filter; one without GPS
// has none; a move of the GPS renames it.
func testPlaces(t *testing.T, db *store.DB) {
	ctx := t.Context()
	f := newFixture(t, db, "places@example.com")
	g := newFixture(t, db, "other-places@example.com")
	berlin := f.photo("berlin.jpg")
	berlin.GPS = &store.GPS{Lat: 52.5163, Lon: 13.3777}
	berlin = must[store.Photo](t)(first(db.UpsertPhoto(ctx, berlin)))
	ice := f.photo("ice.jpg")
	ice.GPS = &store.GPS{Lat: 64.15, Lon: -21.94}
	ice = must[store.Photo](t)(first(db.UpsertPhoto(ctx, ice)))
	none := must[store.Photo](t)(first(db.UpsertPhoto(ctx, f.photo("none.jpg"))))
	theirs := g.photo("their-berlin.jpg")
	theirs.GPS = berlin.GPS
	must[store.Photo](t)(first(db.UpsertPhoto(ctx, theirs)))
	if berlin.Place != "Berlin, Germany" || ice.Place != "Reykjavik, Iceland" || none.Place != "" {
		t.Fatalf("places: %q %q %q", berlin.Place, ice.Place, none.Place)
	}
	ps, total, err := db.ListPhotos(ctx, f.user.ID, store.Filter{Place: "BERLIN"}, 10, 0)
	noErr(t, err)
	if total != 1 || ps[0].ID != berlin.ID {
		t.Fatalf("place filter berlin: %d %v", total, ps)
	}
	hits, err := db.SearchText(ctx, f.user.ID, store.TextQuery{Terms: []string{"iceland"}, Limit: 10})
	noErr(t, err)
	if len(hits) != 1 || hits[0].PhotoID != ice.ID {
		t.Fatalf("iceland finds %v, want photo %d", hits, ice.ID)
	}
	// "Why" tells the place from the album name (both are in one text
	// field): "Berlin" is the place of a photo in "Summer Trips", and both
	// for a photo in the album "Berlin weekend".
	weekend := must[store.Album](t)(db.UpsertAlbum(ctx, store.Album{UserID: f.user.ID, SourceID: f.source.ID, Key: "bw", Name: "Berlin weekend"}))
	inAlbum := f.photo("bw/1.jpg")
	inAlbum.AlbumID, inAlbum.GPS = weekend.ID, berlin.GPS
	inAlbum = must[store.Photo](t)(first(db.UpsertPhoto(ctx, inAlbum)))
	noPlace := f.photo("bw/2.jpg")
	noPlace.AlbumID = weekend.ID
	noPlace = must[store.Photo](t)(first(db.UpsertPhoto(ctx, noPlace)))
	ms, err := db.TextMatches(ctx, f.user.ID, []int64{berlin.ID, inAlbum.ID, noPlace.ID}, store.TextQuery{Terms: []string{"berlin", "germany"}})
	noErr(t, err)
	var got []string
	for _, m := range ms {
		got = append(got, fmt.Sprintf("%d %s %s", m.PhotoID, m.Term, m.Field))
	}
	want := []string{
		fmt.Sprintf("%d berlin file_name", berlin.ID), fmt.Sprintf("%d berlin place", berlin.ID), fmt.Sprintf("%d germany place", berlin.ID),
		fmt.Sprintf("%d berlin album", inAlbum.ID), fmt.Sprintf("%d berlin place", inAlbum.ID), fmt.Sprintf("%d germany place", inAlbum.ID),
		fmt.Sprintf("%d berlin album", noPlace.ID),
	}
	if !slices.Equal(got, want) {
		t.Errorf("where berlin and germany matched:\n got %q\nwant %q", got, want)
	}

	ice.GPS = &store.GPS{Lat: 52.52, Lon: 13.40}
	ice = must[store.Photo](t)(first(db.UpsertPhoto(ctx, ice)))
	if hits, _ := db.SearchText(ctx, f.user.ID, store.TextQuery{Terms: []string{"iceland"}, Limit: 10}); len(hits) != 0 || ice.Place != "Berlin, Germany" {
		t.Fatalf("after the GPS moved: %q, iceland finds %v", ice.Place, hits)
	}
}
