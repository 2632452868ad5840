package search

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/targetvision/targetvision/internal/store"
	"github.com/targetvision/targetvision/internal/store/storetest"
	"github.com/targetvision/targetvision/internal/synthlib"
)

// TestSnapshot checks that the SQLite vector index restarts from its
// snapshot plus the change log with the same contents as a full load, and
// that a damaged or foreign snapshot is discarded.
func TestSnapshot(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := storetest.OpenSQLite(t, store.Options{})
	s := synthlib.New(synthlib.Options{Photos: 1200, Dim: 16, Users: 2, Seed: 3})
	users, ids, err := synthlib.FillSQLite(ctx, db, s)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := snapshotPath(dir, synthlib.Model)
	r := rand.New(rand.NewPCG(1, 2))
	queries := make([][]float32, 5)
	for i := range queries {
		queries[i] = s.Point(r, r.IntN(s.Clusters()))
	}
	// results lists what an engine finds for every query and user.
	results := func(e *Engine) [][]int64 {
		t.Helper()
		var out [][]int64
		for _, u := range users {
			for _, q := range queries {
				hits, err := e.vec.search(ctx, vecQuery{userID: u, model: synthlib.Model, vec: q, k: 30})
				if err != nil {
					t.Fatal(err)
				}
				var got []int64
				for _, h := range hits {
					got = append(got, h.photoID)
				}
				out = append(out, got)
			}
		}
		return out
	}
	open := func(dir string) *Engine {
		e := New(db, Options{Model: synthlib.Model, IndexDir: dir})
		if err := e.Warm(ctx); err != nil {
			t.Fatal(err)
		}
		return e
	}

	first := open(dir)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("no snapshot after the first load: %v", err)
	}
	want := results(first)

	// Changes while no engine runs: a replaced vector, a deleted photo.
	if err := db.SaveEmbedding(ctx, store.Embedding{PhotoID: ids[0], UserID: users[s.Owner(0)], Model: synthlib.Model, Vector: queries[0]}); err != nil {
		t.Fatal(err)
	}
	if err := db.DeletePhoto(ctx, users[s.Owner(1)], ids[1]); err != nil {
		t.Fatal(err)
	}
	fresh := results(open(""))
	if slices.EqualFunc(fresh, want, slices.Equal) {
		t.Fatal("the changes made no difference; the test proves nothing")
	}
	if got := results(open(dir)); !slices.EqualFunc(got, fresh, slices.Equal) {
		t.Fatal("snapshot + change log differs from a full load")
	}
	if got := results(first); !slices.EqualFunc(got, fresh, slices.Equal) {
		t.Fatal("the running engine did not follow the changes")
	}
	if err := first.Close(ctx); err != nil {
		t.Fatal(err)
	}

	// A torn snapshot is ignored.
	fi, _ := os.Stat(path)
	if err := os.Truncate(path, fi.Size()/2); err != nil {
		t.Fatal(err)
	}
	if got := results(open(dir)); !slices.EqualFunc(got, fresh, slices.Equal) {
		t.Fatal("torn snapshot: results differ")
	}

	// A snapshot of another database is ignored (its counts disagree).
	other := storetest.OpenSQLite(t, store.Options{})
	s2 := synthlib.New(synthlib.Options{Photos: 1100, Dim: 16, Users: 1, Seed: 4})
	if _, _, err := synthlib.FillSQLite(ctx, other, s2); err != nil {
		t.Fatal(err)
	}
	otherDir := t.TempDir()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(otherDir, filepath.Base(path)), data, 0o600); err != nil {
		t.Fatal(err)
	}
	e := New(other, Options{Model: synthlib.Model, IndexDir: otherDir})
	if err := e.Warm(ctx); err != nil {
		t.Fatal(err)
	}
	x := e.vec.(*memIndex).model(synthlib.Model)
	if n := len(x.owner); n != 1100 {
		t.Fatalf("foreign snapshot used: %d vectors", n)
	}
}
