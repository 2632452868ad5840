package httpapi

import (
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/pipeline"
	"github.com/targetvision/targetvision/internal/store"
)

// TestFailedJobsSayIfRetryCanHelp: a job that failed for good on its
// first try (a corrupt file) is not offered a retry; one that ran out of
// attempts on passing trouble is.
func TestFailedJobsSayIfRetryCanHelp(t *testing.T) {
	t.Parallel()
	db := stores[0].open(t)
	ts := newTestServer(t, db)
	a := ts.signup("a@example.com")
	ctx := t.Context()
	fail := func(max int, permanent bool) int64 {
		t.Helper()
		j, _, err := db.Enqueue(ctx, store.Job{UserID: a.id, Kind: pipeline.KindProcess, MaxAttempts: max})
		if err != nil {
			t.Fatal(err)
		}
		c, err := db.Claim(ctx, "w", []string{pipeline.KindProcess}, time.Minute)
		if err != nil || c.ID != j.ID {
			t.Fatalf("claim: %+v %v", c, err)
		}
		if err := db.Fail(ctx, j.ID, "w", "boom", 0, permanent); err != nil {
			t.Fatal(err)
		}
		return j.ID
	}
	corrupt, flaky := fail(5, true), fail(1, false)
	var l jobList
	decodeBody(t, ts.do(req{method: "GET", path: "/api/v1/jobs?state=failed", cookie: a.cookie}), &l)
	got := map[int64]bool{}
	for _, j := range l.Jobs {
		got[j.ID] = j.Retryable
	}
	if len(got) != 2 || got[corrupt] || !got[flaky] {
		t.Errorf("retryable: %v, want job %d false (failed for good), %d true (out of attempts)", got, corrupt, flaky)
	}
}
