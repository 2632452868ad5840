package auth

import (
	"bytes"
	"cmp"
	"context"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/targetvision/targetvision/internal/apierror"
	"github.com/targetvision/targetvision/internal/edge"
)

// Token errors returned by Sessions.Verify and Authenticate. Callers test
// with errors.Is; all of them mean "treat the request as signed out".
var (
	// ErrTokenMalformed means the token is not of this package's shape.
	ErrTokenMalformed = errors.New("auth: malformed session token")
	// ErrTokenTampered means the signature does not match: the token was
	// altered or signed with another key (a rotated SECRET_KEY).
	ErrTokenTampered = errors.New("auth: session token signature mismatch")
	// ErrTokenExpired means the token was genuine but its lifetime is over.
	ErrTokenExpired = errors.New("auth: session token expired")
	// ErrSessionRevoked means the token's session no longer exists on the
	// server: it was signed out, revoked from the session list, ended by a
	// password change or "sign out everywhere", or its user was removed.
	ErrSessionRevoked = errors.New("auth: session revoked")
	// ErrNoSession means the request carried no session cookie or bearer token.
	ErrNoSession = errors.New("auth: no session")
	// ErrSessionUnknown means the session could not be looked up (the
	// store did not answer): not a verdict on the session.
	ErrSessionUnknown = errors.New("auth: session store unavailable")
)

// DefaultSessionCookie is the session cookie's name when SessionConfig.CookieName is empty.
const DefaultSessionCookie = "tv_session"

// tokenPrefix versions the token format so it can change without old tokens
// being misread: a token of another version is simply malformed.
const tokenPrefix = "v1."

// SessionConfig tunes Sessions. The zero value is valid.
type SessionConfig struct {
	// TTL is how long a token stays valid after it is issued. Default 30 days:
	// a photographer signs in on their own machine and expects to stay so.
	TTL time.Duration
	// CookieName is the session cookie's name. Default DefaultSessionCookie.
	CookieName string
	// Now is the clock. Default time.Now; tests pass a fixed clock.
	Now func() time.Time
	// APITokens resolves "Authorization: Bearer tvk_…" API tokens. Default
	// nil: API tokens are refused (session tokens still work as bearers).
	APITokens APITokenLookup
}

// Claims is what a session token says about its holder.
type Claims struct {
	// UserID is the signed-in user's id.
	UserID int64 `json:"uid"`
	// SessionID is random per sign-in and names the session's row on the
	// server (SessionLookup), which is what makes a session revocable; logs
	// can tell two sessions of one user apart without logging the token.
	SessionID string `json:"sid"`
	// IssuedAt and ExpiresAt are Unix seconds.
	IssuedAt  int64 `json:"iat"`
	ExpiresAt int64 `json:"exp"`
	// ViaAPIToken is true when the request authenticated with an API token
	// rather than a session; such a request has no expiry or version, and
	// handlers refuse it account-level actions (minting more tokens,
	// changing the password, managing accounts).
	ViaAPIToken bool `json:"-"`
	// APITokenID names the API token of such a request.
	APITokenID int64 `json:"-"`
	// ReadOnly is set for a read-only API token (see RequireWrite).
	ReadOnly bool `json:"-"`
}

// Expires returns the expiry as a time.
func (c Claims) Expires() time.Time { return time.Unix(c.ExpiresAt, 0) }

// SessionLookup is the server side of sessions; the store implements it.
type SessionLookup interface {
	// SessionActive reports whether the session exists for the user and
	// has not expired; an error is an outage, not a verdict.
	SessionActive(ctx context.Context, userID int64, sessionID string) (bool, error)
	// ExtendSession moves the session's expiry when its token is re-issued.
	ExtendSession(ctx context.Context, userID int64, sessionID string, expires time.Time) error
}

// Sessions issues and verifies signed session tokens and manages the cookie
// that carries them.
type Sessions struct {
	key []byte
	cfg SessionConfig
}

// minSecretLen is the shortest SECRET_KEY accepted: 128 bits of entropy.
const minSecretLen = 16

// NewSessions derives the signing key from secret (the deployment's
// SECRET_KEY) with HKDF, so the same secret can key other purposes (token
// encryption) without the keys being related.
func NewSessions(secret []byte, cfg SessionConfig) (*Sessions, error) {
	if len(secret) < minSecretLen {
		return nil, fmt.Errorf("auth: session secret must be at least %d bytes, got %d", minSecretLen, len(secret))
	}
	key, err := hkdf.Key(sha256.New, secret, nil, "targetvision session token v1", sha256.Size)
	if err != nil {
		return nil, fmt.Errorf("auth: derive session key: %w", err)
	}
	cfg.TTL = cmp.Or(cfg.TTL, 30*24*time.Hour)
	cfg.CookieName = cmp.Or(cfg.CookieName, DefaultSessionCookie)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Sessions{key: key, cfg: cfg}, nil
}

// Issue returns a new token for userID naming a new random session id; the
// caller records the session (its id and expiry are in the claims) before
// handing the token out.
func (s *Sessions) Issue(userID int64) (string, Claims, error) {
	sid := make([]byte, 16)
	if _, err := rand.Read(sid); err != nil {
		return "", Claims{}, fmt.Errorf("auth: session id: %w", err)
	}
	return s.issue(Claims{UserID: userID, SessionID: base64.RawURLEncoding.EncodeToString(sid)})
}

// issue signs c with fresh issue and expiry times; the session id is kept,
// so a refreshed token continues the same session.
func (s *Sessions) issue(c Claims) (string, Claims, error) {
	now := s.cfg.Now()
	c.IssuedAt = now.Unix()
	c.ExpiresAt = now.Add(s.cfg.TTL).Unix()
	payload, err := json.Marshal(c)
	if err != nil {
		return "", Claims{}, fmt.Errorf("auth: encode claims: %w", err)
	}
	body := tokenPrefix + base64.RawURLEncoding.EncodeToString(payload)
	return body + "." + base64.RawURLEncoding.EncodeToString(s.sign(body)), c, nil
}

// sign is HMAC-SHA256 over the token body, prefix included, so the version
// prefix is authenticated too.
func (s *Sessions) sign(body string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(body))
	return m.Sum(nil)
}

// Verify checks token's signature and expiry and returns its claims. It does
// not consult the store; Authenticate does, for the session version.
func (s *Sessions) Verify(token string) (Claims, error) {
	rest, ok := strings.CutPrefix(token, tokenPrefix)
	if !ok {
		return Claims{}, ErrTokenMalformed
	}
	payloadB64, sigB64, ok := strings.Cut(rest, ".")
	if !ok {
		return Claims{}, ErrTokenMalformed
	}
	sig, err := base64.RawURLEncoding.DecodeString(sigB64)
	if err != nil {
		return Claims{}, fmt.Errorf("%w: signature encoding", ErrTokenMalformed)
	}
	// The signature is checked before the payload is parsed, so nothing an
	// attacker wrote is decoded.
	if !hmac.Equal(sig, s.sign(tokenPrefix+payloadB64)) {
		return Claims{}, ErrTokenTampered
	}
	payload, err := base64.RawURLEncoding.DecodeString(payloadB64)
	if err != nil {
		return Claims{}, fmt.Errorf("%w: payload encoding", ErrTokenMalformed)
	}
	var c Claims
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Claims{}, fmt.Errorf("%w: payload: %w", ErrTokenMalformed, err)
	}
	if !s.cfg.Now().Before(c.Expires()) {
		return Claims{}, ErrTokenExpired
	}
	return c, nil
}

// NeedsRefresh reports whether more than half of the token's lifetime has
// passed, so an active user can be given a fresh token (sliding expiry)
// while an idle one is signed out after TTL.
func (s *Sessions) NeedsRefresh(c Claims) bool {
	issued := time.Unix(c.IssuedAt, 0)
	return s.cfg.Now().Sub(issued) > s.cfg.TTL/2
}

// Authenticate finds the request's credential — an "Authorization: Bearer"
// header if present, else the session cookie. An API token (APITokenPrefix)
// is resolved with SessionConfig.APITokens; a session token is verified and
// its session looked up on the server. It returns ErrNoSession when the
// request carries neither.
func (s *Sessions) Authenticate(ctx context.Context, r *http.Request, lookup SessionLookup) (Claims, error) {
	token := BearerToken(r)
	if isAPIToken(token) {
		return authenticateAPIToken(ctx, token, s.cfg.APITokens)
	}
	if token == "" {
		ck, err := r.Cookie(s.cfg.CookieName)
		if err != nil || ck.Value == "" {
			return Claims{}, ErrNoSession
		}
		token = ck.Value
	}
	c, err := s.Verify(token)
	if err != nil {
		return Claims{}, err
	}
	active, err := lookup.SessionActive(ctx, c.UserID, c.SessionID)
	if err != nil {
		return Claims{}, fmt.Errorf("auth: session of user %d: %w: %w", c.UserID, ErrSessionUnknown, err)
	}
	if !active {
		return Claims{}, ErrSessionRevoked
	}
	return c, nil
}

// BearerToken returns the token of an "Authorization: Bearer …" header, or "".
func BearerToken(r *http.Request) string {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

// SetSessionCookie sets the session cookie carrying token: HttpOnly so page
// scripts cannot read it, SameSite=Lax so other sites' POSTs do not carry it,
// Secure when the request came over HTTPS — ours, or a trusted proxy's (see
// package edge); a plain-HTTP localhost install must still be able to sign
// in — Path=/ and a lifetime of the token's TTL.
func (s *Sessions) SetSessionCookie(w http.ResponseWriter, r *http.Request, token string) {
	http.SetCookie(w, &http.Cookie{
		Name:     s.cfg.CookieName,
		Value:    token,
		Path:     "/",
		MaxAge:   int(s.cfg.TTL / time.Second),
		Expires:  s.cfg.Now().Add(s.cfg.TTL),
		HttpOnly: true,
		Secure:   edge.From(r).HTTPS,
		SameSite: http.SameSiteLaxMode,
	})
}

// ClearSessionCookie tells the browser to drop the session cookie. The
// attributes match SetSessionCookie's, which browsers need to replace it.
func (s *Sessions) ClearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name:     s.cfg.CookieName,
		Value:    "",
		Path:     "/",
		MaxAge:   -1,
		Expires:  time.Unix(0, 0),
		HttpOnly: true,
		Secure:   edge.From(r).HTTPS,
		SameSite: http.SameSiteLaxMode,
	})
}

// claimsKey is the context key for the request's Claims.
type claimsKey struct{}

// WithClaims returns ctx carrying c; Middleware uses it, and handler tests
// use it to fake a signed-in user.
func WithClaims(ctx context.Context, c Claims) context.Context {
	return context.WithValue(ctx, claimsKey{}, c)
}

// ClaimsFrom returns the signed-in user's claims, if Middleware found any.
func ClaimsFrom(ctx context.Context) (Claims, bool) {
	c, ok := ctx.Value(claimsKey{}).(Claims)
	return c, ok
}

// Middleware authenticates each request and, when it carries a valid
// session, stores the Claims in its context (see ClaimsFrom). Requests
// without one pass through anonymous: pages such as /login must stay
// reachable, and RequireUser guards the ones that need a user. A token that
// is malformed, expired, tampered with or revoked also clears the cookie,
// so the browser stops sending it. A cookie session past half its lifetime
// is re-issued (same session, new expiry): an active user stays signed in,
// an idle one is signed out after TTL.
func (s *Sessions) Middleware(lookup SessionLookup, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := s.Authenticate(r.Context(), r, lookup)
		switch {
		case err == nil:
			if !c.ViaAPIToken && BearerToken(r) == "" && s.NeedsRefresh(c) {
				if token, fresh, err := s.issue(c); err == nil && lookup.ExtendSession(r.Context(), c.UserID, c.SessionID, fresh.Expires()) == nil {
					s.SetSessionCookie(w, r, token)
					c = fresh
				}
			}
			r = r.WithContext(WithClaims(r.Context(), c))
		case errors.Is(err, ErrTokenMalformed), errors.Is(err, ErrTokenTampered),
			errors.Is(err, ErrTokenExpired), errors.Is(err, ErrSessionRevoked):
			if BearerToken(r) == "" {
				s.ClearSessionCookie(w, r)
			}
		case errors.Is(err, ErrSessionUnknown):
			// A store outage: keep the cookie, so a transient error does
			// not sign the user out, and let RequireUser say the server
			// is unavailable rather than that the user is signed out
			// (during a database restart every request answered 401).
			r = r.WithContext(context.WithValue(r.Context(), sessionUnknownKey{}, true))
		default:
			// No session: anonymous.
		}
		next.ServeHTTP(w, r)
	})
}

// sessionUnknownKey marks a request whose session could not be looked up.
type sessionUnknownKey struct{}

// RequireUser answers 401 with the API's JSON error unless Middleware put
// a signed-in user in the request's context, and 503 with Retry-After when
// the session could not be looked up (a store outage).
func RequireUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if unknown, _ := r.Context().Value(sessionUnknownKey{}).(bool); unknown {
			w.Header().Set("Retry-After", "5")
			apierror.Write(w, http.StatusServiceUnavailable, "unavailable", "the server cannot check your session right now; try again shortly")
			return
		}
		if _, ok := ClaimsFrom(r.Context()); !ok {
			apierror.Write(w, http.StatusUnauthorized, "unauthorized", "sign in first")
			return
		}
		next.ServeHTTP(w, r)
	})
}
