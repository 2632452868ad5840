package main

import (
	"log/slog"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/ratelimit"
	"github.com/targetvision/targetvision/internal/store"
	"github.com/targetvision/targetvision/internal/store/storetest"
)

// TestTidyPrunesOldJobsAndFullBuckets: serve's tidying prunes the jobs
// finished before the retention period, in as many batches as it takes,
// keeps the recent ones and the failures, and forgets full rate buckets.
func TestTidyPrunesOldJobsAndFullBuckets(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	clock := storetest.NewClock()
	db := storetest.OpenSQLite(t, store.Options{Now: clock.Now})
	u, err := db.EnsureDefaultUser(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The store's clock is a month ago: these jobs finished long since.
	clock.Advance(time.Since(clock.Now()) - 30*24*time.Hour)
	finish := func(n int, fail bool) {
		for range n {
			if _, _, err := db.Enqueue(ctx, store.Job{UserID: u.ID, Kind: "k", MaxAttempts: 1}); err != nil {
				t.Fatal(err)
			}
			j, err := db.Claim(ctx, "w", []string{"k"}, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if fail {
				err = db.Fail(ctx, j.ID, "w", "bad", 0, true)
			} else {
				err = db.Complete(ctx, j.ID, "w")
			}
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	finish(10010, false) // more than one batch
	finish(2, true)
	if _, _, err := db.RateBuckets().Take(ctx, "old", ratelimit.Limit{Every: time.Second, Burst: 1}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(30*24*time.Hour - time.Hour) // an hour ago
	finish(3, false)
	clock.Advance(time.Hour)

	a := &app{db: db, log: slog.New(slog.DiscardHandler)}
	a.tidy(ctx, 7*24*time.Hour)
	if l, err := db.Jobs(ctx, u.ID, store.JobDone, 100); err != nil || len(l) != 3 {
		t.Fatalf("%d done jobs listed after tidying (%v), want the 3 recent ones", len(l), err)
	}
	if l, err := db.Jobs(ctx, u.ID, store.JobFailed, 100); err != nil || len(l) != 2 {
		t.Fatalf("%d failures after tidying (%v), want both", len(l), err)
	}
	c, err := db.JobCounts(ctx, u.ID)
	if err != nil || c[store.JobDone] != 10013 {
		t.Fatalf("done count after tidying: %v %v", c, err)
	}
	if n, err := db.RateBuckets().Prune(ctx); err != nil || n != 0 {
		t.Fatalf("a full bucket was left for the next prune: %d %v", n, err)
	}
}
