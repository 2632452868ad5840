package httpapi

import (
	"bytes"
	"fmt"
	"image/color"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/apierror"
	"github.com/targetvision/targetvision/internal/search"
	"github.com/targetvision/targetvision/internal/store"
)

// TestAccounts: the first sign-up claims the default user and is admin; a
// second is refused unless sign-up is open; sign-in, sign-out and /me.
func TestAccounts(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, db *store.DB) {
		ts := newTestServer(t, db)
		ctx := t.Context()
		def, err := db.EnsureDefaultUser(ctx) // the CLI's user, with photos before any sign-up
		if err != nil {
			t.Fatal(err)
		}
		src, err := db.CreateSource(ctx, store.Source{UserID: def.ID, Kind: store.SourceLocal, Name: "/photos", Path: "/photos"})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.UpsertPhoto(ctx, store.Photo{UserID: def.ID, SourceID: src.ID, SourceKey: "cli.jpg", FileName: "cli.jpg"}); err != nil {
			t.Fatal(err)
		}

		first := ts.signup("Owner@Example.com")
		if !first.admin || first.id != def.ID {
			t.Errorf("first sign-up: admin %v id %d, want admin claiming default user %d", first.admin, first.id, def.ID)
		}
		if !first.cookie.HttpOnly || first.cookie.SameSite != http.SameSiteLaxMode {
			t.Errorf("session cookie %+v: want HttpOnly, SameSite=Lax", first.cookie)
		}

		rec := ts.do(req{method: "GET", path: "/api/v1/me", cookie: first.cookie})
		var me userJSON
		decodeBody(t, rec, &me)
		if rec.Code != 200 || me.ID != first.id || !me.IsAdmin {
			t.Errorf("me: %d %+v", rec.Code, me)
		}
		wantError(t, ts.do(req{method: "GET", path: "/api/v1/me"}), 401, "unauthorized")
		rec = ts.do(req{method: "GET", path: "/api/v1/photos", cookie: first.cookie})
		var list photoList
		decodeBody(t, rec, &list)
		if list.Total != 1 || list.Photos[0].Title != "cli.jpg" {
			t.Errorf("the first account does not have the CLI's photos: %s", rec.Body)
		}
		wantError(t, ts.do(req{method: "GET", path: "/api/v1/me", cookie: &http.Cookie{Name: "tv_session", Value: "v1.forged.token"}}), 401, "unauthorized")

		second := credentials{Email: "guest@example.com", Password: "long enough password"}
		wantError(t, ts.do(req{method: "POST", path: "/api/v1/auth/signup", body: jsonString(t, second)}), 403, "forbidden")

		open := newTestServer(t, db, func(d *Deps) { d.AllowSignup = true })
		g := open.signup(second.Email)
		if g.admin {
			t.Error("second account is admin")
		}
		rec = open.do(req{method: "GET", path: "/api/v1/photos", cookie: g.cookie})
		if decodeBody(t, rec, &list); list.Total != 0 {
			t.Errorf("the second account sees the first's photos: %s", rec.Body)
		}
		// A taken e-mail is answered as sign-in would answer: no more said.
		wantError(t, open.do(req{method: "POST", path: "/api/v1/auth/signup", body: jsonString(t, credentials{Email: second.Email, Password: "not the password"})}),
			401, "bad_credentials")
		if rec := open.do(req{method: "POST", path: "/api/v1/auth/signup", body: jsonString(t, credentials{Email: second.Email, Password: g.password})}); rec.Code != 200 {
			t.Errorf("sign-up with a taken e-mail and its password: %d %s, want 200 signed in", rec.Code, rec.Body)
		}

		for _, c := range []struct {
			name string
			body string
			code int
			err  string
		}{
			{"short password", `{"email":"x@example.com","password":"short"}`, 400, "bad_request"},
			{"no at sign", `{"email":"example.com","password":"long enough password"}`, 400, "bad_request"},
			{"unknown field", `{"email":"x@example.com","password":"long enough password","admin":true}`, 400, "bad_request"},
			{"not json", `email=x`, 400, "bad_request"},
		} {
			t.Run(c.name, func(t *testing.T) {
				wantError(t, open.do(req{method: "POST", path: "/api/v1/auth/signup", body: c.body}), c.code, c.err)
			})
		}

		bad := credentials{Email: first.email, Password: "wrong password!"}
		wantError(t, ts.do(req{method: "POST", path: "/api/v1/auth/login", body: jsonString(t, bad)}), 401, "bad_credentials")
		nobody := credentials{Email: "nobody@example.com", Password: "whatever it is"}
		wantError(t, ts.do(req{method: "POST", path: "/api/v1/auth/login", body: jsonString(t, nobody)}), 401, "bad_credentials")

		// E-mails are case-insensitive.
		good := credentials{Email: "owner@example.COM", Password: first.password}
		rec = ts.do(req{method: "POST", path: "/api/v1/auth/login", body: jsonString(t, good)})
		if rec.Code != 200 {
			t.Fatalf("login: %d %s", rec.Code, rec.Body)
		}
		c := sessionCookie(t, rec)
		if rec := ts.do(req{method: "GET", path: "/api/v1/me", cookie: c}); rec.Code != 200 {
			t.Errorf("me after login: %d", rec.Code)
		}

		rec = ts.do(req{method: "POST", path: "/api/v1/auth/logout", cookie: c})
		if rec.Code != 204 {
			t.Errorf("logout: %d", rec.Code)
		}
		cleared := false
		for _, ck := range rec.Result().Cookies() {
			cleared = cleared || (ck.Name == "tv_session" && ck.MaxAge < 0)
		}
		if !cleared {
			t.Errorf("logout did not clear the cookie: %v", rec.Header()["Set-Cookie"])
		}
	})
}

// TestLoginRateLimit: repeated failures for one account answer 429 with
// Retry-After, even with the right password, and other accounts still work.
func TestLoginRateLimit(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, db *store.DB) {
		ts := newTestServer(t, db, func(d *Deps) { d.AllowSignup = true })
		a := ts.signup("a@example.com")
		b := ts.signup("b@example.com")
		bad := jsonString(t, credentials{Email: a.email, Password: "not the password"})
		var last int
		for range 10 {
			rec := ts.do(req{method: "POST", path: "/api/v1/auth/login", body: bad})
			if last = rec.Code; last == 429 {
				wantError(t, rec, 429, "rate_limited")
				retryAfterSet(t, rec)
				break
			}
			wantError(t, rec, 401, "bad_credentials")
		}
		if last != 429 {
			t.Fatal("ten wrong passwords were never rate limited")
		}
		rec := ts.do(req{method: "POST", path: "/api/v1/auth/login", body: jsonString(t, credentials{Email: a.email, Password: a.password})})
		wantError(t, rec, 429, "rate_limited")
		rec = ts.do(req{method: "POST", path: "/api/v1/auth/login", body: jsonString(t, credentials{Email: b.email, Password: b.password})})
		if rec.Code != 200 {
			t.Errorf("another account was locked out too: %d %s", rec.Code, rec.Body)
		}
	})
}

// TestAPIRateLimit: the per-user budget answers 429 with Retry-After, and
// one user spending theirs leaves another's alone.
func TestAPIRateLimit(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, db *store.DB) {
		ts := newTestServer(t, db, func(d *Deps) { d.AllowSignup = true; d.RateLimit = 1 }) // burst 4
		a := ts.signup("a@example.com")
		b := ts.signup("b@example.com")
		limited := false
		for range 10 {
			rec := ts.do(req{method: "GET", path: "/api/v1/me", cookie: a.cookie})
			if rec.Code == 429 {
				wantError(t, rec, 429, "rate_limited")
				retryAfterSet(t, rec)
				limited = true
				break
			}
		}
		if !limited {
			t.Fatal("ten requests at a budget of 1/s with burst 4 were never limited")
		}
		if rec := ts.do(req{method: "GET", path: "/api/v1/me", cookie: b.cookie}); rec.Code != 200 {
			t.Errorf("the other user was limited too: %d", rec.Code)
		}
	})
}

// TestCSRF: a cross-origin browser POST or PUT is refused, however valid
// its session; same-origin and non-browser requests pass.
func TestCSRF(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, db *store.DB) {
		ts := newTestServer(t, db)
		a := ts.signup("a@example.com")
		settings := `{"claude_model":"","monthly_budget_usd":5}`
		for _, c := range []struct {
			name   string
			header map[string]string
			want   int
		}{
			{"cross-site fetch", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
			{"same-site other origin", map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "http://evil.example.com"}, 403},
			{"foreign Origin", map[string]string{"Origin": "https://evil.example"}, 403},
			{"same-origin fetch", map[string]string{"Sec-Fetch-Site": "same-origin"}, 200},
			{"same Origin", map[string]string{"Origin": "http://example.com"}, 200},
			{"no browser headers", nil, 200},
		} {
			t.Run(c.name, func(t *testing.T) {
				rec := ts.do(req{method: "PUT", path: "/api/v1/settings", body: settings, cookie: a.cookie, header: c.header})
				if c.want == 403 {
					wantError(t, rec, 403, "csrf_rejected")
				} else if rec.Code != c.want {
					t.Errorf("%d %s", rec.Code, rec.Body)
				}
				// Sign-out ends its session, so each case signs in anew.
				rec = ts.do(req{method: "POST", path: "/api/v1/auth/logout", cookie: ts.login(a), header: c.header})
				if c.want == 403 {
					wantError(t, rec, 403, "csrf_rejected")
				} else if rec.Code != 204 {
					t.Errorf("logout %d", rec.Code)
				}
			})
		}
		// A bearer token is no ambient credential a browser would attach:
		// such requests skip the check (and authenticate without the cookie).
		bearer := map[string]string{"Sec-Fetch-Site": "cross-site", "Authorization": "Bearer " + a.cookie.Value}
		if rec := ts.do(req{method: "PUT", path: "/api/v1/settings", body: settings, header: bearer}); rec.Code != 200 {
			t.Errorf("cross-site PUT with a bearer token: %d %s", rec.Code, rec.Body)
		}
		// Reading is never refused: a cross-site GET cannot change anything.
		if rec := ts.do(req{method: "GET", path: "/api/v1/me", cookie: a.cookie, header: map[string]string{"Sec-Fetch-Site": "cross-site"}}); rec.Code != 200 {
			t.Errorf("cross-site GET: %d", rec.Code)
		}
	})
}

// TestBodyLimit: a body over MaxBodyBytes is 413 with the JSON error.
func TestBodyLimit(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, db *store.DB) {
		ts := newTestServer(t, db, func(d *Deps) { d.MaxBodyBytes = 512 })
		big := `{"email":"a@example.com","password":"` + strings.Repeat("x", 1000) + `"}`
		wantError(t, ts.do(req{method: "POST", path: "/api/v1/auth/signup", body: big}), 413, "too_large")
		a := ts.signup("a@example.com")
		big = `{"claude_model":"` + strings.Repeat("m", 1000) + `"}`
		wantError(t, ts.do(req{method: "PUT", path: "/api/v1/settings", body: big, cookie: a.cookie}), 413, "too_large")
	})
}

// TestBadParams: malformed or out-of-bounds input is a 400 (or a 404 for a
// malformed id) with the JSON error body, never a 500.
func TestBadParams(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, db *store.DB) {
		ts := newTestServer(t, db)
		a := ts.signup("a@example.com")
		for _, c := range []struct {
			method, path, body string
			status             int
			code               string
		}{
			{"GET", "/api/v1/search?limit=0", "", 400, "bad_request"},
			{"GET", "/api/v1/search?limit=201", "", 400, "bad_request"},
			{"GET", "/api/v1/search?limit=ten", "", 400, "bad_request"},
			{"GET", "/api/v1/search?limit=99999999999999999999999", "", 400, "bad_request"},
			{"GET", "/api/v1/search?offset=-1", "", 400, "bad_request"},
			{"GET", "/api/v1/search?offset=10001", "", 400, "bad_request"},
			{"GET", "/api/v1/search?from=yesterday", "", 400, "bad_request"},
			{"GET", "/api/v1/search?to=2024-13-45", "", 400, "bad_request"},
			{"GET", "/api/v1/search?source=abc", "", 400, "bad_request"},
			{"GET", "/api/v1/search?source=-3", "", 400, "bad_request"},
			{"GET", "/api/v1/search?has_gps=maybe", "", 400, "bad_request"},
			{"GET", "/api/v1/search?q=" + strings.Repeat("a", 501), "", 400, "bad_request"},
			{"GET", "/api/v1/search?album=" + strings.Repeat("a", 201), "", 400, "bad_request"},
			{"GET", "/api/v1/photos?limit=201", "", 400, "bad_request"},
			{"GET", "/api/v1/photos?offset=x", "", 400, "bad_request"},
			{"GET", "/api/v1/photos?camera=" + strings.Repeat("c", 300), "", 400, "bad_request"},
			{"GET", "/api/v1/jobs?state=stuck", "", 400, "bad_request"},
			{"GET", "/api/v1/jobs?limit=501", "", 400, "bad_request"},
			{"GET", "/api/v1/photos/abc", "", 404, "not_found"},
			{"GET", "/api/v1/photos/0", "", 404, "not_found"},
			{"GET", "/api/v1/photos/-1/thumbnail", "", 404, "not_found"},
			{"GET", "/api/v1/photos/99999999999999999999/image", "", 404, "not_found"},
			{"GET", "/api/v1/photos/12345", "", 404, "not_found"},
			{"GET", "/api/v1/photos/12345/similar", "", 404, "not_found"},
			{"GET", "/api/v1/photos/12345/similar?limit=101", "", 400, "bad_request"},
			{"POST", "/api/v1/sources/x/sync", "", 404, "not_found"},
			{"POST", "/api/v1/sources/777/sync", "", 404, "not_found"},
			{"POST", "/api/v1/jobs/777/retry", "", 404, "not_found"},
			{"DELETE", "/api/v1/jobs/777", "", 404, "not_found"},
			{"POST", "/api/v1/sources", `{"kind":"smugmug","path":"/tmp"}`, 400, "bad_request"},
			{"POST", "/api/v1/sources", `{"kind":"local","path":"relative/dir"}`, 400, "folder_not_allowed"},
			{"POST", "/api/v1/sources", `{"kind":"local","path":"/no/such/folder/anywhere"}`, 400, "folder_not_allowed"},
			{"POST", "/api/v1/sources", `[1,2,3]`, 400, "bad_request"},
			{"POST", "/api/v1/sources", ``, 400, "bad_request"},
			{"PUT", "/api/v1/settings", `{"monthly_budget_usd":-1}`, 400, "bad_request"},
			{"PUT", "/api/v1/settings", `{"monthly_budget_usd":"lots"}`, 400, "bad_request"},
			{"PUT", "/api/v1/settings", `{"claude_model":"` + strings.Repeat("m", 101) + `"}`, 400, "bad_request"},
			{"PUT", "/api/v1/settings", `{"theme":"dark"}`, 400, "bad_request"},
			{"PUT", "/api/v1/settings", `{`, 400, "bad_request"},
			{"PUT", "/api/v1/settings", `{"monthly_budget_usd":1} {"monthly_budget_usd":2}`, 400, "bad_request"},
			{"PUT", "/api/v1/settings", `{"claude_model":"gpt-4o"}`, 400, "unknown_model"},
			{"PUT", "/api/v1/settings", `{"writeback_keywords":true}`, 400, "bad_request"},
			{"PUT", "/api/v1/settings", `"settings"`, 400, "bad_request"},
			{"GET", "/api/v1/no-such-route", "", 404, "not_found"},
			{"DELETE", "/api/v1/photos/1", "", 405, "method_not_allowed"},
			{"POST", "/api/v1/search", "", 405, "method_not_allowed"},
			{"PATCH", "/api/v1/settings", "{}", 405, "method_not_allowed"},
		} {
			t.Run(c.method+" "+c.path[:min(len(c.path), 60)], func(t *testing.T) {
				wantError(t, ts.do(req{method: c.method, path: c.path, body: c.body, cookie: a.cookie}), c.status, c.code)
			})
		}
		// The edges of the documented bounds are accepted.
		for _, path := range []string{
			"/api/v1/search?limit=1&offset=10000", "/api/v1/search?limit=200&from=2024-01-31&to=2024-02-01T10:00:00Z",
			"/api/v1/search?has_gps=true&source=1&q=" + strings.Repeat("é", 500), "/api/v1/photos?limit=200",
			"/api/v1/jobs?state=failed&limit=500",
		} {
			if rec := ts.do(req{method: "GET", path: path, cookie: a.cookie}); rec.Code != 200 {
				t.Errorf("%s: %d %s", path, rec.Code, rec.Body)
			}
		}
	})
}

// TestSecurityHeaders: every kind of answer carries the CSP (no inline
// script), nosniff and the framing ban.
func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, stores[0].open(t))
	for _, path := range []string{"/healthz", "/api/v1/me", "/api/docs", "/api/openapi.json", "/api/v1/nope"} {
		rec := ts.do(req{method: "GET", path: path})
		h := rec.Header()
		csp := h.Get("Content-Security-Policy")
		scriptSrc := ""
		for _, d := range strings.Split(csp, ";") {
			if f := strings.Fields(d); len(f) > 0 && f[0] == "script-src" {
				scriptSrc = d
			}
		}
		if scriptSrc == "" || strings.Contains(scriptSrc, "unsafe-inline") || strings.Contains(scriptSrc, "unsafe-eval") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "DENY" || h.Get("Referrer-Policy") == "" {
			t.Errorf("%s: headers %v", path, h)
		}
	}
}

// TestHealth: liveness, readiness naming the store, and metrics.
func TestHealth(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, db *store.DB) {
		ts := newTestServer(t, db, func(d *Deps) { d.MetricsToken = "metrics-token" })
		rec := ts.do(req{method: "GET", path: "/readyz"})
		var r readyStatus
		decodeBody(t, rec, &r)
		if rec.Code != 200 || r.Status != "ready" || r.Store != string(db.Dialect()) {
			t.Errorf("readyz: %d %+v", rec.Code, r)
		}
		if rec := ts.do(req{method: "GET", path: "/healthz"}); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"ok"`) {
			t.Errorf("healthz: %d %s", rec.Code, rec.Body)
		}
		metrics := req{method: "GET", path: "/metrics", header: map[string]string{"Authorization": "Bearer metrics-token"}}
		if rec := ts.do(metrics); rec.Code != 200 || !strings.Contains(rec.Body.String(), `route="GET /readyz"`) {
			t.Errorf("metrics: %d", rec.Code)
		}
		db.Close() // the store goes away: not ready, but alive
		wantError(t, ts.do(req{method: "GET", path: "/readyz"}), 503, "store_unreachable")
		if rec := ts.do(req{method: "GET", path: "/healthz"}); rec.Code != 200 {
			t.Errorf("healthz without a store: %d", rec.Code)
		}
	})
}

// TestSignupRateLimit: sign-ups (each a password hash) are bounded per
// client address like sign-in attempts.
func TestSignupRateLimit(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, db *store.DB) {
		ts := newTestServer(t, db, func(d *Deps) { d.AllowSignup = true })
		for i := range 40 {
			body := jsonString(t, signupRequest{credentials: credentials{Email: fmt.Sprintf("u%d@example.com", i), Password: "long enough password"},
				SetupCode: setupCode(t)})
			rec := ts.do(req{method: "POST", path: "/api/v1/auth/signup", body: body})
			if rec.Code == 429 {
				wantError(t, rec, 429, "rate_limited")
				retryAfterSet(t, rec)
				return
			}
			if rec.Code != 201 {
				t.Fatalf("signup %d: %d %s", i, rec.Code, rec.Body)
			}
		}
		t.Error("40 sign-ups from one address were never limited")
	})
}

// TestSettings: the deployment's defaults fill what the user left empty,
// in reads and in the answer to a write; the JSON errors are plain words.
func TestSettings(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, db *store.DB) {
		ts := newTestServer(t, db, withDefaults(store.UserSettings{ClaudeModel: "claude-haiku-4-5-20251001", MonthlyBudgetUSD: 10}))
		a := ts.signup("a@example.com")
		get := func() UserSettings {
			rec := ts.do(req{method: "GET", path: "/api/v1/settings", cookie: a.cookie})
			var st UserSettings
			decodeBody(t, rec, &st)
			return st
		}
		if st := get(); st != (UserSettings{ClaudeModel: "claude-haiku-4-5-20251001", MonthlyBudgetUSD: 10}) {
			t.Errorf("fresh settings %+v, want the defaults", st)
		}
		for _, c := range []struct {
			put, want UserSettings
		}{
			{UserSettings{MonthlyBudgetUSD: 5}, UserSettings{ClaudeModel: "claude-haiku-4-5-20251001", MonthlyBudgetUSD: 5}},
			{UserSettings{ClaudeModel: "claude-sonnet-4-6"}, UserSettings{ClaudeModel: "claude-sonnet-4-6", MonthlyBudgetUSD: 10}},
			{UserSettings{ClaudeModel: "claude-opus-4-5-20251101"}, UserSettings{ClaudeModel: "claude-opus-4-5-20251101", MonthlyBudgetUSD: 10}},
			{UserSettings{}, UserSettings{ClaudeModel: "claude-haiku-4-5-20251001", MonthlyBudgetUSD: 10}},
		} {
			rec := ts.do(req{method: "PUT", path: "/api/v1/settings", body: jsonString(t, c.put), cookie: a.cookie})
			var st UserSettings
			decodeBody(t, rec, &st)
			if rec.Code != 200 || st != c.want {
				t.Errorf("PUT %+v: %d %+v, want %+v", c.put, rec.Code, st, c.want)
			}
			if st := get(); st != c.want {
				t.Errorf("GET after PUT %+v: %+v, want %+v", c.put, st, c.want)
			}
		}
		// A model the product cannot price is refused, not "saved" and
		// ignored: the settings stay as they were.
		rec := ts.do(req{method: "PUT", path: "/api/v1/settings", body: `{"claude_model":"gpt-4o"}`, cookie: a.cookie})
		if body := rec.Body.String(); !strings.Contains(body, "claude-sonnet-4-6") {
			t.Errorf("the refusal does not list the models to choose from: %s", body)
		}
		wantError(t, rec, 400, "unknown_model")
		if st := get(); st.ClaudeModel != "claude-haiku-4-5-20251001" {
			t.Errorf("after a refused model the settings read %+v", st)
		}
		// One saved before models were checked is shown as what is used:
		// the deployment's.
		if err := db.SetUserSettings(t.Context(), a.id, store.UserSettings{ClaudeModel: "gpt-4o"}); err != nil {
			t.Fatal(err)
		}
		if st := get(); st.ClaudeModel != "claude-haiku-4-5-20251001" {
			t.Errorf("a stored unknown model reads %+v, want the deployment's", st)
		}
		var ms modelsJSON
		decodeBody(t, ts.do(req{method: "GET", path: "/api/v1/models", cookie: a.cookie}), &ms)
		var defaults []string
		for _, m := range ms.Claude.Models {
			if m.PhotoUSD <= 0 || m.PhotoUSDBatch >= m.PhotoUSD {
				t.Errorf("model %+v: per-photo prices", m)
			}
			if m.IsServerDefault {
				defaults = append(defaults, m.ID)
			}
		}
		if ms.Claude.Default != "claude-haiku-4-5-20251001" || !slices.Equal(defaults, []string{"claude-haiku-4-5"}) || len(ms.Claude.Models) < 3 {
			t.Errorf("GET /api/v1/models' Claude models: %+v", ms.Claude)
		}
		for body, want := range map[string]string{
			`{"monthly_budget_usd":"lots"}`: "monthly_budget_usd must be a JSON number",
			`{"theme":"dark"}`:              `unknown field "theme"`,
			`{"claude_model":`:              "the body is not valid JSON",
			`[]`:                            "the body must be a JSON object",
		} {
			rec := ts.do(req{method: "PUT", path: "/api/v1/settings", body: body, cookie: a.cookie})
			var e apierror.Body
			decodeBody(t, rec, &e)
			if rec.Code != 400 || e.Error.Message != want {
				t.Errorf("PUT %s: %d %q, want 400 %q", body, rec.Code, e.Error.Message, want)
			}
		}
	})
}

// TestMethodNotAllowed: a known API path with the wrong method is a JSON
// 405 naming the methods it takes.
func TestMethodNotAllowed(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, stores[0].open(t))
	a := ts.signup("a@example.com")
	for path, allow := range map[string]string{"/api/v1/settings": "GET, PUT", "/api/v1/sources": "GET, POST", "/api/v1/photos/7": "GET, PATCH"} {
		rec := ts.do(req{method: "DELETE", path: path, cookie: a.cookie})
		wantError(t, rec, 405, "method_not_allowed")
		if got := rec.Header().Get("Allow"); got != allow {
			t.Errorf("DELETE %s: Allow %q, want %q", path, got, allow)
		}
	}
}

// TestSmugMugNotConfigured: without SmugMug credentials the connect flow
// says so (501) rather than showing a missing page; signed out, 401. A
// browser following the "Connect SmugMug" link is sent back to the
// Sources page with the explanation, not shown raw JSON, and the source
// list says SmugMug cannot be connected.
func TestSmugMugNotConfigured(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, stores[0].open(t))
	wantError(t, ts.do(req{method: "GET", path: "/smugmug/connect"}), 401, "unauthorized")
	a := ts.signup("a@example.com")
	wantError(t, ts.do(req{method: "GET", path: "/smugmug/connect", cookie: a.cookie}), 501, "smugmug_not_configured")
	rec := ts.do(req{method: "GET", path: "/smugmug/connect", cookie: a.cookie,
		header: map[string]string{"Accept": "text/html,application/xhtml+xml,*/*;q=0.8", "Sec-Fetch-Mode": "navigate"}})
	loc, _ := url.Parse(rec.Header().Get("Location"))
	if rec.Code != http.StatusSeeOther || loc == nil || loc.Path != "/sources" || !strings.Contains(loc.Query().Get("error"), "SMUGMUG_API_KEY") {
		t.Errorf("a browser's connect: %d, Location %q", rec.Code, rec.Header().Get("Location"))
	}
	var l sourceList
	decodeBody(t, ts.do(req{method: "GET", path: "/api/v1/sources", cookie: a.cookie}), &l)
	if l.SmugMugConfigured {
		t.Error("the source list says SmugMug can be connected")
	}
}

// TestImageRanges: thumbnails answer Range and conditional requests as
// documented (206, 304, 416), and the cache headers keep them private.
func TestImageRanges(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, stores[0].open(t))
	a := ts.signup("a@example.com")
	l := seedLibrary(t, ts, a, filepath.Join(t.TempDir(), "photos"), "Album", color.RGBA{10, 200, 10, 255},
		[]photoSpec{{"one.jpg", "One", "one", nil}}, false)
	path := fmt.Sprintf("/api/v1/photos/%d/thumbnail", l.photos[0].ID)
	rec := ts.do(req{method: "GET", path: path, cookie: a.cookie})
	if rec.Code != 200 || !bytes.Equal(rec.Body.Bytes(), l.thumb) || rec.Header().Get("Cache-Control") != "private, max-age=86400" {
		t.Fatalf("thumbnail: %d %v", rec.Code, rec.Header())
	}
	rec = ts.do(req{method: "GET", path: path, cookie: a.cookie, header: map[string]string{"Range": "bytes=0-9"}})
	if rec.Code != 206 || !bytes.Equal(rec.Body.Bytes(), l.thumb[:10]) {
		t.Errorf("range: %d, %d bytes", rec.Code, rec.Body.Len())
	}
	future := time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)
	if rec := ts.do(req{method: "GET", path: path, cookie: a.cookie, header: map[string]string{"If-Modified-Since": future}}); rec.Code != 304 {
		t.Errorf("conditional: %d", rec.Code)
	}
	rec = ts.do(req{method: "GET", path: path, cookie: a.cookie, header: map[string]string{"Range": "bytes=999999-"}})
	wantError(t, rec, 416, "range_not_satisfiable")
}

// TestWaitingJobsAndSemanticStatus: without a CLIP model, embed jobs are
// reported as waiting, with why and the fix, not as queued forever; and
// every search says that search by meaning is off, and how to turn it on.
func TestWaitingJobsAndSemanticStatus(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, db *store.DB) {
		ts := newTestServer(t, db, func(d *Deps) {
			d.Waiting = func() map[string]string {
				return map[string]string{"embed": "Waiting for a CLIP model: run `targetvision models pull`."}
			}
		})
		a := ts.signup("a@example.com")
		ctx := t.Context()
		for i, kind := range []string{"embed", "embed", "embed", "process"} {
			if _, _, err := db.Enqueue(ctx, store.Job{UserID: a.id, Kind: kind, DedupeKey: fmt.Sprintf("%s:%d", kind, i)}); err != nil {
				t.Fatal(err)
			}
		}
		var jobs struct {
			Counts  map[string]int `json:"counts"`
			Waiting []struct {
				Kind   string `json:"kind"`
				Count  int    `json:"count"`
				Reason string `json:"reason"`
			} `json:"waiting"`
		}
		decodeBody(t, ts.do(req{method: "GET", path: "/api/v1/jobs", cookie: a.cookie}), &jobs)
		if jobs.Counts["queued"] != 1 || jobs.Counts["waiting"] != 3 || len(jobs.Waiting) != 1 ||
			jobs.Waiting[0].Kind != "embed" || jobs.Waiting[0].Count != 3 || !strings.Contains(jobs.Waiting[0].Reason, "models pull") {
			t.Fatalf("jobs: %+v", jobs)
		}
		rec := ts.do(req{method: "GET", path: "/api/v1/events", cookie: a.cookie, timeout: 300 * time.Millisecond})
		if !strings.Contains(rec.Body.String(), `"queued":1,"waiting":3`) {
			t.Fatalf("progress stream: %s", rec.Body.String())
		}

		var res search.Response
		decodeBody(t, ts.do(req{method: "GET", path: "/api/v1/search?q=barn", cookie: a.cookie}), &res)
		if res.Semantic.Enabled || res.Semantic.Reason == "" || !strings.Contains(res.Semantic.Fix, "targetvision models pull") {
			t.Fatalf("semantic status of a search without a model: %+v", res.Semantic)
		}
	})
}
