// Package ratelimittest is the conformance suite of ratelimit.Buckets: the
// in-process buckets and the store's shared ones must answer every step of
// it alike, on a clock the test moves.
package ratelimittest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/ratelimit"
)

// Clock is a fake clock safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock starts a clock at a fixed instant.
func NewClock() *Clock { return &Clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)} }

// Now is the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Advance moves the clock on.
func (c *Clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// Opener returns fresh, empty buckets reading the given clock.
type Opener func(t *testing.T, now func() time.Time) ratelimit.Buckets

// Run runs the suite against the buckets open makes.
func Run(t *testing.T, open Opener) {
	t.Run("BurstAndRefill", func(t *testing.T) { t.Parallel(); burstAndRefill(t, open) })
	t.Run("Reserve", func(t *testing.T) { t.Parallel(); reserve(t, open) })
	t.Run("Hold", func(t *testing.T) { t.Parallel(); hold(t, open) })
	t.Run("Concurrent", func(t *testing.T) { t.Parallel(); concurrent(t, open) })
}

func take(t *testing.T, b ratelimit.Buckets, key string, l ratelimit.Limit) (bool, time.Duration) {
	t.Helper()
	ok, wait, err := b.Take(t.Context(), key, l)
	if err != nil {
		t.Fatalf("take %s: %v", key, err)
	}
	return ok, wait
}

func burstAndRefill(t *testing.T, open Opener) {
	clock := NewClock()
	b := open(t, clock.Now)
	l := ratelimit.Limit{Every: 2 * time.Second, Burst: 3}
	for i := range 3 {
		if ok, _ := take(t, b, "a", l); !ok {
			t.Fatalf("request %d within the burst refused", i+1)
		}
	}
	if ok, wait := take(t, b, "a", l); ok || wait != 2*time.Second {
		t.Fatalf("after the burst: ok=%v wait=%v, want refused with 2s", ok, wait)
	}
	if ok, _ := take(t, b, "b", l); !ok {
		t.Fatal("another key shares the first key's budget")
	}
	clock.Advance(time.Second)
	if ok, wait := take(t, b, "a", l); ok || wait != time.Second {
		t.Fatalf("half a refill later: ok=%v wait=%v, want refused with 1s (refusals must not spend tokens)", ok, wait)
	}
	clock.Advance(time.Second)
	if ok, _ := take(t, b, "a", l); !ok {
		t.Fatal("refused after a full refill period")
	}
	if ok, _ := take(t, b, "a", l); ok {
		t.Fatal("a second token after one refill period")
	}
	if err := b.Reset(t.Context(), "a"); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if ok, _ := take(t, b, "a", l); !ok {
			t.Fatalf("request %d after Reset refused", i+1)
		}
	}
	// A long quiet spell saves up the burst, never more.
	clock.Advance(time.Hour)
	for i := range 3 {
		if ok, _ := take(t, b, "a", l); !ok {
			t.Fatalf("request %d after an hour refused", i+1)
		}
	}
	if ok, _ := take(t, b, "a", l); ok {
		t.Fatal("an hour's wait saved up more than the burst")
	}
	if err := b.Reset(t.Context(), "never-seen"); err != nil {
		t.Fatalf("reset of an unknown key: %v", err)
	}
	if _, _, err := b.Take(t.Context(), "a", ratelimit.Limit{}); err == nil {
		t.Fatal("a zero interval was accepted")
	}
}

func reserve(t *testing.T, open Opener) {
	clock := NewClock()
	b := open(t, clock.Now)
	l := ratelimit.Limit{Every: 600 * time.Millisecond, Burst: 1} // 100 a minute
	var waits []time.Duration
	for range 4 {
		w, err := b.Reserve(t.Context(), "acct", l)
		if err != nil {
			t.Fatal(err)
		}
		waits = append(waits, w)
	}
	want := []time.Duration{0, 600 * time.Millisecond, 1200 * time.Millisecond, 1800 * time.Millisecond}
	if fmt.Sprint(waits) != fmt.Sprint(want) {
		t.Fatalf("reservations wait %v, want %v: each waits its turn", waits, want)
	}
	// Reservations take the tokens Take would have found.
	if ok, wait := take(t, b, "acct", l); ok || wait != 2400*time.Millisecond {
		t.Fatalf("take after reservations: ok=%v wait=%v, want refused with 2.4s", ok, wait)
	}
	clock.Advance(time.Minute)
	if w, err := b.Reserve(t.Context(), "acct", l); err != nil || w != 0 {
		t.Fatalf("reserve after a quiet minute waits %v (%v), want 0", w, err)
	}
}

func hold(t *testing.T, open Opener) {
	clock := NewClock()
	b := open(t, clock.Now)
	l := ratelimit.Limit{Every: time.Second, Burst: 5}
	until := clock.Now().Add(30 * time.Second)
	if err := b.Hold(t.Context(), "acct", l, until); err != nil {
		t.Fatal(err)
	}
	if ok, wait := take(t, b, "acct", l); ok || wait != 30*time.Second {
		t.Fatalf("take during a hold: ok=%v wait=%v, want refused with 30s", ok, wait)
	}
	if w, err := b.Reserve(t.Context(), "acct", l); err != nil || w != 30*time.Second {
		t.Fatalf("reserve during a hold waits %v (%v), want 30s", w, err)
	}
	// An earlier hold does not shorten a later one.
	if err := b.Hold(t.Context(), "acct", l, clock.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	clock.Advance(31 * time.Second)
	if ok, _ := take(t, b, "acct", l); !ok {
		t.Fatal("refused after the hold ended")
	}
	if ok, _ := take(t, b, "acct", l); ok {
		t.Fatal("a bucket held empty saved up a burst meanwhile")
	}
}

// concurrent: many goroutines taking from one bucket at one instant get
// exactly the burst between them — the take is atomic.
func concurrent(t *testing.T, open Opener) {
	clock := NewClock()
	b := open(t, clock.Now)
	l := ratelimit.Limit{Every: time.Minute, Burst: 7}
	var mu sync.Mutex
	granted := 0
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 5 {
				ok, _, err := b.Take(t.Context(), "shared", l)
				if err != nil {
					t.Error(err)
					return
				}
				if ok {
					mu.Lock()
					granted++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if granted != l.Burst {
		t.Fatalf("40 concurrent takes got %d tokens, want the burst of %d", granted, l.Burst)
	}
}
