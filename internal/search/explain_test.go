package search

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/linalg"
	"github.com/targetvision/targetvision/internal/store"
	"github.com/targetvision/targetvision/internal/store/storetest"
	"github.com/targetvision/targetvision/internal/synthlib"
)

// TestPostgresVectorLegRecall checks that what the engine's vector leg
// returns on the synthetic library — plain and filtered, through its choice
// of graph walk or exact scan — matches an exact ranking. (The store's
// TestNearestPhotosWalksHNSW checks the walk's plan.)
func TestPostgresVectorLegRecall(t *testing.T) {
	t.Parallel()
	url := storetest.PostgresURL(t)
	ctx := t.Context()
	const n, dim = 2000, 512
	s := synthlib.New(synthlib.Options{Photos: n, Dim: dim, Users: 3, Seed: 1})
	start := time.Now()
	f, err := synthlib.FillPostgres(ctx, url, s)
	t.Logf("fill %v", time.Since(start))
	if err != nil {
		t.Fatal(err)
	}
	users, ids := f.Users, f.PhotoIDs
	db, err := store.Open(ctx, url, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	y := func(year int) time.Time { return time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC) }
	x := &pgIndex{db: db, efSearch: 100, exactBelow: 500}
	r := rand.New(rand.NewPCG(9, 9))
	for _, f := range []store.Filter{
		{},
		{Camera: "canon"},
		{From: y(2015)},
		{Album: "Album 3", From: y(2010), To: y(2020)},
		{Keyword: s.Topics(0)[0]},
	} {
		q := vecQuery{userID: users[0], model: synthlib.Model, vec: s.Point(r, r.IntN(s.Clusters())), k: 20, filter: f}
		start := time.Now()
		hits, err := x.search(ctx, q)
		t.Logf("search %v", time.Since(start))
		if err != nil {
			t.Fatal(err)
		}
		start = time.Now()
		want := exactTop(t, db, s, ids, q)
		t.Logf("exact %v", time.Since(start))
		got := make([]int64, len(hits))
		for i, h := range hits {
			got[i] = h.photoID
		}
		found := 0
		for _, id := range want {
			if slices.Contains(got, id) {
				found++
			}
		}
		if len(want) == 0 || float64(found) < 0.8*float64(len(want)) {
			t.Errorf("filter %+v: found %d of the exact top %d", f, found, len(want))
		}
	}
}

// exactTop ranks all of the synthetic library in Go, keeping the photos of
// the query's user that pass its filter. Vectors are normalised as the
// in-process index stores them.
func exactTop(t *testing.T, db *store.DB, s *synthlib.Library, ids []int64, q vecQuery) []int64 {
	t.Helper()
	pass, err := db.PhotosPassing(t.Context(), q.userID, q.filter, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := topK{k: q.k}
	for i := range s.Options().Photos {
		if pass[ids[i]] {
			h.offer(ids[i], dot(q.vec, linalg.Normalized(s.Photo(i).Vec)))
		}
	}
	var out []int64
	for _, v := range h.sorted() {
		out = append(out, v.photoID)
	}
	return out
}

func dot(a, b []float32) float32 {
	var s float32
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}
