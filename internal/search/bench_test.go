package search

import (
	"bytes"
	"os"
	"strings"
	"testing"

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
