package smugmug

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiters hands out one token bucket per SmugMug account so that every
// client and goroutine of the process working for one account shares one
// budget. SmugMug counts requests per user per application, so the account
// key is the consumer key plus the access token (hashed; never kept in clear).
// The zero value is ready to use.
type Limiters struct {
	mu      sync.Mutex
	buckets map[string]*accountLimiter
}

// NewLimiters returns an empty registry, for processes (and tests) that want
// buckets separate from the process-wide default.
func NewLimiters() *Limiters { return &Limiters{} }

var defaultLimiters = NewLimiters()

// accountLimiter is the shared state of one account: the token bucket and a
// pause SmugMug asked for (X-RateLimit-Remaining: 0 until X-RateLimit-Reset).
type accountLimiter struct {
	lim *rate.Limiter

	mu         sync.Mutex
	pauseUntil time.Time
}

func accountKey(consumerKey, token string) string {
	sum := sha256.Sum256([]byte(consumerKey + "\x00" + token))
	return hex.EncodeToString(sum[:12])
}

// get returns the account's bucket, creating it with the given rate on first
// use. A later client asking for another rate adopts the newest setting, so
// a configuration change takes effect without a restart.
func (l *Limiters) get(key string, perMinute, burst int) *accountLimiter {
	limit := rate.Inf
	if perMinute > 0 {
		limit = rate.Limit(float64(perMinute) / 60)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buckets == nil {
		l.buckets = make(map[string]*accountLimiter)
	}
	al, ok := l.buckets[key]
	if !ok {
		al = &accountLimiter{lim: rate.NewLimiter(limit, burst)}
		l.buckets[key] = al
		return al
	}
	if al.lim.Limit() != limit {
		al.lim.SetLimit(limit)
	}
	if al.lim.Burst() != burst {
		al.lim.SetBurst(burst)
	}
	return al
}

// wait blocks until the account may send one more request.
func (al *accountLimiter) wait(ctx context.Context, sleep func(context.Context, time.Duration) error, now func() time.Time) error {
	al.mu.Lock()
	until := al.pauseUntil
	al.mu.Unlock()
	if d := until.Sub(now()); d > 0 {
		if err := sleep(ctx, d); err != nil {
			return err
		}
	}
	return al.lim.Wait(ctx)
}

// pause records that SmugMug's window is exhausted until t.
func (al *accountLimiter) pause(t time.Time) {
	al.mu.Lock()
	if t.After(al.pauseUntil) {
		al.pauseUntil = t
	}
	al.mu.Unlock()
}
