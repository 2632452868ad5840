// Package ratelimit keeps token buckets by key behind one interface,
// Buckets, so that a limiter does not care whether its budget lives in this
// process (Local: SQLite installs, tests) or in the database every process
// shares (the store's Postgres buckets): the SmugMug per-account request
// budget, the sign-in budgets and the API budget all take their tokens
// through it.
//
// Every implementation runs the same algorithm, GCRA (the generic cell rate
// algorithm), which is a token bucket kept as one number per key: the
// theoretical arrival time (TAT) of the next request at the steady rate. A
// request at time t conforms when TAT − t ≤ (Burst−1)·Every; taking a token
// moves TAT to max(TAT, t) + Every. One number per key is what lets the
// shared implementation be a single UPSERT statement, with no read before
// the write and no lock held across round trips.
package ratelimit

import (
	"context"
	"fmt"
	"time"
)

// Limit is a budget: one token every Every, at most Burst saved up.
type Limit struct {
	// Every is the steady interval between tokens (a minute / 100 for
	// SmugMug's default budget).
	Every time.Duration
	// Burst is how many tokens may be saved up and spent at once; at
	// least 1.
	Burst int
}

// PerMinute is a budget of n tokens a minute, with burst of them at once.
func PerMinute(n, burst int) Limit {
	return Limit{Every: time.Minute / time.Duration(max(n, 1)), Burst: burst}
}

// PerSecond is a budget of rps tokens a second, with burst at once.
func PerSecond(rps float64, burst int) Limit {
	if rps <= 0 {
		return Limit{Every: time.Hour, Burst: burst}
	}
	return Limit{Every: time.Duration(float64(time.Second) / rps), Burst: burst}
}

// Tolerance is how far ahead of now the TAT may be while a request still
// conforms: (Burst−1)·Every.
func (l Limit) Tolerance() time.Duration {
	return time.Duration(max(l.Burst, 1)-1) * l.Every
}

// Validate reports a Limit no bucket can keep.
func (l Limit) Validate() error {
	if l.Every <= 0 {
		return fmt.Errorf("ratelimit: interval %v is not positive", l.Every)
	}
	return nil
}

// Buckets keeps one token bucket per key. Implementations are safe for
// concurrent use, and the shared ones for use by many processes at once.
// Keys are opaque; callers prefix them by budget ("login-ip:…", "smugmug:…")
// so that budgets never share a bucket.
type Buckets interface {
	// Take takes a token from key's bucket when one is there. When none
	// is, it takes nothing and says how long until one will be.
	Take(ctx context.Context, key string, l Limit) (ok bool, retryAfter time.Duration, err error)
	// Reserve takes key's next token, however far ahead it is, and says
	// how long the caller must wait before using it. Reservations queue:
	// each caller waits its turn, so callers of many processes share
	// the budget fairly. A caller that gives up while waiting wastes its
	// token, which only ever errs on the side of fewer requests.
	Reserve(ctx context.Context, key string, l Limit) (wait time.Duration, err error)
	// Hold empties key's bucket until the given time: no token is handed
	// out before it (a server said its window is used up).
	Hold(ctx context.Context, key string, l Limit, until time.Time) error
	// Reset fills key's bucket (a correct password restores the account's
	// sign-in budget).
	Reset(ctx context.Context, key string) error
}

// Next is GCRA's step for a bucket whose TAT is tat (zero for a full
// bucket) at time now. take reports whether a request at now conforms;
// newTAT is the TAT after taking the token (whether or not it conforms:
// Reserve takes it anyway, Take keeps the old TAT); wait is how long until
// the token is due (0 when take).
func Next(tat, now time.Time, l Limit) (take bool, newTAT time.Time, wait time.Duration) {
	if tat.Before(now) {
		tat = now
	}
	newTAT = tat.Add(l.Every)
	wait = tat.Sub(now) - l.Tolerance()
	if wait <= 0 {
		return true, newTAT, 0
	}
	return false, newTAT, wait
}

// HoldTAT is the TAT that makes the first token due at until.
func HoldTAT(l Limit, until time.Time) time.Time { return until.Add(l.Tolerance()) }
