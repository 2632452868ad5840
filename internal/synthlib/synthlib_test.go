package synthlib

import (
	"testing"

	"github.com/targetvision/targetvision/internal/linalg"
	"github.com/targetvision/targetvision/internal/store"
	"github.com/targetvision/targetvision/internal/store/storetest"
)

// TestShape checks the synthetic library has the shape its comment claims,
// which the benchmark's recall numbers depend on: unrelated photos at a
// CLIP-like cosine, photos of a cluster closer to each other than to any
// other cluster, clusters sharing a theme closer than clusters that do not,
// and albums of event size.
func TestShape(t *testing.T) {
	t.Parallel()
	s := New(Options{Photos: 40000, Dim: 512, Users: 1, Seed: 1})
	const n = 600
	ps := make([]Photo, n)
	for i := range ps {
		ps[i] = s.Photo(i)
	}
	var same, other float64
	var nSame, nOther int
	for i := range ps {
		for j := i + 1; j < n; j++ {
			d := float64(linalg.Dot(ps[i].Vec, ps[j].Vec))
			if ps[i].Cluster == ps[j].Cluster {
				same, nSame = same+d, nSame+1
			} else {
				other, nOther = other+d, nOther+1
			}
		}
	}
	same, other = same/float64(nSame), other/float64(nOther)
	t.Logf("mean cosine: same cluster %.3f, different clusters %.3f", same, other)
	if other < 0.35 || other > 0.6 {
		t.Errorf("unrelated photos at cosine %.3f, want CLIP's ≈ 0.45", other)
	}
	if same < other+0.2 {
		t.Errorf("photos of a cluster (%.3f) not clearly closer than others (%.3f)", same, other)
	}
	// Clusters that share a theme are closer than clusters that share none.
	var shared, apart float64
	var nShared, nApart int
	for a := range s.clusters {
		for b := a + 1; b < s.clusters; b++ {
			d := float64(linalg.Dot(linalg.Normalized(s.centroids[a]), linalg.Normalized(s.centroids[b])))
			if s.clusterThemes[a][0] == s.clusterThemes[b][0] || s.clusterThemes[a][0] == s.clusterThemes[b][1] ||
				s.clusterThemes[a][1] == s.clusterThemes[b][0] || s.clusterThemes[a][1] == s.clusterThemes[b][1] {
				shared, nShared = shared+d, nShared+1
			} else {
				apart, nApart = apart+d, nApart+1
			}
		}
	}
	shared, apart = shared/float64(nShared), apart/float64(nApart)
	t.Logf("centroid cosine: sharing a theme %.3f, not %.3f", shared, apart)
	if shared < apart+0.1 {
		t.Errorf("clusters sharing a theme (%.3f) not closer than others (%.3f)", shared, apart)
	}
	sizes := map[int]int{}
	for i := range s.o.Photos {
		sizes[s.Photo(i).Album]++
	}
	if len(sizes) != s.Albums() || s.Albums() != 80 {
		t.Errorf("%d albums used of %d, want 80 (40,000 photos / 500)", len(sizes), s.Albums())
	}
	for a, n := range sizes {
		if n < 100 || n > 2000 {
			t.Errorf("album %d has %d photos, want an event's few hundred", a, n)
		}
	}
}

// TestDeterministic checks that a library is a pure function of its
// options: the benchmark's kept libraries and the search tests' exact
// rankings rely on it.
func TestDeterministic(t *testing.T) {
	t.Parallel()
	o := Options{Photos: 500, Dim: 16, Users: 2, Seed: 7}
	a, b := New(o), New(o)
	for _, i := range []int{0, 9, 19, 499} {
		pa, pb := a.Photo(i), b.Photo(i)
		if pa.Key != pb.Key || pa.Title != pb.Title || pa.Vec[3] != pb.Vec[3] || pa.User != pb.User {
			t.Fatalf("photo %d differs between two libraries of the same options", i)
		}
		ta, va, ca := a.Query(i)
		tb, vb, cb := b.Query(i)
		if ta != tb || va[0] != vb[0] || ca != cb {
			t.Fatalf("query %d differs", i)
		}
	}
	if a.Photo(19).User == 0 || a.Photo(18).User != 0 {
		t.Fatal("Owner: every tenth photo belongs to the second user")
	}
	if c := New(Options{Photos: 500, Dim: 16, Users: 2, Seed: 8}); c.Photo(0).Title == a.Photo(0).Title && c.Photo(1).Title == a.Photo(1).Title {
		t.Fatal("another seed gave the same photos")
	}
}

// TestFillSQLite checks the SQLite fill: every photo stored under its index's
// id, with its user, album, vector and words.
func TestFillSQLite(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := storetest.OpenSQLite(t, store.Options{})
	s := New(Options{Photos: 450, Dim: 8, Users: 2, Seed: 2})
	users, ids, err := FillSQLite(ctx, db, s)
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 2 || len(ids) != 450 {
		t.Fatalf("%d users, %d photo ids", len(users), len(ids))
	}
	for _, i := range []int{0, 19, 449} {
		want := s.Photo(i)
		got, err := db.Photo(ctx, users[want.User], ids[i])
		if err != nil {
			t.Fatalf("photo %d: %v", i, err)
		}
		if got.SourceKey != want.Key || got.Title != want.Title {
			t.Fatalf("photo %d stored as %q %q, want %q %q", i, got.SourceKey, got.Title, want.Key, want.Title)
		}
		vec, err := db.Embedding(ctx, users[want.User], ids[i], Model)
		if err != nil || len(vec) != 8 || vec[5] != want.Vec[5] {
			t.Fatalf("photo %d embedding %v, %v; want %v", i, vec, err, want.Vec)
		}
	}
}
