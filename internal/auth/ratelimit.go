package auth

import (
	"container/list"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/targetvision/targetvision/internal/apierror"
	"golang.org/x/time/rate"
)

// RateLimitedError says an action was refused by a rate limit and when it
// may be tried again. HTTP handlers read it with errors.As and answer 429
// with a Retry-After header (see WriteRateLimited).
type RateLimitedError struct {
	// Scope names the budget that ran out ("ip", "account", or a key name).
	Scope string
	// RetryAfter is how long until one more attempt is allowed.
	RetryAfter time.Duration
}

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("auth: rate limited (%s), retry after %s", e.Scope, e.RetryAfter)
}

// RetryAfterSeconds is RetryAfter rounded up to whole seconds, at least 1,
// as the Retry-After header wants it.
func (e *RateLimitedError) RetryAfterSeconds() int {
	return retryAfterSeconds(e.RetryAfter)
}

func retryAfterSeconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}

// WriteRateLimited answers 429 Too Many Requests with Retry-After and the
// API's JSON error {"error":{"code":"rate_limited",…}}.
func WriteRateLimited(w http.ResponseWriter, retryAfter time.Duration) {
	secs := retryAfterSeconds(retryAfter)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	apierror.Write(w, http.StatusTooManyRequests, "rate_limited",
		fmt.Sprintf("too many requests; try again in %d s", secs))
}

// KeyedLimiter is a token bucket per key, the buckets kept in an LRU of at
// most a fixed number of keys. A key evicted from the LRU starts again with a
// full bucket, so the bound should comfortably exceed the number of keys
// active within one refill period.
type KeyedLimiter struct {
	limit   rate.Limit
	burst   int
	maxKeys int
	now     func() time.Time

	mu    sync.Mutex
	order *list.List // front = most recently used; values are *keyedEntry
	items map[string]*list.Element
}

type keyedEntry struct {
	key string
	lim *rate.Limiter
}

// NewKeyedLimiter returns a limiter allowing rps events per second per key
// with bursts of burst, remembering up to maxKeys keys (default 10000 when
// maxKeys <= 0). now is the clock (nil means time.Now); tests pass a fake
// clock so no test depends on timing.
func NewKeyedLimiter(rps float64, burst, maxKeys int, now func() time.Time) *KeyedLimiter {
	if maxKeys <= 0 {
		maxKeys = 10000
	}
	if now == nil {
		now = time.Now
	}
	return &KeyedLimiter{
		limit: rate.Limit(rps), burst: max(1, burst), maxKeys: maxKeys, now: now,
		order: list.New(), items: make(map[string]*list.Element),
	}
}

// get returns key's limiter, creating it (and evicting the least recently
// used key beyond the bound) as needed. The caller holds mu.
func (k *KeyedLimiter) get(key string) *rate.Limiter {
	if el, ok := k.items[key]; ok {
		k.order.MoveToFront(el)
		return el.Value.(*keyedEntry).lim
	}
	lim := rate.NewLimiter(k.limit, k.burst)
	k.items[key] = k.order.PushFront(&keyedEntry{key: key, lim: lim})
	for k.order.Len() > k.maxKeys {
		oldest := k.order.Back()
		k.order.Remove(oldest)
		delete(k.items, oldest.Value.(*keyedEntry).key)
	}
	return lim
}

// Allow takes one token from key's bucket. When the bucket is empty it takes
// nothing and returns false with the wait until a token will be there.
func (k *KeyedLimiter) Allow(key string) (bool, time.Duration) {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.now()
	res := k.get(key).ReserveN(now, 1)
	if !res.OK() {
		// Only when burst is 0, which NewKeyedLimiter rules out.
		return false, time.Hour
	}
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, d
	}
	return true, 0
}

// Reset forgets key, giving it a full bucket again; the login limiter resets
// an account after a successful sign-in.
func (k *KeyedLimiter) Reset(key string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if el, ok := k.items[key]; ok {
		k.order.Remove(el)
		delete(k.items, key)
	}
}

// Len returns how many keys are remembered (for tests and metrics).
func (k *KeyedLimiter) Len() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.order.Len()
}

// RateLimit returns middleware that allows rps requests per second with
// bursts of burst per key, where keyFunc names the key of a request (see
// edge.ClientKey; a signed-in API might key by user). Requests over the budget
// get 429 with Retry-After and the JSON error body. A request whose key is
// empty is not limited.
func RateLimit(keyFunc func(*http.Request) string, rps float64, burst int) func(http.Handler) http.Handler {
	return RateLimitWith(NewKeyedLimiter(rps, burst, 0, nil), keyFunc)
}

// RateLimitWith is RateLimit over a given limiter, for a shared budget
// across routes or a fake clock in tests.
func RateLimitWith(lim *KeyedLimiter, keyFunc func(*http.Request) string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if key := keyFunc(r); key != "" {
				if ok, wait := lim.Allow(key); !ok {
					WriteRateLimited(w, wait)
					return
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}

// LoginLimitConfig tunes LoginLimiter. Zero fields take the documented defaults.
type LoginLimitConfig struct {
	// PerIP is sign-in attempts per minute from one client address, with
	// that many in a burst. Default 20: a household behind one NAT can
	// mistype, a guessing script cannot.
	PerIP int
	// PerAccount is sign-in attempts per minute for one e-mail, with that
	// many in a burst. Default 5.
	PerAccount int
	// MaxKeys bounds each LRU. Default 10000.
	MaxKeys int
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// LoginLimiter limits sign-in (and sign-up) attempts per client address and
// per account, and gives browsers that signed in to the account before (a
// device cookie, see Devices) a budget of their own.
type LoginLimiter struct {
	byIP      *KeyedLimiter
	byAccount *KeyedLimiter
	byDevice  *KeyedLimiter
}

// NewLoginLimiter returns a LoginLimiter with cfg's budgets.
func NewLoginLimiter(cfg LoginLimitConfig) *LoginLimiter {
	perIP := cfg.PerIP
	if perIP <= 0 {
		perIP = 20
	}
	perAccount := cfg.PerAccount
	if perAccount <= 0 {
		perAccount = 5
	}
	return &LoginLimiter{
		byIP:      NewKeyedLimiter(float64(perIP)/60, perIP, cfg.MaxKeys, cfg.Now),
		byAccount: NewKeyedLimiter(float64(perAccount)/60, perAccount, cfg.MaxKeys, cfg.Now),
		byDevice:  NewKeyedLimiter(float64(perAccount)/60, perAccount, cfg.MaxKeys, cfg.Now),
	}
}

// Check counts one sign-in attempt from ip for account and returns a
// *RateLimitedError when a budget is spent. device is the id of the
// request's device cookie for this account (Devices.ID), or "": an attempt
// from a known device spends that device's budget instead of the account's,
// so strangers exhausting the account's budget do not lock its owner out.
// The account is compared case-insensitively, as e-mails are. An attempt
// refused by the address budget does not spend the account's.
func (l *LoginLimiter) Check(ip, account, device string) error {
	if ok, wait := l.byIP.Allow(ip); !ok {
		return &RateLimitedError{Scope: "ip", RetryAfter: wait}
	}
	switch {
	case account == "":
		return nil
	case device != "":
		if ok, wait := l.byDevice.Allow(device); !ok {
			return &RateLimitedError{Scope: "device", RetryAfter: wait}
		}
	default:
		if ok, wait := l.byAccount.Allow(normalizeAccount(account)); !ok {
			return &RateLimitedError{Scope: "account", RetryAfter: wait}
		}
	}
	return nil
}

// Succeeded restores the budgets of account and device ("" for none) after
// a correct password, so a user who mistyped a few times is not left with
// a smaller budget.
func (l *LoginLimiter) Succeeded(account, device string) {
	l.byAccount.Reset(normalizeAccount(account))
	if device != "" {
		l.byDevice.Reset(device)
	}
}

func normalizeAccount(account string) string {
	return strings.ToLower(strings.TrimSpace(account))
}
