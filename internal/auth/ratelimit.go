package auth

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/targetvision/targetvision/internal/apierror"
	"github.com/targetvision/targetvision/internal/ratelimit"
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

// KeyedLimiter spends one budget per key (a client address, a user) from
// ratelimit.Buckets: in this process's memory, or in the database that every
// process of a deployment shares, so N processes do not grant N budgets.
type KeyedLimiter struct {
	buckets ratelimit.Buckets
	prefix  string
	limit   ratelimit.Limit
}

// NewKeyedLimiter returns a limiter allowing rps events per second per key
// with bursts of burst, its buckets in this process's memory (an LRU of at
// most maxKeys keys, default 10000 when maxKeys <= 0). now is the clock (nil
// means time.Now); tests pass a fake clock so no test depends on timing.
func NewKeyedLimiter(rps float64, burst, maxKeys int, now func() time.Time) *KeyedLimiter {
	return NewSharedLimiter(ratelimit.NewLocal(maxKeys, now), "", ratelimit.PerSecond(rps, max(1, burst)))
}

// NewSharedLimiter returns a limiter spending l per key from b, its keys
// prefixed with name so that budgets sharing b never share a bucket.
func NewSharedLimiter(b ratelimit.Buckets, name string, l ratelimit.Limit) *KeyedLimiter {
	l.Burst = max(1, l.Burst)
	prefix := ""
	if name != "" {
		prefix = name + ":"
	}
	return &KeyedLimiter{buckets: b, prefix: prefix, limit: l}
}

// Allow takes one token from key's bucket. When the bucket is empty it takes
// nothing and returns false with the wait until a token will be there. An
// error means the buckets could not be reached (the shared database is
// down).
func (k *KeyedLimiter) Allow(ctx context.Context, key string) (bool, time.Duration, error) {
	ok, wait, err := k.buckets.Take(ctx, k.prefix+key, k.limit)
	if err != nil {
		return false, 0, fmt.Errorf("auth: rate limit: %w", err)
	}
	return ok, wait, nil
}

// Reset forgets key, giving it a full bucket again; the login limiter resets
// an account after a successful sign-in.
func (k *KeyedLimiter) Reset(ctx context.Context, key string) error {
	if err := k.buckets.Reset(ctx, k.prefix+key); err != nil {
		return fmt.Errorf("auth: rate limit reset: %w", err)
	}
	return nil
}

// RateLimit returns middleware that allows rps requests per second with
// bursts of burst per key, where keyFunc names the key of a request (see
// edge.ClientKey; a signed-in API might key by user). Requests over the budget
// get 429 with Retry-After and the JSON error body. A request whose key is
// empty is not limited.
func RateLimit(keyFunc func(*http.Request) string, rps float64, burst int) func(http.Handler) http.Handler {
	return RateLimitWith(NewKeyedLimiter(rps, burst, 0, nil), keyFunc, nil)
}

// RateLimitWith is RateLimit over a given limiter, for a budget shared
// across routes or processes, or a fake clock in tests. When the limiter's
// buckets cannot be reached the request goes through (it will meet the same
// outage where it needs the database, and /readyz must still answer), and
// onErr, if set, hears of it.
func RateLimitWith(lim *KeyedLimiter, keyFunc func(*http.Request) string, onErr func(*http.Request, error)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if key := keyFunc(r); key != "" {
				ok, wait, err := lim.Allow(r.Context(), key)
				switch {
				case err != nil:
					if onErr != nil {
						onErr(r, err)
					}
				case !ok:
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
	// Buckets keep the budgets. Default in this process's memory (an LRU
	// of MaxKeys keys per budget, on clock Now); a deployment of several
	// processes passes the buckets its database shares, or each process
	// would grant the whole budget again.
	Buckets ratelimit.Buckets
	// MaxKeys bounds the default in-memory LRU. Default 10000.
	MaxKeys int
	// Now is the default buckets' clock. Default time.Now.
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
	b := cfg.Buckets
	if b == nil {
		b = ratelimit.NewLocal(3*max(cfg.MaxKeys, 10000), cfg.Now)
	}
	return &LoginLimiter{
		byIP:      NewSharedLimiter(b, "login-ip", ratelimit.PerMinute(perIP, perIP)),
		byAccount: NewSharedLimiter(b, "login-account", ratelimit.PerMinute(perAccount, perAccount)),
		byDevice:  NewSharedLimiter(b, "login-device", ratelimit.PerMinute(perAccount, perAccount)),
	}
}

// Check counts one sign-in attempt from ip for account and returns a
// *RateLimitedError when a budget is spent. device is the id of the
// request's device cookie for this account (Devices.ID), or "": an attempt
// from a known device spends that device's budget instead of the account's,
// so strangers exhausting the account's budget do not lock its owner out.
// The account is compared case-insensitively, as e-mails are. An attempt
// refused by the address budget does not spend the account's. Any other
// error means the budgets could not be reached, and the attempt is refused.
func (l *LoginLimiter) Check(ctx context.Context, ip, account, device string) error {
	if err := spend(ctx, l.byIP, "ip", ip); err != nil {
		return err
	}
	switch {
	case account == "":
		return nil
	case device != "":
		return spend(ctx, l.byDevice, "device", device)
	default:
		return spend(ctx, l.byAccount, "account", normalizeAccount(account))
	}
}

func spend(ctx context.Context, lim *KeyedLimiter, scope, key string) error {
	ok, wait, err := lim.Allow(ctx, key)
	if err != nil {
		return err
	}
	if !ok {
		return &RateLimitedError{Scope: scope, RetryAfter: wait}
	}
	return nil
}

// Succeeded restores the budgets of account and device ("" for none) after
// a correct password, so a user who mistyped a few times is not left with
// a smaller budget.
func (l *LoginLimiter) Succeeded(ctx context.Context, account, device string) error {
	err := l.byAccount.Reset(ctx, normalizeAccount(account))
	if device != "" {
		err = errors.Join(err, l.byDevice.Reset(ctx, device))
	}
	return err
}

func normalizeAccount(account string) string {
	return strings.ToLower(strings.TrimSpace(account))
}
