package search

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/store"
	"github.com/targetvision/targetvision/internal/store/storetest"
)

// TestPostgresVectorQueryUsesHNSW runs EXPLAIN on the vector leg's ANN
// query — plain and filtered — and checks that the planner walks the partial
// HNSW index instead of sorting every row (the 100× trap of an ORDER BY the
// index cannot serve), and that what the engine returns matches an exact
// scan.
func TestPostgresVectorQueryUsesHNSW(t *testing.T) {
	t.Parallel()
	url := storetest.PostgresURL(t)
	ctx := t.Context()
	const n, dim = 2000, 512
	s := &synth{photos: n, dim: dim, users: 3, seed: 1}
	start := time.Now()
	users, ids, _, _, err := fillPostgresTimed(ctx, url, s)
	t.Logf("fill %v", time.Since(start))
	if err != nil {
		t.Fatal(err)
	}
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
		{Keyword: s.topics[0][0]},
	} {
		q := vecQuery{userID: users[0], model: synthModel, vec: s.point(r, r.IntN(s.clusters)), k: 20, filter: f}
		query, args, err := x.vectorSQL(ctx, q, false)
		if err != nil {
			t.Fatal(err)
		}
		plan := explain(t, db, x, query, args)
		if !strings.Contains(plan, "Index Scan using embeddings_hnsw_512") || strings.Contains(plan, "Seq Scan on embeddings") {
			t.Errorf("filter %+v: plan does not walk the HNSW index:\n%s", f, plan)
		}
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
func exactTop(t *testing.T, db *store.DB, s *synth, ids []int64, q vecQuery) []int64 {
	t.Helper()
	cond, args, err := db.ResolvedFilterSQL(t.Context(), q.userID, q.filter)
	if err != nil {
		t.Fatal(err)
	}
	pass := map[int64]bool{}
	for _, id := range selectIDs(t, db, "SELECT p.id FROM photos p WHERE "+cond, args) {
		pass[id] = true
	}
	h := topK{k: q.k}
	for i := range s.photos {
		if pass[ids[i]] {
			h.offer(ids[i], dot(q.vec, normalized(s.photo(i).vec)))
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

func explain(t *testing.T, db *store.DB, x *pgIndex, query string, args []any) string {
	t.Helper()
	tx, err := db.SQL().BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	set, sargs := x.annSettings(20)
	if _, err := tx.ExecContext(t.Context(), set, sargs...); err != nil {
		t.Fatal(err)
	}
	rows, err := tx.QueryContext(t.Context(), "EXPLAIN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintln(&b, line)
	}
	return b.String()
}
