package searchbench

import (
	"bytes"
	"database/sql"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

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
			o := Options{Photos: 800, Store: st, Dim: 32, Queries: 24, RecallQueries: 10, Dir: t.TempDir()}
			if st == "postgres" {
				storetest.PostgresURL(t) // skips (or fails in CI) without a cluster
				o.DatabaseURL = os.Getenv(storetest.EnvPostgres)
			}
			var out bytes.Buffer
			o.Out = &out
			res, err := Run(t.Context(), o)
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
	run := func(photos int, keep string) (Result, string, error) {
		var out bytes.Buffer
		res, err := Run(t.Context(), Options{Photos: photos, Store: "postgres", DatabaseURL: admin, Dim: 32,
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

// TestTopK checks the exact ranking recall is measured against: the k most
// similar, best first, the earlier photo first among equals.
func TestTopK(t *testing.T) {
	t.Parallel()
	h := topK{k: 3}
	for i, sim := range []float32{0.1, 0.9, 0.5, 0.9, 0.2, 0.7, -1} {
		h.offer(i, sim)
	}
	if got := h.indexes(); !slices.Equal(got, []int{1, 3, 5}) {
		t.Fatalf("top 3 = %v, want [1 3 5]", got)
	}
}
