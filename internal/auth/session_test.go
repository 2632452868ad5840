package auth

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/edge"
)

var testSecret = []byte("0123456789abcdef0123456789abcdef")

// fakeClock is a settable clock, so expiry is tested without sleeping.
type fakeClock struct{ t time.Time }

func (c *fakeClock) Now() time.Time          { return c.t }
func (c *fakeClock) Advance(d time.Duration) { c.t = c.t.Add(d) }

func newTestSessions(t *testing.T, cfg SessionConfig) (*Sessions, *fakeClock) {
	t.Helper()
	clock := &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	cfg.Now = clock.Now
	s, err := NewSessions(testSecret, cfg)
	if err != nil {
		t.Fatalf("NewSessions: %v", err)
	}
	return s, clock
}

func TestNewSessionsRejectsShortSecret(t *testing.T) {
	t.Parallel()
	if _, err := NewSessions([]byte("short"), SessionConfig{}); err == nil {
		t.Fatal("NewSessions accepted a 5-byte secret")
	}
}

func TestSessionIssueVerify(t *testing.T) {
	t.Parallel()
	s, _ := newTestSessions(t, SessionConfig{TTL: time.Hour})
	token, issued, err := s.Issue(42)
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	got, err := s.Verify(token)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if got != issued || got.UserID != 42 || got.SessionID == "" {
		t.Fatalf("Verify = %+v, want %+v", got, issued)
	}
	if got.ExpiresAt-got.IssuedAt != 3600 {
		t.Fatalf("lifetime %d s, want 3600", got.ExpiresAt-got.IssuedAt)
	}
	other, _, err := s.Issue(42)
	if err != nil {
		t.Fatal(err)
	}
	if other == token {
		t.Fatal("two sign-ins got the same token: session id not random")
	}
}

func TestSessionVerifyRejects(t *testing.T) {
	t.Parallel()
	s, _ := newTestSessions(t, SessionConfig{TTL: time.Hour})
	token, _, err := s.Issue(42)
	if err != nil {
		t.Fatal(err)
	}
	otherKey, err := NewSessions([]byte("another-secret-of-32-bytes-long!"), SessionConfig{Now: s.cfg.Now})
	if err != nil {
		t.Fatal(err)
	}
	foreign, _, err := otherKey.Issue(42)
	if err != nil {
		t.Fatal(err)
	}
	payload, sig, _ := strings.Cut(strings.TrimPrefix(token, tokenPrefix), ".")
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		t.Fatal(err)
	}
	// Same signature, payload claiming to be user 1 (an admin, say).
	forged := tokenPrefix + base64.RawURLEncoding.EncodeToString(
		[]byte(strings.Replace(string(raw), `"uid":42`, `"uid":1`, 1))) + "." + sig

	tests := []struct {
		name  string
		token string
		want  error
	}{
		{"empty", "", ErrTokenMalformed},
		{"no prefix", strings.TrimPrefix(token, tokenPrefix), ErrTokenMalformed},
		{"future version", "v2." + strings.TrimPrefix(token, tokenPrefix), ErrTokenMalformed},
		{"no signature", tokenPrefix + payload, ErrTokenMalformed},
		{"signature not base64", tokenPrefix + payload + ".***", ErrTokenMalformed},
		{"payload altered", forged, ErrTokenTampered},
		{"signature altered", tokenPrefix + payload + "." + flipFirst(sig), ErrTokenTampered},
		{"signed with another key", foreign, ErrTokenTampered},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := s.Verify(tt.token); !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

// flipFirst changes the first character of a base64 string to another valid one.
func flipFirst(s string) string {
	if s[0] == 'A' {
		return "B" + s[1:]
	}
	return "A" + s[1:]
}

func TestSessionExpiry(t *testing.T) {
	t.Parallel()
	s, clock := newTestSessions(t, SessionConfig{TTL: time.Hour})
	token, c, err := s.Issue(1)
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(29 * time.Minute)
	if s.NeedsRefresh(c) {
		t.Fatal("NeedsRefresh before half the lifetime")
	}
	clock.Advance(2 * time.Minute)
	if !s.NeedsRefresh(c) {
		t.Fatal("no NeedsRefresh after half the lifetime")
	}
	clock.Advance(29*time.Minute - time.Second)
	if _, err := s.Verify(token); err != nil {
		t.Fatalf("Verify one second before expiry: %v", err)
	}
	clock.Advance(time.Second)
	if _, err := s.Verify(token); !errors.Is(err, ErrTokenExpired) {
		t.Fatalf("Verify at expiry = %v, want ErrTokenExpired", err)
	}
}

func TestSessionCookieFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		trustProxy  bool
		tls         bool
		forwarded   string
		wantSecure  bool
		wantCookieN string
	}{
		{name: "plain http", wantSecure: false},
		{name: "direct https", tls: true, wantSecure: true},
		{name: "forwarded https, proxy trusted", trustProxy: true, forwarded: "https", wantSecure: true},
		{name: "forwarded https, proxy not trusted", forwarded: "https", wantSecure: false},
		{name: "forwarded http, proxy trusted", trustProxy: true, forwarded: "http", wantSecure: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, _ := newTestSessions(t, SessionConfig{TTL: 2 * time.Hour})
			r := httptest.NewRequest(http.MethodPost, "http://example.test/api/v1/auth/login", nil)
			r.RemoteAddr = "10.0.0.2:4000"
			if tt.tls {
				r.TLS = &tls.ConnectionState{}
			}
			if tt.forwarded != "" {
				r.Header.Set("X-Forwarded-Proto", tt.forwarded)
			}
			var trust edge.Trust
			if tt.trustProxy {
				trust, _ = edge.ParseTrust("10.0.0.0/8")
			}
			r = r.WithContext(edge.WithInfo(r.Context(), trust.Resolve(r)))
			for _, clear := range []bool{false, true} {
				w := httptest.NewRecorder()
				if clear {
					s.ClearSessionCookie(w, r)
				} else {
					s.SetSessionCookie(w, r, "tok")
				}
				cookies := w.Result().Cookies()
				if len(cookies) != 1 {
					t.Fatalf("got %d cookies, want 1", len(cookies))
				}
				c := cookies[0]
				if c.Name != DefaultSessionCookie || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure != tt.wantSecure {
					t.Fatalf("clear=%v cookie %+v: want %s, HttpOnly, SameSite=Lax, Path=/, Secure=%v", clear, c, DefaultSessionCookie, tt.wantSecure)
				}
				switch {
				case clear && (c.MaxAge >= 0 || c.Value != ""):
					t.Fatalf("cleared cookie %+v must be empty with MaxAge<0", c)
				case !clear && (c.Value != "tok" || c.MaxAge != 7200):
					t.Fatalf("cookie %+v: want value tok, MaxAge 7200", c)
				}
			}
		})
	}
}

// sessionTable is a SessionLookup over a map of session id to user id; a
// nil table fails every lookup, as a store outage does.
type sessionTable map[string]int64

func (st sessionTable) SessionActive(_ context.Context, uid int64, sid string) (bool, error) {
	if st == nil {
		return false, errors.New("store unreachable")
	}
	owner, ok := st[sid]
	return ok && owner == uid, nil
}

func (st sessionTable) ExtendSession(_ context.Context, uid int64, sid string, _ time.Time) error {
	if st[sid] != uid {
		return errors.New("no such session")
	}
	return nil
}

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	s, _ := newTestSessions(t, SessionConfig{})
	token, c5, err := s.Issue(5)
	if err != nil {
		t.Fatal(err)
	}
	withCookie := func(v string) *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/api/v1/me", nil)
		r.AddCookie(&http.Cookie{Name: DefaultSessionCookie, Value: v})
		return r
	}
	withBearer := func(v string) *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/api/v1/me", nil)
		r.Header.Set("Authorization", "Bearer "+v)
		return r
	}
	tests := []struct {
		name    string
		r       *http.Request
		lookup  SessionLookup
		wantErr error
		wantAny bool // any error will do
	}{
		{name: "cookie, live session", r: withCookie(token), lookup: sessionTable{c5.SessionID: 5}},
		{name: "bearer", r: withBearer(token), lookup: sessionTable{c5.SessionID: 5}},
		{name: "signed out", r: withCookie(token), lookup: sessionTable{}, wantErr: ErrSessionRevoked},
		{name: "session of another user", r: withCookie(token), lookup: sessionTable{c5.SessionID: 6}, wantErr: ErrSessionRevoked},
		{name: "store down", r: withCookie(token), lookup: sessionTable(nil), wantAny: true},
		{name: "no cookie", r: httptest.NewRequest(http.MethodGet, "/", nil), lookup: sessionTable{}, wantErr: ErrNoSession},
		{name: "garbage cookie", r: withCookie("nonsense"), lookup: sessionTable{}, wantErr: ErrTokenMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := s.Authenticate(t.Context(), tt.r, tt.lookup)
			switch {
			case tt.wantAny:
				if err == nil {
					t.Fatal("Authenticate succeeded, want an error")
				}
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Authenticate = %v, want %v", err, tt.wantErr)
				}
			case err != nil:
				t.Fatalf("Authenticate: %v", err)
			case c.UserID != 5:
				t.Fatalf("UserID = %d, want 5", c.UserID)
			}
		})
	}
}

func TestMiddlewareAndRequireUser(t *testing.T) {
	t.Parallel()
	s, _ := newTestSessions(t, SessionConfig{})
	token, c9, err := s.Issue(9)
	if err != nil {
		t.Fatal(err)
	}
	live := sessionTable{c9.SessionID: 9}
	protected := RequireUser(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := ClaimsFrom(r.Context())
		if c.UserID != 9 {
			t.Errorf("handler saw user %d, want 9", c.UserID)
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	tests := []struct {
		name        string
		lookup      SessionLookup
		cookie      string
		wantStatus  int
		wantCleared bool
	}{
		{"valid session", live, token, http.StatusNoContent, false},
		{"no session", live, "", http.StatusUnauthorized, false},
		{"tampered session", live, token[:len(token)-2] + "xx", http.StatusUnauthorized, true},
		{"signed out", sessionTable{}, token, http.StatusUnauthorized, true},
		// A store outage must not sign everybody out, nor tell them
		// they are signed out: 503, the cookie kept.
		{"session lookup fails", sessionTable(nil), token, http.StatusServiceUnavailable, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodGet, "/api/v1/me", nil)
			if tt.cookie != "" {
				r.AddCookie(&http.Cookie{Name: DefaultSessionCookie, Value: tt.cookie})
			}
			w := httptest.NewRecorder()
			s.Middleware(tt.lookup, protected).ServeHTTP(w, r)
			if w.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d", w.Code, tt.wantStatus)
			}
			if tt.wantStatus == http.StatusUnauthorized && !strings.Contains(w.Body.String(), `"code":"unauthorized"`) {
				t.Fatalf("body %q lacks the JSON error", w.Body.String())
			}
			if tt.wantStatus == http.StatusServiceUnavailable && (!strings.Contains(w.Body.String(), `"code":"unavailable"`) || w.Header().Get("Retry-After") == "") {
				t.Fatalf("outage answer %q (Retry-After %q) lacks the JSON error or Retry-After", w.Body.String(), w.Header().Get("Retry-After"))
			}
			cleared := strings.Contains(w.Header().Get("Set-Cookie"), "Max-Age=0")
			if cleared != tt.wantCleared {
				t.Fatalf("Set-Cookie %q: cleared=%v, want %v", w.Header().Get("Set-Cookie"), cleared, tt.wantCleared)
			}
		})
	}
}

func TestMiddlewareRefreshesOldSessions(t *testing.T) {
	t.Parallel()
	s, clock := newTestSessions(t, SessionConfig{TTL: 10 * time.Hour})
	token, issued, err := s.Issue(3)
	if err != nil {
		t.Fatal(err)
	}
	var seen Claims
	h := s.Middleware(sessionTable{issued.SessionID: 3}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen, _ = ClaimsFrom(r.Context())
	}))
	serve := func(bearer bool) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, "/api/v1/me", nil)
		if bearer {
			r.Header.Set("Authorization", "Bearer "+token)
		} else {
			r.AddCookie(&http.Cookie{Name: DefaultSessionCookie, Value: token})
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}

	clock.Advance(4 * time.Hour)
	if w := serve(false); len(w.Result().Cookies()) != 0 {
		t.Fatal("a young session was re-issued")
	}
	clock.Advance(2 * time.Hour) // 6 h of 10: past half
	if w := serve(true); len(w.Result().Cookies()) != 0 {
		t.Fatal("a bearer session got a cookie")
	}
	w := serve(false)
	cookies := w.Result().Cookies()
	if len(cookies) != 1 {
		t.Fatalf("got %d cookies, want the refreshed session", len(cookies))
	}
	fresh, err := s.Verify(cookies[0].Value)
	if err != nil {
		t.Fatalf("refreshed token: %v", err)
	}
	if fresh.SessionID != issued.SessionID || fresh.UserID != 3 {
		t.Fatalf("refreshed claims %+v do not continue session %+v", fresh, issued)
	}
	if want := clock.Now().Add(10 * time.Hour).Unix(); fresh.ExpiresAt != want || seen.ExpiresAt != want {
		t.Fatalf("refreshed expiry %d (handler saw %d), want %d", fresh.ExpiresAt, seen.ExpiresAt, want)
	}
}
