package search

import (
	"log/slog"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/store"
	"github.com/targetvision/targetvision/internal/store/storetest"
	"github.com/targetvision/targetvision/internal/synthlib"
)

// TestMemIndexFiltered checks the SQLite vector leg's filtered search — the
// unfiltered pre-ranking checked in rounds, and the selective-filter
// fallback — against ranking every passing photo.
func TestMemIndexFiltered(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := storetest.OpenSQLite(t, store.Options{})
	s := synthlib.New(synthlib.Options{Photos: 1500, Dim: 16, Users: 2, Seed: 5})
	users, ids, err := synthlib.FillSQLite(ctx, db, s)
	if err != nil {
		t.Fatal(err)
	}
	e := New(db, Options{Model: synthlib.Model, Logger: slog.New(slog.DiscardHandler)})
	r := rand.New(rand.NewPCG(3, 3))
	y := func(year int) time.Time { return time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC) }
	for _, f := range []store.Filter{
		{From: y(2015)},                 // broad: the first round suffices
		{Camera: "canon"},               // middling: two rounds
		{Album: "Album 3"},              // selective: the fallback
		{Keyword: s.Topics(2)[0]},       // selective, keyword
		{Album: "Album 3", To: y(2008)}, // very selective
		{Album: "nope"},                 // nothing passes
	} {
		for _, k := range []int{5, 40} {
			q := vecQuery{userID: users[0], model: synthlib.Model, vec: s.Point(r, r.IntN(s.Clusters())), k: k, filter: f}
			hits, err := e.vec.search(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, h := range hits {
				got = append(got, h.photoID)
			}
			// exactTop ranks the generated vectors, which the index holds
			// normalised the same way.
			want := exactTop(t, db, s, ids, q)
			if !slices.Equal(got, want) {
				t.Errorf("filter %+v k %d:\n got %v\nwant %v", f, k, got, want)
			}
		}
	}
}
