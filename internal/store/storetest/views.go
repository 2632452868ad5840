package storetest

import (
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
	if want := []store.DateCount{{"2024-06", 3}, {"2023-12", 1}}; !slices.Equal(months, want) || undated != 2 {
		t.Fatalf("months %v undated %d, want %v and 2", months, undated, want)
	}
	days, _, err := db.PhotoDates(ctx, f.user.ID, store.Filter{From: at(2024, 6, 1, 0), To: at(2024, 7, 1, 0)}, true)
	noErr(t, err)
	if want := []store.DateCount{{"2024-06-30", 1}, {"2024-06-10", 2}}; !slices.Equal(days, want) {
		t.Fatalf("days of June %v, want %v", days, want)
	}
	canon, undated, err := db.PhotoDates(ctx, f.user.ID, store.Filter{Camera: "canon"}, false)
	noErr(t, err)
	if want := []store.DateCount{{"2024-06", 1}}; !slices.Equal(canon, want) || undated != 0 {
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
