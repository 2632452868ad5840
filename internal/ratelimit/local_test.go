package ratelimit_test

import (
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/ratelimit"
	"github.com/targetvision/targetvision/internal/ratelimit/ratelimittest"
)

func TestLocal(t *testing.T) {
	t.Parallel()
	ratelimittest.Run(t, func(t *testing.T, now func() time.Time) ratelimit.Buckets {
		return ratelimit.NewLocal(0, now)
	})
}

func TestLocalEvictsLeastRecentlyUsed(t *testing.T) {
	t.Parallel()
	clock := ratelimittest.NewClock()
	b := ratelimit.NewLocal(2, clock.Now)
	l := ratelimit.Limit{Every: time.Hour, Burst: 1}
	for _, k := range []string{"a", "b"} {
		if ok, _, _ := b.Take(t.Context(), k, l); !ok {
			t.Fatalf("first take of %s refused", k)
		}
	}
	b.Take(t.Context(), "a", l) // a is now the most recently used
	b.Take(t.Context(), "c", l) // evicts b
	if b.Len() != 2 {
		t.Fatalf("%d keys remembered, want 2", b.Len())
	}
	if ok, _, _ := b.Take(t.Context(), "b", l); !ok {
		t.Fatal("b was not evicted (its bucket is still empty)")
	}
	// b's return evicted a, the least recently used; c stays remembered.
	if ok, _, _ := b.Take(t.Context(), "c", l); ok {
		t.Fatal("c was evicted instead of a")
	}
	if ok, _, _ := b.Take(t.Context(), "a", l); !ok {
		t.Fatal("a was not evicted")
	}
}

func TestLimitConstructors(t *testing.T) {
	t.Parallel()
	if l := ratelimit.PerMinute(100, 1); l.Every != 600*time.Millisecond || l.Tolerance() != 0 {
		t.Fatalf("PerMinute(100, 1) = %+v", l)
	}
	if l := ratelimit.PerSecond(20, 80); l.Every != 50*time.Millisecond || l.Tolerance() != 79*50*time.Millisecond {
		t.Fatalf("PerSecond(20, 80) = %+v", l)
	}
}
