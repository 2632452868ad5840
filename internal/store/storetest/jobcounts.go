package storetest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/store"
)

// countsByKey reads what the counters say and what counting the jobs table
// says, per user, kind and state.
func countsByKey(t testing.TB, db *store.DB) (counters, truth map[string]int) {
	t.Helper()
	read := func(q string) map[string]int {
		rows, err := db.SQL().QueryContext(context.Background(), q)
		noErr(t, err)
		defer rows.Close()
		out := map[string]int{}
		for rows.Next() {
			var uid int64
			var kind, state string
			var n int
			noErr(t, rows.Scan(&uid, &kind, &state, &n))
			if n != 0 {
				out[fmt.Sprintf("%d/%s/%s", uid, kind, state)] = n
			}
		}
		noErr(t, rows.Err())
		return out
	}
	return read("SELECT user_id, kind, state, n FROM job_counts"),
		read("SELECT user_id, kind, state, COUNT(*) FROM jobs GROUP BY user_id, kind, state")
}

func wantExactCounts(t testing.TB, db *store.DB, when string) {
	t.Helper()
	counters, truth := countsByKey(t, db)
	if !maps.Equal(counters, truth) {
		t.Fatalf("%s: the counters say %v, the jobs table %v", when, counters, truth)
	}
}

// testJobCounts: the counters the Activity page reads agree with the jobs
// table through every way a job changes or goes: enqueue, claim, complete,
// retry, fail for good, snooze, release, retry by the user, a deleted
// source and a deleted user (testJobsConcurrent checks them after workers
// race).
func testJobCounts(t *testing.T, db *store.DB) {
	ctx := t.Context()
	f := newFixture(t, db, "a@example.com")
	g := newFixture(t, db, "b@example.com")
	p, _, err := db.UpsertPhoto(ctx, f.photo("trips/1.jpg"))
	noErr(t, err)
	for i, kind := range []string{"process", "embed", "describe", "process", "embed"} {
		_, _, err := db.Enqueue(ctx, store.Job{UserID: f.user.ID, Kind: kind, DedupeKey: fmt.Sprint(kind, i), PhotoID: p.ID})
		noErr(t, err)
	}
	_, _, err = db.Enqueue(ctx, store.Job{UserID: g.user.ID, Kind: "process", DedupeKey: "g"})
	noErr(t, err)
	wantExactCounts(t, db, "after enqueue")
	if c := must[map[string]int](t)(db.JobCounts(ctx, f.user.ID)); c[store.JobQueued] != 5 || c[store.JobRunning] != 0 {
		t.Fatalf("JobCounts = %v, want 5 queued", c)
	}
	if n := must[int](t)(db.CountJobs(ctx, f.user.ID, "embed", store.JobQueued)); n != 2 {
		t.Fatalf("CountJobs(embed, queued) = %d, want 2", n)
	}
	if c := must[map[string]int](t)(db.JobCounts(ctx, 0)); c[store.JobQueued] != 6 {
		t.Fatalf("everyone's JobCounts = %v, want 6 queued", c)
	}

	claim := func(worker string) store.Job {
		t.Helper()
		return must[store.Job](t)(db.Claim(ctx, worker, []string{"process", "embed", "describe"}, time.Minute))
	}
	a := claim("w1")
	noErr(t, db.Complete(ctx, a.ID, "w1"))
	b := claim("w1")
	noErr(t, db.Fail(ctx, b.ID, "w1", "try again", 0, false))
	c := claim("w1")
	noErr(t, db.Fail(ctx, c.ID, "w1", "corrupt", 0, true))
	d := claim("w1")
	noErr(t, db.Snooze(ctx, d.ID, "w1", "budget", 0))
	noErr(t, db.Heartbeat(ctx, claim("w2").ID, "w2", time.Minute))
	wantExactCounts(t, db, "after claims, outcomes and a heartbeat")
	if n := must[int](t)(db.ReleaseWorker(ctx, "w2")); n != 1 {
		t.Fatalf("released %d", n)
	}
	noErr(t, db.RetryJob(ctx, f.user.ID, c.ID))
	wantExactCounts(t, db, "after release and retry")
	if err := db.Complete(ctx, a.ID, "w1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("completing a job twice: %v", err)
	}
	wantExactCounts(t, db, "after a refused complete")

	_, err = db.DeleteSource(ctx, f.user.ID, f.source.ID)
	noErr(t, err)
	wantExactCounts(t, db, "after deleting a source")

	// A deleted user's jobs and counters go together.
	_, err = db.SQL().ExecContext(ctx, "DELETE FROM users WHERE id = $1", g.user.ID)
	noErr(t, err)
	wantExactCounts(t, db, "after deleting a user")
}

// testListenJobs: a change to a user's jobs reaches ListenJobs with the
// user's id.
func testListenJobs(t *testing.T, db *store.DB) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	f := newFixture(t, db, "a@example.com")
	heard := make(chan int64, 100)
	done := make(chan error, 1)
	ready := make(chan struct{})
	go func() { done <- db.ListenJobs(ctx, func() { close(ready) }, func(uid int64) { heard <- uid }) }()
	select {
	case <-ready:
	case <-time.After(30 * time.Second):
		t.Fatal("ListenJobs never listened")
	}
	// The listener connects in its own time: change jobs until it hears,
	// within a generous bound (this waits, it asserts no timing).
	deadline := time.After(30 * time.Second)
	for i := 0; ; i++ {
		_, _, err := db.Enqueue(ctx, store.Job{UserID: f.user.ID, Kind: "k", DedupeKey: fmt.Sprint("listen", i)})
		noErr(t, err)
		select {
		case uid := <-heard:
			if uid != f.user.ID {
				t.Fatalf("heard user %d, want %d", uid, f.user.ID)
			}
		case <-time.After(100 * time.Millisecond):
			continue
		case <-deadline:
			t.Fatal("ListenJobs heard nothing")
		}
		break
	}
	for len(heard) > 0 {
		<-heard
	}
	// A claim and a complete are heard too; a heartbeat changes no state.
	j := must[store.Job](t)(db.Claim(ctx, "w", []string{"k"}, time.Minute))
	if uid := <-heard; uid != f.user.ID {
		t.Fatalf("claim: heard user %d", uid)
	}
	noErr(t, db.Complete(ctx, j.ID, "w"))
	if uid := <-heard; uid != f.user.ID {
		t.Fatalf("complete: heard user %d", uid)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("ListenJobs returned %v after its context ended", err)
	}
}

// testJobPrune: finished jobs older than the cutoff leave the jobs table
// in batches and live on in the done count; failures stay until dismissed
// or retried, however old; queued and running jobs are never pruned.
func testJobPrune(t *testing.T, db *store.DB, clock *Clock) {
	ctx := t.Context()
	f := newFixture(t, db, "a@example.com")
	g := newFixture(t, db, "b@example.com")
	var ids []int64
	for i := range 7 {
		j, _, err := db.Enqueue(ctx, store.Job{UserID: f.user.ID, Kind: "process", DedupeKey: fmt.Sprint("p", i), MaxAttempts: 1})
		noErr(t, err)
		ids = append(ids, j.ID)
	}
	_, _, err := db.Enqueue(ctx, store.Job{UserID: g.user.ID, Kind: "process", DedupeKey: "g"})
	noErr(t, err)
	finish := func(n int, fail bool) {
		t.Helper()
		for range n {
			j := must[store.Job](t)(db.Claim(ctx, "w", []string{"process"}, time.Minute))
			if fail {
				noErr(t, db.Fail(ctx, j.ID, "w", "corrupt", 0, true))
			} else {
				noErr(t, db.Complete(ctx, j.ID, "w"))
			}
		}
	}
	finish(3, false) // done at t0
	finish(1, true)  // failed at t0
	old := clock.Now()
	clock.Advance(time.Hour)
	finish(1, false) // done at t0+1h
	finish(1, true)  // failed at t0+1h
	// left: one of f's jobs queued
	before := must[map[string]int](t)(db.JobCounts(ctx, f.user.ID))
	if before[store.JobDone] != 4 || before[store.JobFailed] != 2 || before[store.JobQueued] != 1 {
		t.Fatalf("counts before pruning %v", before)
	}

	cutoff := old.Add(30 * time.Minute)
	if n := must[int](t)(db.PruneJobs(ctx, cutoff, 2)); n != 2 {
		t.Fatalf("first batch pruned %d, want 2", n)
	}
	if n := must[int](t)(db.PruneJobs(ctx, cutoff, 2)); n != 1 {
		t.Fatalf("second batch pruned %d, want the 1 left", n)
	}
	if n := must[int](t)(db.PruneJobs(ctx, cutoff, 2)); n != 0 {
		t.Fatalf("third batch pruned %d, want 0", n)
	}
	wantExactCounts(t, db, "after pruning")
	after := must[map[string]int](t)(db.JobCounts(ctx, f.user.ID))
	if !maps.Equal(before, after) {
		t.Fatalf("pruning changed the counts: %v → %v", before, after)
	}
	if l := must[[]store.Job](t)(db.Jobs(ctx, f.user.ID, store.JobDone, 10)); len(l) != 1 {
		t.Fatalf("%d done jobs listed after pruning, want the 1 after the cutoff", len(l))
	}
	if c := must[map[string]int](t)(db.JobCounts(ctx, 0)); c[store.JobDone] != 4 {
		t.Fatalf("everyone's done count after pruning: %v", c)
	}

	// A year on, everything finished goes — but not failures, nor waiting work.
	clock.Advance(365 * 24 * time.Hour)
	if n := must[int](t)(db.PruneJobs(ctx, clock.Now(), 100)); n != 1 {
		t.Fatalf("pruned %d a year on, want the last done job", n)
	}
	failed := must[[]store.Job](t)(db.Jobs(ctx, f.user.ID, store.JobFailed, 10))
	if len(failed) != 2 {
		t.Fatalf("%d failures left after pruning everything old, want 2", len(failed))
	}
	if c := must[map[string]int](t)(db.JobCounts(ctx, f.user.ID)); c[store.JobQueued] != 1 || c[store.JobDone] != 4 {
		t.Fatalf("counts a year on %v", c)
	}

	// Dismissing: only the user's own failed jobs.
	wantNotFound(t, db.DismissJob(ctx, g.user.ID, failed[0].ID), "dismiss another user's job")
	queued := must[[]store.Job](t)(db.Jobs(ctx, f.user.ID, store.JobQueued, 10))
	wantNotFound(t, db.DismissJob(ctx, f.user.ID, queued[0].ID), "dismiss a queued job")
	noErr(t, db.DismissJob(ctx, f.user.ID, failed[0].ID))
	wantNotFound(t, db.DismissJob(ctx, f.user.ID, failed[0].ID), "dismiss a job twice")
	noErr(t, db.RetryJob(ctx, f.user.ID, failed[1].ID))
	if c := must[map[string]int](t)(db.JobCounts(ctx, f.user.ID)); c[store.JobFailed] != 0 || c[store.JobQueued] != 2 {
		t.Fatalf("counts after a dismiss and a retry %v", c)
	}
	wantExactCounts(t, db, "after dismissing")
	var done, dismissed int
	noErr(t, db.SQL().QueryRowContext(ctx, "SELECT SUM(done), SUM(failed) FROM job_history WHERE user_id = $1", f.user.ID).Scan(&done, &dismissed))
	if done != 4 || dismissed != 1 {
		t.Fatalf("history holds %d done and %d dismissed, want 4 and 1", done, dismissed)
	}

	// Pruners of several processes at once share the work.
	for i := range 30 {
		_, _, err := db.Enqueue(ctx, store.Job{UserID: g.user.ID, Kind: "embed", DedupeKey: fmt.Sprint("e", i)})
		noErr(t, err)
	}
	for range 30 {
		j := must[store.Job](t)(db.Claim(ctx, "w", []string{"embed"}, time.Minute))
		noErr(t, db.Complete(ctx, j.ID, "w"))
	}
	clock.Advance(time.Hour)
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for range 3 {
		wg.Go(func() {
			for {
				n, err := db.PruneJobs(ctx, clock.Now(), 4)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				total += n
				mu.Unlock()
				if n == 0 {
					return
				}
			}
		})
	}
	wg.Wait()
	if total != 30 {
		t.Fatalf("three pruners pruned %d, want 30", total)
	}
	wantExactCounts(t, db, "after concurrent pruning")
	if c := must[map[string]int](t)(db.JobCounts(ctx, g.user.ID)); c[store.JobDone] != 30 {
		t.Fatalf("g's done count after concurrent pruning %v", c)
	}
}
