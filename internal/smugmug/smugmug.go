// Package smugmug is TargetVision's SmugMug API v2 integration: the OAuth 1.0a
// sign-in (out-of-band PIN for the CLI, redirect for the web UI), a client for
// the endpoints the indexer needs (authenticated user, albums, album images,
// size details, downloads, image PATCH), a per-account request budget shared
// by every client of the account (across processes, when the budget is the
// shared database's), an incremental sync engine that keeps a small
// store interface in step with a library, and opt-in write-back of generated
// keywords and captions that never overwrites the owner's own text.
//
// The facts the code relies on (envelope, field names, pagination, the `!`
// URL pitfall, rate limits) are collected in shared/specs/smugmug.md; the fake
// server in package smugmugtest implements the same contract and checks every
// OAuth signature, so the tests exercise the real client end to end.
package smugmug

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/targetvision/targetvision/internal/ratelimit"
)

// Default endpoints of the real service.
const (
	DefaultAPIBase   = "https://api.smugmug.com/api/v2"
	DefaultOAuthBase = "https://api.smugmug.com/services/oauth/1.0a"

	// DefaultRequestsPerMinute is TargetVision's own budget per SmugMug
	// account (SmugMug publishes no number; see the spec §6.1).
	DefaultRequestsPerMinute = 100
	// DefaultMaxAttempts bounds the attempts of one API call (first try
	// included) before a retryable error is returned to the caller.
	DefaultMaxAttempts = 5
	// DefaultPageSize is the count asked for on every list endpoint.
	DefaultPageSize = 100
	// MaxAnalysisEdge is the largest edge, in pixels, of the rendition
	// downloaded for analysis.
	MaxAnalysisEdge = 2200
)

// Permission is the level of access requested when the user authorizes the
// application. SmugMug cannot raise it later without the user's help, so ask
// for PermissionModify up front if write-back may ever be enabled.
type Permission string

// Permissions understood by SmugMug's authorize page.
const (
	PermissionRead Permission = "Read"
	// PermissionAdd may also create albums and add images to them.
	PermissionAdd    Permission = "Add"
	PermissionModify Permission = "Modify"
)

// Config configures Auth and Client. The zero value of every field except
// APIKey and APISecret is usable.
type Config struct {
	// APIKey and APISecret are the application's OAuth consumer key and
	// secret (SMUGMUG_API_KEY, SMUGMUG_API_SECRET). Required.
	APIKey    string
	APISecret string
	// APIBase is the API root (SMUGMUG_API_BASE). Default DefaultAPIBase.
	// Object URIs returned by the API (/api/v2/...) are resolved against its
	// scheme and host.
	APIBase string
	// OAuthBase is the root of the OAuth endpoints (SMUGMUG_OAUTH_BASE).
	// Default DefaultOAuthBase.
	OAuthBase string
	// Permissions requested by Auth. Default PermissionRead.
	Permissions Permission
	// RequestsPerMinute is the per-account budget of API requests; all
	// clients of one account drawing from the same Budget share it.
	// Default DefaultRequestsPerMinute. Negative means unlimited (tests).
	RequestsPerMinute int
	// RateBurst is the token bucket's burst. Default 1, so no window of any
	// length ever sees more than RequestsPerMinute requests per minute plus one.
	RateBurst int
	// Account names the SmugMug account (its nickname) a client acts for,
	// which names its budget: SmugMug counts requests per user and
	// application, so every token of one account spends from one bucket.
	// Empty: the access token stands for the account.
	Account string
	// Budget keeps the account buckets. Pass one Buckets to every client
	// of a process, and the store's (store.DB.RateBuckets) when several
	// processes share a Postgres, so that they share one budget per
	// account. Default buckets of this client alone.
	Budget ratelimit.Buckets
	// MaxAttempts bounds the attempts of one call on 429, 5xx and network
	// errors. Default DefaultMaxAttempts.
	MaxAttempts int
	// RetryBaseDelay is the first backoff delay, doubled on each retry and
	// jittered; Retry-After wins when it is longer. Default 2s.
	RetryBaseDelay time.Duration
	// MaxRetryDelay caps one backoff sleep (Retry-After included). Default 2m.
	MaxRetryDelay time.Duration
	// DisableSizeExpansion stops AlbumImages from asking for the size
	// details inline (_expand=ImageSizeDetails); Image.Analysis then stays
	// empty and each fetch costs a Client.Sizes request. Default false.
	DisableSizeExpansion bool
	// PageSize is the count asked for on list endpoints. Default DefaultPageSize.
	PageSize int
	// HTTPClient is the base client; its Transport carries the requests.
	// Default http.DefaultClient. Its Timeout, if any, applies per attempt.
	HTTPClient *http.Client
	// Logger receives debug and warning records; secrets are never logged.
	// Default slog.Default().
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	c.APIBase = cmp.Or(c.APIBase, DefaultAPIBase)
	c.OAuthBase = cmp.Or(c.OAuthBase, DefaultOAuthBase)
	c.Permissions = cmp.Or(c.Permissions, PermissionRead)
	c.RequestsPerMinute = cmp.Or(c.RequestsPerMinute, DefaultRequestsPerMinute)
	c.RateBurst = max(c.RateBurst, 1)
	if c.Budget == nil {
		c.Budget = ratelimit.NewLocal(0, nil)
	}
	c.MaxAttempts = cmp.Or(c.MaxAttempts, DefaultMaxAttempts)
	c.RetryBaseDelay = cmp.Or(c.RetryBaseDelay, 2*time.Second)
	c.MaxRetryDelay = cmp.Or(c.MaxRetryDelay, 2*time.Minute)
	c.PageSize = cmp.Or(c.PageSize, DefaultPageSize)
	if c.HTTPClient == nil {
		c.HTTPClient = http.DefaultClient
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// Validate reports the first problem with the configuration.
func (c Config) Validate() error {
	if c.APIKey == "" || c.APISecret == "" {
		return errors.New("smugmug: config: API key and secret are required")
	}
	for name, raw := range map[string]string{"API base": c.APIBase, "OAuth base": c.OAuthBase} {
		if raw == "" {
			continue
		}
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("smugmug: config: %s %q is not an absolute http(s) URL", name, raw)
		}
	}
	switch c.Permissions {
	case "", PermissionRead, PermissionModify:
	default:
		return fmt.Errorf("smugmug: config: unknown permissions %q", c.Permissions)
	}
	if c.PageSize < 0 || c.MaxAttempts < 0 {
		return errors.New("smugmug: config: page size and attempts must not be negative")
	}
	return nil
}

// Token is an OAuth access token and its secret. It is plaintext in memory:
// callers encrypt it at rest and never log it.
type Token struct {
	Token  string
	Secret string
}

// String hides the secret so a Token can never leak through %v.
func (t Token) String() string { return "smugmug.Token{redacted}" }

// LogValue hides the token from slog.
func (t Token) LogValue() slog.Value { return slog.StringValue("redacted") }

// ErrUnauthorized reports that SmugMug refused the credentials (HTTP 401):
// the token was revoked, the signature was wrong, or the token lacks the
// permission the call needs. The source must be re-connected.
var ErrUnauthorized = errors.New("smugmug: unauthorized")

// APIError is a non-success answer from SmugMug, after retries where the
// status is retryable. Read it with errors.As; errors.Is(err,
// ErrUnauthorized) holds for 401.
type APIError struct {
	Method     string
	Path       string // URL path, never the query or any token
	StatusCode int
	Code       int    // the envelope's Code (equals StatusCode on SmugMug)
	Message    string // the envelope's Message, or a truncated non-JSON body
	RetryAfter time.Duration
	Attempts   int
}

func (e *APIError) Error() string {
	msg := fmt.Sprintf("smugmug: %s %s: status %d", e.Method, e.Path, e.StatusCode)
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Attempts > 1 {
		msg += " (after " + strconv.Itoa(e.Attempts) + " attempts)"
	}
	return msg
}

// Unwrap makes errors.Is(err, ErrUnauthorized) true for 401 answers.
func (e *APIError) Unwrap() error {
	if e.StatusCode == http.StatusUnauthorized {
		return ErrUnauthorized
	}
	return nil
}

// Temporary reports whether retrying later may succeed (429 and 5xx).
func (e *APIError) Temporary() bool {
	return e.StatusCode == http.StatusTooManyRequests || e.StatusCode >= 500
}

// IsNotFound reports whether err is an API 404 (object deleted or moved).
func IsNotFound(err error) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusNotFound
}
