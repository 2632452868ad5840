package claude_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/claude"
	"github.com/targetvision/targetvision/internal/claude/claudetest"
)

// 500 photos through the Batches API, the process killed while polling, a
// new Describer on the same ledger resumes the same batches: one submission,
// every photo billed once, at half price, costs matching the fake to the cent.
func TestDescribeBatch500CrashAndResume(t *testing.T) {
	t.Parallel()
	fake := claudetest.New(t, claudetest.Options{BatchProcessing: 30 * time.Minute})
	ledger := claude.NewMemLedger()
	paths := tinyPhotos(t, 500)
	reqs := requests("u1", paths)
	// Two photos repeat earlier ones (a second source holding the same files).
	reqs = append(reqs, claude.Request{UserID: "u1", Path: paths[7]}, claude.Request{UserID: "u1", Path: paths[499]})

	d1, _ := newDescriber(t, fake, func(c *claude.Config) { c.Ledger = ledger; c.MaxBatchSize = 200 })
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan []claude.Outcome)
	go func() { done <- d1.DescribeBatch(ctx, reqs) }()
	waitUntil(t, "the batch to be polled", func() bool { return fake.Stats().BatchGets > 0 })
	cancel() // killed while polling
	for _, o := range <-done {
		if !errors.Is(o.Err, context.Canceled) {
			t.Fatalf("photo %d: err = %v, want context.Canceled", o.Index, o.Err)
		}
	}
	pending, err := ledger.PendingBatches(t.Context(), "u1")
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 3 {
		t.Fatalf("%d pending batches in the ledger, want 3 (500 in chunks of 200)", len(pending))
	}

	fake.Advance(31 * time.Minute) // the batches end while nobody watches
	d2, _ := newDescriber(t, fake, func(c *claude.Config) { c.Ledger = ledger; c.MaxBatchSize = 200 })
	outs := d2.DescribeBatch(t.Context(), reqs)
	var sum float64
	for _, o := range outs {
		i := o.Index % 500
		if o.Index == 500 {
			i = 7
		} else if o.Index == 501 {
			i = 499
		}
		if o.Err != nil {
			t.Fatalf("photo %d: %v", o.Index, o.Err)
		}
		r := o.Result
		if !has(r.Keywords, toneOf(i)) {
			t.Fatalf("photo %d got another photo's answer: %v", o.Index, r.Keywords)
		}
		if r.Mode != claude.ModeBatch || r.BatchID == "" || r.Attempts != 1 {
			t.Errorf("photo %d: mode %v batch %q attempts %d", o.Index, r.Mode, r.BatchID, r.Attempts)
		}
		if o.Index < 500 {
			sum += r.CostUSD
		}
	}
	st := fake.Stats()
	if st.BatchCreates != 3 || st.BatchRequests != 500 || st.BatchSucceeded != 500 || st.Answered != 0 {
		t.Errorf("creates %d, requests %d, succeeded %d, direct %d; want 3, 500, 500, 0",
			st.BatchCreates, st.BatchRequests, st.BatchSucceeded, st.Answered)
	}
	per := fake.PerImage()
	if len(per) != 500 {
		t.Errorf("%d distinct images billed, want 500", len(per))
	}
	for h, n := range per {
		if n != 1 {
			t.Errorf("image %s billed %d times", h[:12], n)
		}
	}
	want := fakeCost(st, mustPrice(t, claude.DefaultModel))
	spent, _ := ledger.Spent(t.Context(), "u1", time.Time{})
	if math.Abs(sum-want) > 1e-9 || math.Abs(spent-want) > 1e-9 || cents(spent) != cents(want) {
		t.Errorf("results sum $%.6f, ledger $%.6f, fake usage × batch price $%.6f", sum, spent, want)
	}
	if pending, _ := ledger.PendingBatches(t.Context(), "u1"); len(pending) != 0 {
		t.Errorf("%d batches still pending", len(pending))
	}
	// Everything is in the ledger now: a third run pays nothing.
	again := d2.DescribeBatch(t.Context(), reqs[:50])
	for _, o := range again {
		if o.Err != nil || !o.Result.FromLedger {
			t.Fatalf("rerun: %+v", o)
		}
	}
	if fake.Stats().BatchCreates != 3 {
		t.Error("a rerun submitted a new batch")
	}
}

// Entries that come back errored, expired or canceled fail individually
// with a typed error; a malformed entry is retried once in a second batch.
func TestDescribeBatchPerEntryOutcomes(t *testing.T) {
	t.Parallel()
	fake := claudetest.New(t, claudetest.Options{PollAdvance: 4 * time.Minute})
	kinds := map[int]string{1: "errored", 2: "expired", 3: "canceled"}
	fake.BatchFault(func(i int) string { return kinds[i] })
	fake.Malform(1)                             // the first entry answered (index 0) is malformed
	fake.Fail(3, claudetest.Fault{Status: 529}) // the first submission meets an overload storm
	ledger := claude.NewMemLedger()
	d, sl := newDescriber(t, fake, func(c *claude.Config) { c.Ledger = ledger })
	outs := d.DescribeBatch(t.Context(), requests("u", tinyPhotos(t, 8)))
	for _, o := range outs {
		kind, failed := kinds[o.Index]
		if !failed {
			if o.Err != nil {
				t.Errorf("photo %d: %v", o.Index, o.Err)
			} else if !has(o.Result.Keywords, toneOf(o.Index)) {
				t.Errorf("photo %d mapped wrongly", o.Index)
			}
			continue
		}
		var ie *claude.BatchItemError
		if !errors.As(o.Err, &ie) || ie.Kind != kind || !ie.Retryable() {
			t.Errorf("photo %d: err = %v, want retryable %s", o.Index, o.Err, kind)
		}
	}
	if r := outs[0].Result; r.Attempts != 2 || r.Usage.InputTokens == 0 {
		t.Errorf("malformed entry: attempts %d", r.Attempts)
	}
	st := fake.Stats()
	if st.BatchCreates != 2 || st.BatchRequests != 9 {
		t.Errorf("%d batches with %d requests, want 2 with 9 (8 + one retry)", st.BatchCreates, st.BatchRequests)
	}
	spent, _ := ledger.Spent(t.Context(), "u", time.Time{})
	if want := fakeCost(st, mustPrice(t, claude.DefaultModel)); math.Abs(spent-want) > 1e-9 {
		t.Errorf("spent $%.6f, fake usage × batch price $%.6f", spent, want)
	}
	// Three backoffs for the storm, then polls back off: 1s, 1.5s, 2.25s …
	waits := sl.all()
	if len(waits) < 5 || waits[0] > time.Second || waits[3] != time.Second || waits[4] != 1500*time.Millisecond {
		t.Errorf("poll waits %v", waits)
	}
}

// The budget trims a batch before submission: only what fits is sent.
func TestDescribeBatchBudget(t *testing.T) {
	t.Parallel()
	fake := claudetest.New(t, claudetest.Options{PollAdvance: time.Hour})
	paths := tinyPhotos(t, 21)
	probe, _ := newDescriber(t, fake, nil)
	one := probe.DescribeBatch(t.Context(), requests("u", paths[20:]))
	if one[0].Err != nil {
		t.Fatal(one[0].Err)
	}
	per := one[0].Result.CostUSD
	d, _ := newDescriber(t, fake, func(c *claude.Config) { c.RunBudgetUSD = 5.5 * per })
	outs := d.DescribeBatch(t.Context(), requests("u", paths[:20]))
	ok, stopped := 0, 0
	for _, o := range outs {
		switch {
		case o.Err == nil:
			ok++
		case errors.Is(o.Err, claude.ErrBudgetExceeded):
			stopped++
		default:
			t.Errorf("photo %d: %v", o.Index, o.Err)
		}
	}
	if ok == 0 || ok > 5 || ok+stopped != 20 {
		t.Errorf("%d described, %d stopped", ok, stopped)
	}
	if got := fake.Stats().BatchRequests - 1; got != ok {
		t.Errorf("%d requests submitted for %d descriptions", got, ok)
	}
}

func TestDescribeAllSelectsMode(t *testing.T) {
	t.Parallel()
	fake := claudetest.New(t, claudetest.Options{PollAdvance: time.Hour})
	d, _ := newDescriber(t, fake, func(c *claude.Config) { c.BatchThreshold = 5 })
	paths := tinyPhotos(t, 9)
	for _, o := range d.DescribeAll(t.Context(), requests("u", paths[:4]), claude.ModeAuto) {
		if o.Err != nil || o.Result.Mode != claude.ModeDirect {
			t.Errorf("4 photos: %+v", o)
		}
	}
	for _, o := range d.DescribeAll(t.Context(), requests("u", paths[4:]), claude.ModeAuto) {
		if o.Err != nil || o.Result.Mode != claude.ModeBatch {
			t.Errorf("5 photos: %+v", o)
		}
	}
	st := fake.Stats()
	if st.Answered != 4 || st.BatchRequests != 5 {
		t.Errorf("direct %d, batch %d", st.Answered, st.BatchRequests)
	}
}

// A pending batch the API no longer knows (deleted, past retention) is
// dropped instead of blocking every later run.
func TestResumeDropsVanishedBatch(t *testing.T) {
	t.Parallel()
	fake := claudetest.New(t, claudetest.Options{PollAdvance: time.Hour})
	ledger := claude.NewMemLedger()
	_ = ledger.SaveBatch(t.Context(), claude.PendingBatch{ID: "msgbatch_gone", UserID: "u",
		Items: []claude.PendingItem{{CustomID: "x-1", Attempt: 1}}})
	d, _ := newDescriber(t, fake, func(c *claude.Config) { c.Ledger = ledger })
	for _, o := range d.DescribeBatch(t.Context(), requests("u", tinyPhotos(t, 2))) {
		if o.Err != nil {
			t.Fatalf("photo %d: %v", o.Index, o.Err)
		}
	}
	if p, _ := ledger.PendingBatches(t.Context(), "u"); len(p) != 0 {
		t.Errorf("vanished batch still pending: %+v", p)
	}
}

// crashAfterSubmit is a ledger whose process dies right after the API
// accepted a batch, before its id could be saved.
type crashAfterSubmit struct {
	*claude.MemLedger
	cancel context.CancelFunc
}

func (l crashAfterSubmit) SaveBatch(ctx context.Context, b claude.PendingBatch) error {
	if strings.HasPrefix(b.ID, "msgbatch_") {
		l.cancel()
		return errors.New("killed")
	}
	return l.MemLedger.SaveBatch(ctx, b)
}

// Killed between the API's answer and saving the batch id: the write-ahead
// placeholder lets the next run adopt the batch from the API's list instead
// of paying for a second one.
func TestCrashBetweenSubmitAndSave(t *testing.T) {
	t.Parallel()
	fake := claudetest.New(t, claudetest.Options{PollAdvance: 30 * time.Minute})
	mem := claude.NewMemLedger()
	paths := tinyPhotos(t, 12)
	reqs := requests("u", paths[:10])

	// Another user's batch (another app, another ledger) in the same window.
	other, _ := newDescriber(t, fake, nil)
	other.DescribeBatch(t.Context(), requests("someone-else", paths[10:]))

	ctx, cancel := context.WithCancel(t.Context())
	d1, _ := newDescriber(t, fake, func(c *claude.Config) { c.Ledger = crashAfterSubmit{mem, cancel} })
	for _, o := range d1.DescribeBatch(ctx, reqs) {
		if !errors.Is(o.Err, context.Canceled) {
			t.Fatalf("photo %d: %v", o.Index, o.Err)
		}
	}
	pending, _ := mem.PendingBatches(t.Context(), "u")
	if len(pending) != 1 || !strings.HasPrefix(pending[0].ID, "submitting-") || len(pending[0].Items) != 10 {
		t.Fatalf("want one placeholder with 10 entries, got %+v", pending)
	}

	d2, _ := newDescriber(t, fake, func(c *claude.Config) { c.Ledger = mem })
	for _, o := range d2.DescribeBatch(t.Context(), reqs) {
		if o.Err != nil || !has(o.Result.Keywords, toneOf(o.Index)) {
			t.Fatalf("photo %d: %v", o.Index, o.Err)
		}
	}
	st := fake.Stats()
	if st.BatchCreates != 2 || st.BatchRequests != 12 {
		t.Errorf("%d batches / %d requests, want 2 / 12: the crashed batch was paid again", st.BatchCreates, st.BatchRequests)
	}
	if mem.Len() != 10 {
		t.Errorf("ledger holds %d results, want 10 (not the other user's 2)", mem.Len())
	}
	if pending, _ := mem.PendingBatches(t.Context(), "u"); len(pending) != 0 {
		t.Errorf("still pending: %+v", pending)
	}
}

// A placeholder whose submission never reached the API is dropped and the
// photos are sent again.
func TestPlaceholderWithoutBatch(t *testing.T) {
	t.Parallel()
	fake := claudetest.New(t, claudetest.Options{PollAdvance: time.Hour})
	mem := claude.NewMemLedger()
	paths := tinyPhotos(t, 3)
	_ = mem.SaveBatch(t.Context(), claude.PendingBatch{ID: "submitting-x", UserID: "u", SubmittedAt: fake.Now(),
		Items: []claude.PendingItem{{CustomID: "r1-1", Attempt: 1}}})
	d, _ := newDescriber(t, fake, func(c *claude.Config) { c.Ledger = mem })
	for _, o := range d.DescribeBatch(t.Context(), requests("u", paths)) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
	}
	if st := fake.Stats(); st.BatchCreates != 1 || st.BatchRequests != 3 {
		t.Errorf("%+v", st)
	}
	if pending, _ := mem.PendingBatches(t.Context(), "u"); len(pending) != 0 {
		t.Errorf("still pending: %+v", pending)
	}
}

type countingLedger struct {
	*claude.MemLedger
	spent *atomic.Int64
}

func (l countingLedger) Spent(ctx context.Context, userID string, since time.Time) (float64, error) {
	l.spent.Add(1)
	return l.MemLedger.Spent(ctx, userID, since)
}

// The monthly cap trims a batch too, reading the month's spend once.
func TestDescribeBatchMonthlyCap(t *testing.T) {
	t.Parallel()
	fake := claudetest.New(t, claudetest.Options{PollAdvance: time.Hour})
	paths := tinyPhotos(t, 21)
	probe, _ := newDescriber(t, fake, nil)
	per := probe.DescribeBatch(t.Context(), requests("u", paths[20:]))[0].Result.CostUSD
	mem := claude.NewMemLedger()
	_ = mem.Charge(t.Context(), "u", fake.Now(), 1-4.5*per) // room for about 4 photos
	l := countingLedger{mem, &atomic.Int64{}}
	d, _ := newDescriber(t, fake, func(c *claude.Config) { c.Ledger = l; c.MonthlyBudgetUSD = 1 })
	ok := 0
	for _, o := range d.DescribeBatch(t.Context(), requests("u", paths[:20])) {
		var be *claude.BudgetError
		switch {
		case o.Err == nil:
			ok++
		case !errors.As(o.Err, &be) || be.Scope != "month":
			t.Errorf("photo %d: %v", o.Index, o.Err)
		}
	}
	if ok == 0 || ok > 4 {
		t.Errorf("%d described under a cap with room for ~4", ok)
	}
	if n := l.spent.Load(); n != 1 {
		t.Errorf("Spent read %d times for one batch, want 1", n)
	}
	if spent, _ := mem.Spent(t.Context(), "u", time.Time{}); spent > 1+1e-12 {
		t.Errorf("spent $%.6f over the $1 cap", spent)
	}
}
