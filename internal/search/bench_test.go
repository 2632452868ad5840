package search

import (
	"bytes"
	"database/sql"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/linalg"
	"github.com/targetvision/targetvision/internal/store/storetest"
)

// TestBenchSmall runs the benchmark command end to end on a tiny library of
// each store, to keep it working; the real measurements are taken with
// `targetvision bench search`.
func TestBenchSmall(t *testing.T) {
	t.Parallel()
	for _, st := range []string{"sqlite", "postgres"} {
		t.Run(st, func(t *testing.T) {
			t.Parallel()
			o := BenchOptions{Photos: 800, Store: st, Dim: 32, Queries: 24, RecallQueries: 10, Dir: t.TempDir()}
			if st == "postgres" {
				storetest.PostgresURL(t) // skips (or fails in CI) without a cluster
				o.DatabaseURL = os.Getenv(storetest.EnvPostgres)
			}
			var out bytes.Buffer
			o.Out = &out
			res, err := Bench(t.Context(), o)
			if err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			t.Log("\n" + out.String())
			if res.P95 <= 0 || res.Recall10 < 0.9 || res.FilteredRecall10 < 0.9 || res.MeanResults < 10 || !strings.Contains(out.String(), "recall@10") {
				t.Fatalf("implausible result %+v", res)
			}
		})
	}
}

// TestSynthShape checks the synthetic library has the shape its comment
// claims, which the benchmark's recall numbers depend on: unrelated photos
// at a CLIP-like cosine, photos of a cluster closer to each other than to
// any other cluster, clusters sharing a theme closer than clusters that do
// not, and albums of event size.
func TestSynthShape(t *testing.T) {
	t.Parallel()
	s := &synth{photos: 40000, dim: 512, users: 1, seed: 1}
	s.init()
	const n = 600
	ps := make([]synthPhoto, n)
	for i := range ps {
		ps[i] = s.photo(i)
	}
	var same, other float64
	var nSame, nOther int
	for i := range ps {
		for j := i + 1; j < n; j++ {
			d := float64(linalg.Dot(ps[i].vec, ps[j].vec))
			if ps[i].cluster == ps[j].cluster {
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
			d := float64(linalg.Dot(normalized(s.centroids[a]), normalized(s.centroids[b])))
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
	for i := range s.photos {
		sizes[s.photo(i).album]++
	}
	if len(sizes) != s.albums || s.albums != 80 {
		t.Errorf("%d albums used of %d, want 80 (40,000 photos / 500)", len(sizes), s.albums)
	}
	for a, n := range sizes {
		if n < 100 || n > 2000 {
			t.Errorf("album %d has %d photos, want an event's few hundred", a, n)
		}
	}
}

// TestBenchKeep checks --keep: the first run fills and keeps the library, a
// second run measures it without filling, and a database that is not the
// same kept library is refused and left as it was.
func TestBenchKeep(t *testing.T) {
	t.Parallel()
	other := storetest.PostgresURL(t) // an existing database that is not a benchmark's
	admin := os.Getenv(storetest.EnvPostgres)
	u, err := url.Parse(other)
	if err != nil {
		t.Fatal(err)
	}
	otherName := strings.TrimPrefix(u.Path, "/")
	name := otherName + "_kept"
	t.Cleanup(func() {
		if adb, err := sql.Open("pgx", admin); err == nil {
			adb.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
			adb.Close()
		}
	})
	run := func(photos int, keep string) (BenchResult, string, error) {
		var out bytes.Buffer
		res, err := Bench(t.Context(), BenchOptions{Photos: photos, Store: "postgres", DatabaseURL: admin, Dim: 32,
			Queries: 16, RecallQueries: 8, Keep: keep, Out: &out})
		return res, out.String(), err
	}
	first, out, err := run(600, name)
	if err != nil || strings.Contains(out, "kept") {
		t.Fatalf("first run: %v\n%s", err, out)
	}
	again, out, err := run(600, name)
	if err != nil || !strings.Contains(out, "measuring the library kept in database "+name) {
		t.Fatalf("second run: %v\n%s", err, out)
	}
	if again.Fill != 0 || again.Recall10 != first.Recall10 || again.Build != first.Build.Truncate(time.Millisecond) {
		t.Fatalf("second run did not measure the kept library: first %+v, again %+v", first, again)
	}
	if _, _, err := run(601, name); err == nil || !strings.Contains(err.Error(), "generated as photos=600") {
		t.Fatalf("a library of other options was measured: %v", err)
	}
	if _, _, err := run(600, otherName); err == nil || !strings.Contains(err.Error(), "no complete benchmark library") {
		t.Fatalf("a database that is no benchmark's was used: %v", err)
	}
	db, err := sql.Open("pgx", other)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var tables int
	if err := db.QueryRow("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").Scan(&tables); err != nil || tables != 0 {
		t.Fatalf("the other database was touched: %d tables, %v", tables, err)
	}
}
