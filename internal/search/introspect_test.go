package search

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/targetvision/targetvision/internal/linalg"
	"github.com/targetvision/targetvision/internal/store"
)

// TestIntrospection checks the methods a benchmark sees the engine through
// against what Search does on the same library, on both stores.
func TestIntrospection(t *testing.T) {
	t.Parallel()
	stores(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		r := rand.New(rand.NewPCG(7, 8))
		const dim = 64
		a := newLib(t, db, "a@example.com", "intro-model")
		b := newLib(t, db, "b@example.com", "intro-model")
		barn := randVec(r, dim)
		var close []int64
		for range 6 {
			close = append(close, a.add(photoSpec{title: "red barn", vec: near(r, barn, 0.05)}))
		}
		for range 60 {
			a.add(photoSpec{title: "meadow", vec: randVec(r, dim)})
		}
		b.add(photoSpec{title: "red barn", vec: barn}) // another user's: never found
		emb := mapEmbedder{"red barn": barn}
		e := New(db, Options{Embedder: emb, Model: "intro-model", Candidates: 40})

		if got, want := e.Settings(), (Settings{Model: "intro-model", Candidates: 40, EfSearch: 100, FloorZ: DefaultFloorZ}); got != want {
			t.Fatalf("Settings() = %+v, want %+v", got, want)
		}
		z := New(db, Options{Model: "intro-model", EfSearch: 300, FloorZ: map[string]float64{"intro-model": 2.5}})
		if got, want := z.Settings(), (Settings{Model: "intro-model", Candidates: 200, EfSearch: 300, FloorZ: 2.5}); got != want {
			t.Fatalf("Settings() = %+v, want %+v", got, want)
		}

		hits, err := e.NearestPhotos(ctx, a.user.ID, linalg.Normalized(barn), 10, store.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		var first []int64
		for i, h := range hits {
			if i > 0 && h.Similarity > hits[i-1].Similarity {
				t.Fatalf("hits not best first: %+v", hits)
			}
			if i < len(close) {
				first = append(first, h.PhotoID)
			}
		}
		slices.Sort(first)
		if len(hits) != 10 || !slices.Equal(first, close) {
			t.Fatalf("NearestPhotos: %d hits, first six %v, want the photos near the barn %v", len(hits), first, close)
		}
		if hits, err := e.NearestPhotos(ctx, a.user.ID, linalg.Normalized(barn), 10, store.Filter{Album: "none"}); err != nil || len(hits) != 0 {
			t.Fatalf("NearestPhotos with a filter nothing passes: %v, %v", hits, err)
		}

		resp := search(t, e, a.user.ID, "red barn")
		matches, loose, err := e.VectorLeg(ctx, a.user.ID, "red barn")
		if err != nil || matches != len(close) || loose != 40-len(close) {
			t.Fatalf("VectorLeg = %d matches, %d loose, %v; want %d and %d", matches, loose, err, len(close), 40-len(close))
		}
		n, err := e.TextLeg(ctx, a.user.ID, "meadow")
		if err != nil || n != 40 {
			t.Fatalf("TextLeg(meadow) = %d, %v; want 40 (Candidates of the 60)", n, err)
		}
		if n, err := e.TextLeg(ctx, a.user.ID, "red barn camera:nikon"); err != nil || n != 0 {
			t.Fatalf("TextLeg with its own filter = %d, %v; want 0", n, err)
		}
		if resp.Total != matches { // the text leg finds the same six
			t.Fatalf("Search found %d, the vector leg %d matches", resp.Total, matches)
		}

		st, ok, err := e.FloorStats(ctx, a.user.ID, linalg.Normalized(barn))
		if err != nil || !ok || st.Spread <= 0 || st.Median > 0.5 {
			t.Fatalf("FloorStats = %+v, %v, %v", st, ok, err)
		}
		// The floor splits the vector leg's hits where the stats say.
		floor := float32(st.Median + DefaultFloorZ*st.Spread)
		if matches == 0 || matches >= len(hits) || hits[matches-1].Similarity < floor || hits[matches].Similarity >= floor {
			t.Fatalf("floor %.3f from FloorStats does not split the hits at %d matches: %+v", floor, matches, hits)
		}
		if _, ok, err := e.FloorStats(ctx, b.user.ID, linalg.Normalized(barn)); err != nil || ok {
			t.Fatalf("FloorStats of a one-photo library: ok %v, %v; want too small to tell", ok, err)
		}

		if err := e.Warm(ctx); err != nil {
			t.Fatal(err)
		}
		want := int64(0) // Postgres: the index is the database's
		if db.Dialect() == store.SQLite {
			want = 67 * dim * 4 // at least the vectors themselves
		}
		if got := e.IndexBytes(); (want == 0 && got != 0) || got < want {
			t.Fatalf("IndexBytes() = %d, want %s %d", got, map[bool]string{true: "", false: "≥"}[want == 0], want)
		}
	})
}
