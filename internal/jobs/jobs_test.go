package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/jobs"
	"github.com/targetvision/targetvision/internal/store"
	"github.com/targetvision/targetvision/internal/store/storetest"
)

func setup(t *testing.T) (*store.DB, store.User) {
	db := storetest.OpenSQLite(t, store.Options{})
	u, err := db.EnsureDefaultUser(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return db, u
}

func fast() jobs.Config {
	return jobs.Config{Workers: 2, Poll: 5 * time.Millisecond, BackoffBase: time.Millisecond, BackoffMax: 2 * time.Millisecond, Lease: time.Minute}
}

func TestOutcomes(t *testing.T) {
	t.Parallel()
	db, u := setup(t)
	ctx := t.Context()
	enq := func(kind string, max int) int64 {
		j, _, err := db.Enqueue(ctx, store.Job{UserID: u.ID, Kind: kind, MaxAttempts: max})
		if err != nil {
			t.Fatal(err)
		}
		return j.ID
	}
	ok := enq("ok", 3)
	flaky := enq("flaky", 5)
	broken := enq("broken", 3)
	corrupt := enq("corrupt", 5)
	panics := enq("panic", 5)
	waiting := enq("wait", 5)

	var flakyRuns, brokenRuns atomic.Int32
	var events sync.Map
	cfg := fast()
	cfg.OnEvent = func(e jobs.Event) { events.Store(fmt.Sprint(e.Job.ID, e.State), true) }
	r := jobs.New(db, cfg)
	r.Handle("ok", func(context.Context, store.Job) error { return nil })
	r.Handle("flaky", func(context.Context, store.Job) error {
		if flakyRuns.Add(1) < 3 {
			return errors.New("try again")
		}
		return nil
	})
	r.Handle("broken", func(context.Context, store.Job) error { brokenRuns.Add(1); return errors.New("always") })
	r.Handle("corrupt", func(context.Context, store.Job) error { return jobs.Permanent(errors.New("bad jpeg")) })
	r.Handle("panic", func(context.Context, store.Job) error { panic("boom") })
	r.Handle("wait", func(context.Context, store.Job) error { return jobs.Snooze(errors.New("no key"), time.Hour) })

	// Retries back off by milliseconds here; keep running until all settle.
	deadline := time.Now().Add(10 * time.Second)
	for {
		if err := r.RunUntilIdle(ctx); err != nil {
			t.Fatal(err)
		}
		c, _ := db.JobCounts(ctx, u.ID)
		if c[store.JobQueued] == 1 || time.Now().After(deadline) { // only the snoozed job
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	want := map[int64]struct {
		state    string
		attempts int
	}{
		ok: {store.JobDone, 1}, flaky: {store.JobDone, 3}, broken: {store.JobFailed, 3},
		corrupt: {store.JobFailed, 1}, panics: {store.JobFailed, 1}, waiting: {store.JobQueued, 0},
	}
	for id, w := range want {
		j, err := db.Job(ctx, u.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		if j.State != w.state || j.Attempts != w.attempts {
			t.Errorf("job %s: state %s attempts %d, want %s %d (%s)", j.Kind, j.State, j.Attempts, w.state, w.attempts, j.LastError)
		}
	}
	if brokenRuns.Load() != 3 {
		t.Errorf("broken ran %d times, want 3 (max attempts)", brokenRuns.Load())
	}
	if _, ok := events.Load(fmt.Sprint(corrupt, store.JobFailed)); !ok {
		t.Error("no failed event for the permanent error")
	}
}

// TestShutdownReleases cancels the runner while a job runs: the job goes
// back to the queue without losing an attempt and another runner finishes it.
func TestShutdownReleases(t *testing.T) {
	t.Parallel()
	db, u := setup(t)
	j, _, _ := db.Enqueue(t.Context(), store.Job{UserID: u.ID, Kind: "slow"})
	ctx, cancel := context.WithCancel(t.Context())
	started := make(chan struct{})
	r := jobs.New(db, fast())
	r.Handle("slow", func(ctx context.Context, _ store.Job) error {
		close(started)
		<-ctx.Done()
		return ctx.Err()
	})
	done := make(chan error)
	go func() { done <- r.Run(ctx) }()
	<-started
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	got, _ := db.Job(t.Context(), u.ID, j.ID)
	if got.State != store.JobQueued || got.Attempts != 0 {
		t.Fatalf("after shutdown: %+v", got)
	}
	r2 := jobs.New(db, fast())
	r2.Handle("slow", func(context.Context, store.Job) error { return nil })
	if err := r2.RunUntilIdle(t.Context()); err != nil {
		t.Fatal(err)
	}
	got, _ = db.Job(t.Context(), u.ID, j.ID)
	if got.State != store.JobDone || got.Attempts != 1 {
		t.Fatalf("after restart: %+v", got)
	}
}

// TestReclaimOrphans: a job held by a dead process of this host is handed
// back at once; one held by a live process (or another host) waits for its lease.
func TestReclaimOrphans(t *testing.T) {
	t.Parallel()
	db, u := setup(t)
	ctx := t.Context()
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	holders := []string{
		fmt.Sprintf("%s/%d/x", host, dead.Process.Pid),  // dead: reclaimed
		fmt.Sprintf("%s/%d/y", host, os.Getppid()),      // alive: kept
		fmt.Sprintf("elsewhere/%d/z", dead.Process.Pid), // another host: kept
	}
	for _, h := range holders {
		db.Enqueue(ctx, store.Job{UserID: u.ID, Kind: "k"})
		if _, err := db.Claim(ctx, h, []string{"k"}, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	r := jobs.New(db, fast())
	n, err := r.ReclaimOrphans(ctx)
	if err != nil || n != 1 {
		t.Fatalf("reclaimed %d (%v), want 1", n, err)
	}
	if c, _ := db.JobCounts(ctx, u.ID); c[store.JobQueued] != 1 || c[store.JobRunning] != 2 {
		t.Fatalf("counts after reclaim: %v", c)
	}
}

// TestRunBatch: a batch handler's outcomes are settled job by job with the
// same rules as single jobs — done, snoozed (no attempt counted), retried,
// failed for good — and a panicking handler fails its whole batch.
func TestRunBatch(t *testing.T) {
	t.Parallel()
	db, u := setup(t)
	ctx := t.Context()
	var ids []int64
	for range 5 {
		j, _, err := db.Enqueue(ctx, store.Job{UserID: u.ID, Kind: "describe", MaxAttempts: 3})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, j.ID)
	}
	var events sync.Map
	cfg := fast()
	cfg.OnEvent = func(e jobs.Event) { events.Store(e.Job.ID, e.State) }
	r := jobs.New(db, cfg)
	var got []int64
	n, err := r.RunBatch(ctx, "describe", 4, func(_ context.Context, js []store.Job) []error {
		for _, j := range js {
			got = append(got, j.ID)
		}
		return []error{nil, jobs.Snooze(errors.New("budget"), time.Hour), errors.New("flaky"), jobs.Permanent(errors.New("corrupt"))}
	})
	if err != nil || n != 4 || len(got) != 4 {
		t.Fatalf("RunBatch ran %d (%v) of the limit 4: %v", n, err, got)
	}
	want := []struct {
		state    string
		attempts int
		event    string
	}{{store.JobDone, 1, store.JobDone}, {store.JobQueued, 0, "snoozed"}, {store.JobQueued, 1, "retry"}, {store.JobFailed, 1, store.JobFailed}}
	for i, w := range want {
		j, err := db.Job(ctx, u.ID, got[i])
		ev, _ := events.Load(got[i])
		if err != nil || j.State != w.state || j.Attempts != w.attempts || ev != w.event {
			t.Errorf("job %d: %s after %d attempts, event %v (%v); want %s after %d, event %s", i, j.State, j.Attempts, ev, err, w.state, w.attempts, w.event)
		}
	}

	// A handler that panics, or miscounts, fails its batch for good.
	if _, err := r.RunBatch(ctx, "describe", 10, func(context.Context, []store.Job) []error { panic("boom") }); err != nil {
		t.Fatal(err)
	}
	if j, _ := db.Job(ctx, u.ID, ids[4]); j.State != store.JobFailed {
		t.Errorf("after a panicking batch the job is %s", j.State)
	}
}

// TestRunBatchInterrupted: a batch cut short by shutdown goes back to the
// queue without an attempt counted.
func TestRunBatchInterrupted(t *testing.T) {
	t.Parallel()
	db, u := setup(t)
	j, _, err := db.Enqueue(t.Context(), store.Job{UserID: u.ID, Kind: "describe", MaxAttempts: 3})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	r := jobs.New(db, fast())
	r.RunBatch(ctx, "describe", 10, func(hctx context.Context, js []store.Job) []error {
		cancel()
		<-hctx.Done()
		return []error{hctx.Err()}
	})
	got, err := db.Job(t.Context(), u.ID, j.ID)
	if err != nil || got.State != store.JobQueued || got.Attempts != 0 {
		t.Fatalf("interrupted batch job: %s after %d attempts (%v), want queued, 0", got.State, got.Attempts, err)
	}
}

// BenchmarkQueue measures the queue's round trip — enqueue, claim, run an
// empty handler, complete — with the runner's two workers, on each store:
// the cost the job machinery adds to every photo (four jobs each).
func BenchmarkQueue(b *testing.B) {
	for _, st := range []struct {
		name string
		open func(testing.TB, store.Options) *store.DB
	}{{"sqlite", storetest.OpenSQLite}, {"postgres", storetest.OpenPostgres}} {
		b.Run(st.name, func(b *testing.B) {
			db := st.open(b, store.Options{})
			u, err := db.EnsureDefaultUser(b.Context())
			if err != nil {
				b.Fatal(err)
			}
			r := jobs.New(db, jobs.Config{Workers: 2, Poll: time.Millisecond})
			r.Handle("noop", func(context.Context, store.Job) error { return nil })
			b.ResetTimer()
			for i := range b.N {
				if _, _, err := db.Enqueue(b.Context(), store.Job{UserID: u.ID, Kind: "noop", PhotoID: int64(i + 1)}); err != nil {
					b.Fatal(err)
				}
			}
			if err := r.RunUntilIdle(b.Context()); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "jobs/s")
		})
	}
}

// TestHandleWhileRunning: a kind registered after Run started (an embed
// handler once a CLIP model is installed on a running server) is claimed
// from the next poll on; until then its jobs stay queued.
func TestHandleWhileRunning(t *testing.T) {
	t.Parallel()
	db, u := setup(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	late, _, err := db.Enqueue(ctx, store.Job{UserID: u.ID, Kind: "late"})
	if err != nil {
		t.Fatal(err)
	}
	early, _, err := db.Enqueue(ctx, store.Job{UserID: u.ID, Kind: "early"})
	if err != nil {
		t.Fatal(err)
	}
	r := jobs.New(db, fast())
	earlyDone := make(chan struct{})
	r.Handle("early", func(context.Context, store.Job) error { close(earlyDone); return nil })
	done := make(chan error)
	go func() { done <- r.Run(ctx) }()
	<-earlyDone
	if j, _ := db.Job(ctx, u.ID, late.ID); j.State != store.JobQueued {
		t.Fatalf("a job without a handler ran: %+v", j)
	}
	ran := make(chan struct{})
	r.Handle("late", func(context.Context, store.Job) error { close(ran); return nil })
	select {
	case <-ran:
	case <-time.After(30 * time.Second):
		t.Fatal("a handler registered while running never got its job")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if j, _ := db.Job(t.Context(), u.ID, early.ID); j.State != store.JobDone {
		t.Errorf("early job: %+v", j)
	}
}
