package auth

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/edge"
)

// lockedClock is a fakeClock safe for the limiter's concurrent use.
type lockedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *lockedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *lockedClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newClock() *lockedClock { return &lockedClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }

func TestKeyedLimiterBurstAndRefill(t *testing.T) {
	t.Parallel()
	clock := newClock()
	lim := NewKeyedLimiter(0.5, 3, 0, clock.Now) // one token per 2 s
	for i := range 3 {
		if ok, _, _ := lim.Allow(t.Context(), "a"); !ok {
			t.Fatalf("request %d within the burst refused", i+1)
		}
	}
	ok, wait, _ := lim.Allow(t.Context(), "a")
	if ok || wait != 2*time.Second {
		t.Fatalf("after the burst: ok=%v wait=%v, want refused with 2s", ok, wait)
	}
	if ok, _, _ := lim.Allow(t.Context(), "b"); !ok {
		t.Fatal("another key shares the first key's budget")
	}
	clock.Advance(time.Second)
	if ok, wait, _ := lim.Allow(t.Context(), "a"); ok || wait != time.Second {
		t.Fatalf("half a refill later: ok=%v wait=%v, want refused with 1s (refusals must not spend tokens)", ok, wait)
	}
	clock.Advance(time.Second)
	if ok, _, _ := lim.Allow(t.Context(), "a"); !ok {
		t.Fatal("refused after a full refill period")
	}
	lim.Reset(t.Context(), "a")
	for i := range 3 {
		if ok, _, _ := lim.Allow(t.Context(), "a"); !ok {
			t.Fatalf("request %d after Reset refused", i+1)
		}
	}
}

func TestRateLimitMiddleware(t *testing.T) {
	t.Parallel()
	clock := newClock()
	lim := NewKeyedLimiter(1, 2, 0, clock.Now)
	h := RateLimitWith(lim, edge.ClientKey, nil)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
	}))
	do := func(addr string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, "/api/v1/search?q=barn", nil)
		r.RemoteAddr = addr
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	for i := range 2 {
		if w := do("192.0.2.1:1000"); w.Code != http.StatusOK {
			t.Fatalf("request %d: status %d, want 200", i+1, w.Code)
		}
	}
	w := do("192.0.2.1:2000") // same IP, other port
	if w.Code != http.StatusTooManyRequests {
		t.Fatalf("after the burst: status %d, want 429", w.Code)
	}
	if got := w.Header().Get("Retry-After"); got != "1" {
		t.Fatalf("Retry-After %q, want 1", got)
	}
	var body struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatalf("429 body %q is not JSON: %v", w.Body.String(), err)
	}
	if body.Error.Code != "rate_limited" || body.Error.Message == "" {
		t.Fatalf("429 body %+v, want code rate_limited and a message", body)
	}
	if w := do("192.0.2.2:1000"); w.Code != http.StatusOK {
		t.Fatalf("another IP: status %d, want 200", w.Code)
	}
	clock.Advance(time.Second)
	if w := do("192.0.2.1:1000"); w.Code != http.StatusOK {
		t.Fatalf("after refill: status %d, want 200", w.Code)
	}
}

func TestRateLimitConstructor(t *testing.T) {
	t.Parallel()
	h := RateLimit(func(*http.Request) string { return "k" }, 0.01, 1)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	codes := make([]int, 0, 2)
	for range 2 {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
		codes = append(codes, w.Code)
	}
	if codes[0] != http.StatusOK || codes[1] != http.StatusTooManyRequests {
		t.Fatalf("statuses %v, want [200 429]", codes)
	}
}

func TestLoginLimiter(t *testing.T) {
	t.Parallel()
	clock := newClock()
	l := NewLoginLimiter(LoginLimitConfig{PerIP: 4, PerAccount: 2, Now: clock.Now})

	// Per account: two attempts from different addresses, then refused,
	// whatever the address and the e-mail's case.
	if err := l.Check(t.Context(), "192.0.2.1", "ann@example.com", ""); err != nil {
		t.Fatal(err)
	}
	if err := l.Check(t.Context(), "192.0.2.2", "ann@example.com", ""); err != nil {
		t.Fatal(err)
	}
	err := l.Check(t.Context(), "192.0.2.3", " ANN@example.com", "")
	var rl *RateLimitedError
	if !errors.As(err, &rl) || rl.Scope != "account" || rl.RetryAfterSeconds() != 30 {
		t.Fatalf("third attempt on one account = %v, want account limit with 30 s", err)
	}
	l.Succeeded(t.Context(), "ann@example.com", "")
	if err := l.Check(t.Context(), "192.0.2.3", "ann@example.com", ""); err != nil {
		t.Fatalf("after a successful sign-in the account budget must be restored: %v", err)
	}

	// Per IP: four attempts at different accounts, then refused.
	for i, acct := range []string{"a@x", "b@x", "c@x", "d@x"} {
		if err := l.Check(t.Context(), "198.51.100.7", acct, ""); err != nil {
			t.Fatalf("attempt %d from one IP: %v", i+1, err)
		}
	}
	err = l.Check(t.Context(), "198.51.100.7", "e@x", "")
	if !errors.As(err, &rl) || rl.Scope != "ip" || rl.RetryAfter != 15*time.Second {
		t.Fatalf("fifth attempt from one IP = %v, want ip limit with 15 s", err)
	}
	// The refusal by IP did not spend e@x's budget.
	for i := range 2 {
		if err := l.Check(t.Context(), "203.0.113.1", "e@x", ""); err != nil {
			t.Fatalf("attempt %d on e@x from a fresh IP: %v", i+1, err)
		}
	}
}

// TestLoginLimiterKnownDevice: strangers spending an account's budget do
// not lock its owner out of a browser that signed in before — the lockout
// of issue 13 (one wrong guess every 12 s kept the owner out for good).
func TestLoginLimiterKnownDevice(t *testing.T) {
	t.Parallel()
	clock := newClock()
	l := NewLoginLimiter(LoginLimitConfig{PerIP: 100, PerAccount: 2, Now: clock.Now})
	for i := range 2 {
		if err := l.Check(t.Context(), "198.51.100.1", "ann@example.com", ""); err != nil {
			t.Fatalf("stranger's attempt %d: %v", i+1, err)
		}
	}
	var rl *RateLimitedError
	if err := l.Check(t.Context(), "198.51.100.2", "ann@example.com", ""); !errors.As(err, &rl) || rl.Scope != "account" {
		t.Fatalf("a third unknown browser = %v, want the account limit", err)
	}
	if err := l.Check(t.Context(), "192.0.2.1", "ann@example.com", "ann-laptop"); err != nil {
		t.Fatalf("the owner's own browser is locked out: %v", err)
	}
	// A known device has a budget too: guessing from a stolen device
	// cookie is as slow as any other guessing.
	l.Check(t.Context(), "192.0.2.1", "ann@example.com", "ann-laptop")
	if err := l.Check(t.Context(), "192.0.2.1", "ann@example.com", "ann-laptop"); !errors.As(err, &rl) || rl.Scope != "device" {
		t.Fatalf("third attempt from one device = %v, want the device limit", err)
	}
	l.Succeeded(t.Context(), "ann@example.com", "ann-laptop")
	if err := l.Check(t.Context(), "192.0.2.1", "ann@example.com", "ann-laptop"); err != nil {
		t.Fatalf("a successful sign-in must restore the device's budget: %v", err)
	}
}

func TestWriteRateLimitedRoundsUp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		wait time.Duration
		want string
	}{
		{0, "1"},
		{time.Millisecond, "1"},
		{time.Second, "1"},
		{1500 * time.Millisecond, "2"},
		{time.Minute, "60"},
	}
	for _, tt := range tests {
		w := httptest.NewRecorder()
		WriteRateLimited(w, tt.wait)
		if got := w.Header().Get("Retry-After"); got != tt.want || w.Code != http.StatusTooManyRequests {
			t.Errorf("WriteRateLimited(%v): %d Retry-After %q, want 429 %q", tt.wait, w.Code, got, tt.want)
		}
	}
}
