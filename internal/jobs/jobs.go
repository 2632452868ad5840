// Package jobs runs durable background work from the store's job queue:
// claim under a lease, heartbeat, complete, retry with exponential backoff,
// fail for good, and hand in-flight jobs back on shutdown. Several processes
// may run Runners against one Postgres; each job runs once at a time.
package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/targetvision/targetvision/internal/store"
)

// Queue is what the runner needs from the store.
type Queue interface {
	Claim(ctx context.Context, worker string, kinds []string, lease time.Duration) (store.Job, error)
	Complete(ctx context.Context, id int64, worker string) error
	Fail(ctx context.Context, id int64, worker, reason string, backoff time.Duration, permanent bool) error
	Snooze(ctx context.Context, id int64, worker, reason string, delay time.Duration) error
	Heartbeat(ctx context.Context, id int64, worker string, lease time.Duration) error
	ReleaseWorker(ctx context.Context, worker string) (int, error)
	RunningWorkers(ctx context.Context) ([]string, error)
}

// Handler does one job. Its error decides what happens next: nil completes
// the job; Permanent fails it for good; Snooze puts it back without counting
// an attempt; anything else is retried with backoff.
type Handler func(ctx context.Context, j store.Job) error

type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent marks an error that retrying cannot fix (a corrupt file).
func Permanent(err error) error { return permanentError{err} }

// IsPermanent reports whether err was marked Permanent.
func IsPermanent(err error) bool { var p permanentError; return errors.As(err, &p) }

type snoozeError struct {
	err   error
	delay time.Duration
}

func (e snoozeError) Error() string { return e.err.Error() }
func (e snoozeError) Unwrap() error { return e.err }

// Snooze marks a wait that is not the job's fault (rate limit, budget,
// missing credentials): the job runs again after delay, attempts unchanged.
func Snooze(err error, delay time.Duration) error { return snoozeError{err, delay} }

// Event reports one finished attempt, for progress bars and live UIs.
type Event struct {
	Job   store.Job
	State string // store.JobDone, store.JobFailed (for good), "retry" or "snoozed"
	Err   error
}

// Config tunes a Runner. Zero fields take the documented defaults.
type Config struct {
	// Workers is the number of jobs run at once. Default 2.
	Workers int
	// Lease is how long a claim holds before another worker may take the
	// job over; the runner heartbeats at a third of it. Default 2 minutes.
	Lease time.Duration
	// Poll is the idle wait between empty claims. Default 500ms.
	Poll time.Duration
	// BackoffBase and BackoffMax shape retries: base·2^(attempt-1) with
	// ±20% jitter, capped. Defaults 5s and 10m.
	BackoffBase, BackoffMax time.Duration
	// OnEvent, if set, is called after every attempt (from worker goroutines).
	OnEvent func(Event)
	Logger  *slog.Logger
}

// Runner claims and runs jobs of the kinds it has handlers for.
type Runner struct {
	q    Queue
	host string
	cfg  Config
	id   string

	mu       sync.RWMutex // guards handlers: Handle may run beside Run
	handlers map[string]Handler
}

// New makes a runner with a process-unique worker id.
func New(q Queue, cfg Config) *Runner {
	if cfg.Workers <= 0 {
		cfg.Workers = 2
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 2 * time.Minute
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 500 * time.Millisecond
	}
	if cfg.BackoffBase <= 0 {
		cfg.BackoffBase = 5 * time.Second
	}
	if cfg.BackoffMax <= 0 {
		cfg.BackoffMax = 10 * time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	host, _ := os.Hostname()
	b := make([]byte, 4)
	rand.Read(b)
	return &Runner{q: q, cfg: cfg, host: host, id: workerID(host, os.Getpid(), hex.EncodeToString(b)), handlers: map[string]Handler{}}
}

// workerID names a runner "host/pid/random", so a later process on the same
// host can tell that the holder of a job has died.
func workerID(host string, pid int, nonce string) string {
	return fmt.Sprintf("%s/%d/%s", host, pid, nonce)
}

// ReclaimOrphans hands back the jobs held by dead processes of this host
// (a killed `index` run, say) at once, instead of after their lease runs
// out. Holders on other hosts are left to their leases.
func (r *Runner) ReclaimOrphans(ctx context.Context) (int, error) {
	workers, err := r.q.RunningWorkers(ctx)
	if err != nil {
		return 0, fmt.Errorf("jobs: reclaim: %w", err)
	}
	total := 0
	for _, w := range workers {
		parts := strings.Split(w, "/")
		if len(parts) != 3 || parts[0] != r.host {
			continue
		}
		pid, err := strconv.Atoi(parts[1])
		if err != nil || pid == os.Getpid() || processAlive(pid) {
			continue
		}
		n, err := r.q.ReleaseWorker(ctx, w)
		if err != nil {
			return total, fmt.Errorf("jobs: reclaim from %s: %w", w, err)
		}
		total += n
	}
	if total > 0 {
		r.cfg.Logger.InfoContext(ctx, "reclaimed jobs of a dead process", "count", total)
	}
	return total, nil
}

// processAlive reports whether a process with this pid exists.
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// ID is the worker id this runner claims under.
func (r *Runner) ID() string { return r.id }

// Handle registers the handler of a job kind. Jobs of kinds without a
// handler stay queued (e.g. describe jobs while no API key is configured).
// It may be called while the runner runs: the workers claim the new kind
// from their next poll on (embed jobs once a CLIP model is installed on a
// running server).
func (r *Runner) Handle(kind string, h Handler) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.handlers[kind] = h
}

func (r *Runner) handler(kind string) Handler {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.handlers[kind]
}

func (r *Runner) kinds() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	ks := make([]string, 0, len(r.handlers))
	for k := range r.handlers {
		ks = append(ks, k)
	}
	return ks
}

// Run works until ctx is cancelled, then hands every job it still holds
// back to the queue (without counting the attempt) and returns.
func (r *Runner) Run(ctx context.Context) error {
	return r.run(ctx, false)
}

// RunUntilIdle works until no job of a handled kind is ready and none is
// running here, or ctx ends. Jobs waiting for a later retry stay queued.
func (r *Runner) RunUntilIdle(ctx context.Context) error {
	return r.run(ctx, true)
}

func (r *Runner) run(ctx context.Context, untilIdle bool) error {
	if _, err := r.ReclaimOrphans(ctx); err != nil {
		r.cfg.Logger.WarnContext(ctx, "reclaim orphaned jobs", "err", err)
	}
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		busy    int
		idleAll = make(chan struct{})
		once    sync.Once
	)
	for range r.cfg.Workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				j, err := r.q.Claim(ctx, r.id, r.kinds(), r.cfg.Lease)
				if errors.Is(err, store.ErrNoJob) {
					if untilIdle {
						mu.Lock()
						idle := busy == 0
						mu.Unlock()
						if idle {
							once.Do(func() { close(idleAll) })
							return
						}
					}
					sleep(ctx, r.cfg.Poll)
					continue
				}
				if err != nil {
					if ctx.Err() == nil {
						r.cfg.Logger.ErrorContext(ctx, "claim job", "err", err)
					}
					sleep(ctx, r.cfg.Poll)
					continue
				}
				mu.Lock()
				busy++
				mu.Unlock()
				r.runOne(ctx, j)
				mu.Lock()
				busy--
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	n, err := r.q.ReleaseWorker(context.WithoutCancel(ctx), r.id)
	if n > 0 {
		r.cfg.Logger.InfoContext(ctx, "released in-flight jobs", "count", n)
	}
	if err != nil {
		return fmt.Errorf("jobs: release: %w", err)
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func (r *Runner) runOne(ctx context.Context, j store.Job) {
	hctx, stop := r.heartbeat(ctx, []store.Job{j})
	err := r.safeCall(hctx, j)
	stop()
	r.settle(ctx, j, err)
}

// heartbeat keeps the leases of js while their handler runs, and returns
// the handler's context and the function that stops the heartbeat (and
// waits for it). A lost lease — another worker took a job over — cancels
// the handler's context: its work is no longer ours to finish.
func (r *Runner) heartbeat(ctx context.Context, js []store.Job) (context.Context, func()) {
	hctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(r.cfg.Lease / 3)
		defer t.Stop()
		for {
			select {
			case <-hctx.Done():
				return
			case <-t.C:
				for _, j := range js {
					if err := r.q.Heartbeat(hctx, j.ID, r.id, r.cfg.Lease); err != nil && hctx.Err() == nil {
						r.cfg.Logger.WarnContext(hctx, "heartbeat lost; stopping job", "job_id", j.ID, "kind", j.Kind, "err", err)
						cancel()
						return
					}
				}
			}
		}
	}()
	return hctx, func() { cancel(); <-done }
}

// settle records the outcome of one attempt of j — the one place that
// decides between complete, snooze, retry and failing for good — and
// reports it to OnEvent.
func (r *Runner) settle(ctx context.Context, j store.Job, err error) {
	log := r.cfg.Logger.With("job_id", j.ID, "kind", j.Kind, "attempt", j.Attempts)
	bg := context.WithoutCancel(ctx)
	ev := Event{Job: j, Err: err}
	var serr snoozeError
	switch {
	case err == nil:
		ev.State = store.JobDone
		err = r.q.Complete(bg, j.ID, r.id)
	case ctx.Err() != nil:
		// Shutting down: the job is released after the workers stop.
		return
	case errors.As(err, &serr):
		ev.State = "snoozed"
		log.InfoContext(ctx, "job waits", "reason", err.Error(), "delay", serr.delay)
		err = r.q.Snooze(bg, j.ID, r.id, err.Error(), serr.delay)
	default:
		permanent := IsPermanent(err) || j.Attempts >= j.MaxAttempts
		ev.State = "retry"
		if permanent {
			ev.State = store.JobFailed
		}
		log.WarnContext(ctx, "job failed", "err", err, "permanent", permanent)
		err = r.q.Fail(bg, j.ID, r.id, err.Error(), r.backoff(j.Attempts), permanent)
	}
	if err != nil {
		log.ErrorContext(ctx, "record job outcome", "err", err)
	}
	if r.cfg.OnEvent != nil {
		r.cfg.OnEvent(ev)
	}
}

// BatchHandler does several jobs of one kind together (a Message Batches
// request for many photos, say) and returns one outcome per job, in the
// order given, with Handler's meaning: nil completes, Permanent fails for
// good, Snooze waits, anything else is retried with backoff.
type BatchHandler func(ctx context.Context, js []store.Job) []error

// RunBatch claims up to limit ready jobs of kind, runs h on them all while
// heartbeating their leases, and settles each job's outcome exactly as Run
// settles one job's. It returns the number of jobs it ran. When ctx ends
// while h runs, the jobs go back to the queue without an attempt counted.
func (r *Runner) RunBatch(ctx context.Context, kind string, limit int, h BatchHandler) (int, error) {
	var js []store.Job
	defer func() {
		if ctx.Err() == nil {
			return
		}
		// Interrupted: hand the batch back, no attempt counted (the other
		// jobs this runner may hold are not ours to release).
		for _, j := range js {
			if err := r.q.Snooze(context.WithoutCancel(ctx), j.ID, r.id, "interrupted; resumes on the next run", 0); err != nil {
				r.cfg.Logger.ErrorContext(ctx, "hand back batch job", "job_id", j.ID, "err", err)
			}
		}
	}()
	for len(js) < limit {
		j, err := r.q.Claim(ctx, r.id, []string{kind}, r.cfg.Lease)
		if errors.Is(err, store.ErrNoJob) {
			break
		}
		if err != nil {
			for _, held := range js {
				r.settle(ctx, held, Snooze(err, 0))
			}
			return 0, fmt.Errorf("jobs: claim %s batch: %w", kind, err)
		}
		js = append(js, j)
	}
	if len(js) == 0 {
		return 0, nil
	}
	hctx, stop := r.heartbeat(ctx, js)
	outs := r.safeBatch(hctx, kind, js, h)
	stop()
	for i, j := range js {
		r.settle(ctx, j, outs[i])
	}
	return len(js), ctx.Err()
}

// safeBatch calls h, turning a panic — or an answer with the wrong number
// of outcomes — into a permanent failure of every job.
func (r *Runner) safeBatch(ctx context.Context, kind string, js []store.Job, h BatchHandler) (outs []error) {
	defer func() {
		if p := recover(); p != nil {
			outs = nil
			r.cfg.Logger.ErrorContext(ctx, "batch handler panicked", "kind", kind, "panic", p)
		}
		if len(outs) != len(js) {
			err := Permanent(fmt.Errorf("jobs: %s batch handler gave %d outcomes for %d jobs", kind, len(outs), len(js)))
			outs = make([]error, len(js))
			for i := range outs {
				outs[i] = err
			}
		}
	}()
	return h(ctx, js)
}

// safeCall turns a handler panic into a permanent failure instead of a
// crashed process.
func (r *Runner) safeCall(ctx context.Context, j store.Job) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = Permanent(fmt.Errorf("jobs: %s handler panicked: %v", j.Kind, p))
		}
	}()
	h := r.handler(j.Kind)
	if h == nil {
		return Permanent(fmt.Errorf("jobs: no handler for %q", j.Kind))
	}
	return h(ctx, j)
}

func (r *Runner) backoff(attempt int) time.Duration {
	d := float64(r.cfg.BackoffBase) * math.Pow(2, float64(max(attempt-1, 0)))
	d = math.Min(d, float64(r.cfg.BackoffMax))
	return time.Duration(d * (0.8 + 0.4*mrand.Float64()))
}
