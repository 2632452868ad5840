package httpapi

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/auth"
	"github.com/targetvision/targetvision/internal/edge"
	"github.com/targetvision/targetvision/internal/store"
)

// The attacks of issue 13, each reproduced against the handler chain on
// both stores; every one of them succeeded before the fix.

// TestFirstRunClaim: an unclaimed server (the CLI indexed photos, nobody
// signed up) gives its photos and admin rights only to someone with the
// setup code; the reserved address cannot be taken; a request for a host
// name the server does not answer (DNS rebinding) is refused before
// anything else; and of six racing first sign-ups exactly one wins.
func TestFirstRunClaim(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, db *store.DB) {
		ts := newTestServer(t, db)
		ctx := t.Context()
		def, err := db.EnsureDefaultUser(ctx)
		if err != nil {
			t.Fatal(err)
		}
		signup := func(email, code string, header map[string]string) req {
			return req{method: "POST", path: "/api/v1/auth/signup", header: header,
				body: jsonString(t, signupRequest{credentials: credentials{Email: email, Password: "attacker's password"}, SetupCode: code})}
		}
		var st authStatus
		decodeBody(t, ts.do(req{method: "GET", path: "/api/v1/auth/status"}), &st)
		if st.Claimed || !st.SignupOpen {
			t.Errorf("status of an unclaimed server: %+v", st)
		}

		// DNS rebinding: the attacker's page, on the attacker's name
		// resolved to 127.0.0.1, posts with its own Host and Origin.
		rebind := map[string]string{"Host": "attacker.test:8080", "Origin": "http://attacker.test:8080"}
		wantError(t, ts.do(signup("evil@attacker.test", setupCode(t), rebind)), http.StatusMisdirectedRequest, "unknown_host")
		wantError(t, ts.do(req{method: "GET", path: "/api/v1/auth/status", header: rebind}), http.StatusMisdirectedRequest, "unknown_host")

		// Without the code, or with a wrong one, nobody claims the server.
		wantError(t, ts.do(signup("evil@example.com", "", nil)), 403, "setup_code_required")
		wantError(t, ts.do(signup("evil@example.com", "AAAA-BBBB-CCCC", nil)), 403, "setup_code_required")
		// The command line's reserved address, however spelled.
		for _, email := range []string{" LOCAL@targetvision.invalid ", "local@targetvision.invalid", "x@whatever.invalid"} {
			wantError(t, ts.do(signup(email, setupCode(t), nil)), 400, "bad_request")
		}
		if u, err := db.EnsureDefaultUser(ctx); err != nil || u.ID != def.ID || u.PasswordHash != "" {
			t.Fatalf("after the attempts the CLI's user is %+v (%v), want the unclaimed user %d", u, err, def.ID)
		}

		// Six at once, sign-up closed: one admin, five refused.
		var wg sync.WaitGroup
		codes := make([]int, 6)
		for i := range codes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes[i] = ts.do(signup(fmt.Sprintf("racer%d@example.com", i), setupCode(t), nil)).Code
			}()
		}
		wg.Wait()
		created := 0
		for _, c := range codes {
			switch c {
			case http.StatusCreated:
				created++
			case http.StatusForbidden:
			default:
				t.Errorf("a racing sign-up answered %d", c)
			}
		}
		admins := 0
		for i := range codes {
			if u, err := db.UserByEmail(ctx, fmt.Sprintf("racer%d@example.com", i)); err == nil {
				if !u.IsAdmin || u.ID != def.ID {
					t.Errorf("racer %d is %+v, want the claimed default user", i, u)
				}
				admins++
			}
		}
		if created != 1 || admins != 1 {
			t.Fatalf("%d sign-ups created, %d accounts exist (codes %v); want exactly one", created, admins, codes)
		}
		decodeBody(t, ts.do(req{method: "GET", path: "/api/v1/auth/status"}), &st)
		if !st.Claimed || st.SignupOpen {
			t.Errorf("status of a claimed, closed server: %+v", st)
		}
	})
}

// TestReservedAddressWithSignupOpen: with sign-up open, the CLI's address
// cannot be taken, and an account that holds it anyway is not the CLI's.
func TestReservedAddressWithSignupOpen(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, db *store.DB) {
		ts := newTestServer(t, db, func(d *Deps) { d.AllowSignup = true })
		owner := ts.signup("owner@example.com")
		body := jsonString(t, credentials{Email: " LOCAL@targetvision.invalid ", Password: "attacker's password"})
		wantError(t, ts.do(req{method: "POST", path: "/api/v1/auth/signup", body: body}), 400, "bad_request")
		u, err := db.EnsureDefaultUser(t.Context())
		if err != nil || u.ID != owner.id {
			t.Fatalf("the CLI's user is %+v (%v), want the owner %d", u, err, owner.id)
		}
	})
}

// TestSessionsEnd: sign-out ends the session on the server (its token no
// longer works as a cookie or a bearer), a session can be ended from the
// list, "sign out everywhere" ends them all, and a password change ends
// every other session.
func TestSessionsEnd(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, db *store.DB) {
		ts := newTestServer(t, db)
		a := ts.signup("a@example.com")
		me := func(c *http.Cookie) int { return ts.do(req{method: "GET", path: "/api/v1/me", cookie: c}).Code }
		bearerMe := func(c *http.Cookie) int {
			return ts.do(req{method: "GET", path: "/api/v1/me", header: map[string]string{"Authorization": "Bearer " + c.Value}}).Code
		}

		stolen := ts.login(a) // a copy an attacker kept
		if rec := ts.do(req{method: "POST", path: "/api/v1/auth/logout", cookie: stolen}); rec.Code != 204 {
			t.Fatalf("logout: %d", rec.Code)
		}
		if me(stolen) != 401 || bearerMe(stolen) != 401 {
			t.Fatalf("a signed-out token still works: cookie %d, bearer %d", me(stolen), bearerMe(stolen))
		}
		if me(a.cookie) != 200 {
			t.Fatal("signing out one session ended another")
		}

		// The list, and ending one session from another.
		laptop, phone := ts.login(a), ts.login(a)
		var list sessionList
		decodeBody(t, ts.do(req{method: "GET", path: "/api/v1/sessions", cookie: laptop}), &list)
		if len(list.Sessions) != 3 {
			t.Fatalf("sessions %+v, want 3", list.Sessions)
		}
		phoneID := sessionID(t, ts, phone)
		current := 0
		for _, x := range list.Sessions {
			if x.Current {
				current++
				if x.ID != sessionID(t, ts, laptop) {
					t.Errorf("current session %s is not the laptop's", x.ID)
				}
			}
		}
		if current != 1 {
			t.Errorf("%d sessions marked current", current)
		}
		if rec := ts.do(req{method: "DELETE", path: "/api/v1/sessions/" + phoneID, cookie: laptop}); rec.Code != 204 {
			t.Fatalf("end the phone's session: %d %s", rec.Code, rec.Body)
		}
		if me(phone) != 401 || me(laptop) != 200 {
			t.Fatal("ending the phone's session did not end it alone")
		}

		// A password change ends the others, keeps this one.
		change := passwordChange{CurrentPassword: "wrong", NewPassword: "a brand new password"}
		wantError(t, ts.do(req{method: "POST", path: "/api/v1/auth/password", cookie: laptop, body: jsonString(t, change)}), 400, "bad_credentials")
		change.CurrentPassword = a.password
		if rec := ts.do(req{method: "POST", path: "/api/v1/auth/password", cookie: laptop, body: jsonString(t, change)}); rec.Code != 204 {
			t.Fatalf("change password: %d %s", rec.Code, rec.Body)
		}
		if me(a.cookie) != 401 || me(laptop) != 200 {
			t.Fatalf("after a password change: other session %d, this one %d", me(a.cookie), me(laptop))
		}
		wantError(t, ts.do(req{method: "POST", path: "/api/v1/auth/login", body: jsonString(t, credentials{Email: a.email, Password: a.password})}), 401, "bad_credentials")
		a.password = change.NewPassword
		other := ts.login(a)

		// Sign out everywhere.
		if rec := ts.do(req{method: "DELETE", path: "/api/v1/sessions", cookie: laptop}); rec.Code != 204 {
			t.Fatalf("sign out everywhere: %d", rec.Code)
		}
		if me(laptop) != 401 || me(other) != 401 {
			t.Fatal("a session survived signing out everywhere")
		}
	})
}

// sessionID reads the session id a session cookie names.
func sessionID(t *testing.T, ts *testServer, c *http.Cookie) string {
	t.Helper()
	claims, err := ts.srv.d.Sessions.Verify(c.Value)
	if err != nil {
		t.Fatal(err)
	}
	return claims.SessionID
}

// TestBudgetCeiling: the budget spends the operator's API key, so a user
// may lower theirs but not raise it past the deployment's.
func TestBudgetCeiling(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, db *store.DB) {
		ts := newTestServer(t, db, func(d *Deps) { d.AllowSignup = true }, withDefaults(store.UserSettings{MonthlyBudgetUSD: 10}))
		ts.signup("admin@example.com")
		u := ts.signup("user@example.com")
		rec := ts.do(req{method: "PUT", path: "/api/v1/settings", cookie: u.cookie, body: `{"monthly_budget_usd":10000}`})
		wantError(t, rec, 400, "budget_above_ceiling")
		var st UserSettings
		decodeBody(t, ts.do(req{method: "GET", path: "/api/v1/settings", cookie: u.cookie}), &st)
		if st.MonthlyBudgetUSD != 10 {
			t.Fatalf("after the refused raise the budget is %v, want the ceiling 10", st.MonthlyBudgetUSD)
		}
		if rec := ts.do(req{method: "PUT", path: "/api/v1/settings", cookie: u.cookie, body: `{"monthly_budget_usd":2.5}`}); rec.Code != 200 {
			t.Fatalf("lowering the budget: %d %s", rec.Code, rec.Body)
		}
		decodeBody(t, ts.do(req{method: "GET", path: "/api/v1/settings", cookie: u.cookie}), &st)
		if st.MonthlyBudgetUSD != 2.5 {
			t.Fatalf("lowered budget reads %v", st.MonthlyBudgetUSD)
		}
	})
}

// TestBehindProxy: behind a trusted TLS-terminating proxy the cookie is
// Secure, HSTS is sent and each client has its own sign-in budget; the
// same headers from anyone else change nothing.
func TestBehindProxy(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, db *store.DB) {
		trust, err := edge.ParseTrust("10.0.0.0/8")
		if err != nil {
			t.Fatal(err)
		}
		ts := newTestServer(t, db, func(d *Deps) { d.Trust = trust })
		a := ts.signup("a@example.com")
		via := func(peer, client string) map[string]string {
			return map[string]string{"X-Remote-Addr": peer, "X-Forwarded-For": client, "X-Forwarded-Proto": "https"}
		}
		login := func(h map[string]string, pw string) *httpResponse {
			rec := ts.do(req{method: "POST", path: "/api/v1/auth/login", header: h,
				body: jsonString(t, credentials{Email: a.email, Password: pw})})
			return &httpResponse{rec.Code, rec.Header(), rec.Result().Cookies()}
		}
		r := login(via("10.0.0.1", "203.0.113.7"), a.password)
		if r.code != 200 || !secureSession(r.cookies) || !strings.Contains(r.header.Get("Strict-Transport-Security"), "max-age=") {
			t.Fatalf("login through the trusted proxy: %d, cookies %v, HSTS %q", r.code, r.cookies, r.header.Get("Strict-Transport-Security"))
		}
		r = login(via("198.51.100.9", "203.0.113.7"), a.password)
		if r.code != 200 || secureSession(r.cookies) || r.header.Get("Strict-Transport-Security") != "" {
			t.Fatalf("an untrusted peer claiming https got a Secure cookie or HSTS: %v %q", r.cookies, r.header.Get("Strict-Transport-Security"))
		}
		// One client behind the proxy guessing at many accounts spends its
		// own address's budget, not every client's.
		limited := false
		for i := range 25 {
			rec := ts.do(req{method: "POST", path: "/api/v1/auth/login", header: via("10.0.0.1", "198.51.100.50"),
				body: jsonString(t, credentials{Email: fmt.Sprintf("guess%d@example.com", i), Password: "guess"})})
			limited = limited || rec.Code == 429
		}
		if !limited {
			t.Fatal("25 guesses from one client were never limited")
		}
		if c := login(via("10.0.0.1", "203.0.113.200"), a.password).code; c != 200 {
			t.Fatalf("another client behind the same proxy was limited: %d", c)
		}
	})
}

type httpResponse struct {
	code    int
	header  http.Header
	cookies []*http.Cookie
}

func secureSession(cs []*http.Cookie) bool {
	for _, c := range cs {
		if c.Name == auth.DefaultSessionCookie && c.Value != "" {
			return c.Secure
		}
	}
	return false
}

// TestStreamLimit: a user's open event streams are bounded.
func TestStreamLimit(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, db *store.DB) {
		ts := newTestServer(t, db, func(d *Deps) { d.MaxStreamsPerUser = 3; d.RateLimit = 1000 })
		a := ts.signup("a@example.com")
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ts.do(req{method: "GET", path: "/api/v1/events", cookie: a.cookie, timeout: 30 * time.Second, stop: stop})
			}()
		}
		for open := 0; open < 3; {
			ts.srv.streamsMu.Lock()
			open = ts.srv.streams[a.id]
			ts.srv.streamsMu.Unlock()
			time.Sleep(5 * time.Millisecond)
		}
		rec := ts.do(req{method: "GET", path: "/api/v1/events", cookie: a.cookie, timeout: time.Second})
		wantError(t, rec, 429, "too_many_streams")
		close(stop)
		wg.Wait()
		ts.srv.streamsMu.Lock()
		n := ts.srv.streams[a.id]
		ts.srv.streamsMu.Unlock()
		if n != 0 {
			t.Fatalf("%d streams counted after all closed", n)
		}
	})
}

// TestMetricsNeedToken: /metrics is not public.
func TestMetricsNeedToken(t *testing.T) {
	t.Parallel()
	db := stores[0].open(t)
	open := newTestServer(t, db)
	wantError(t, open.do(req{method: "GET", path: "/metrics"}), 404, "not_found")
	ts := newTestServer(t, db, func(d *Deps) { d.MetricsToken = "s3cret-metrics" })
	wantError(t, ts.do(req{method: "GET", path: "/metrics"}), 401, "unauthorized")
	wantError(t, ts.do(req{method: "GET", path: "/metrics", header: map[string]string{"Authorization": "Bearer nope"}}), 401, "unauthorized")
	if rec := ts.do(req{method: "GET", path: "/metrics", header: map[string]string{"Authorization": "Bearer s3cret-metrics"}}); rec.Code != 200 {
		t.Fatalf("metrics with the token: %d", rec.Code)
	}
}

// TestControlCharactersNeverShown: names and text from outside (a file
// named to look like another, an album with terminal escapes, a caption
// with an override) reach every answer without their controls.
func TestControlCharactersNeverShown(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, db *store.DB) {
		ts := newTestServer(t, db)
		a := ts.signup("a@example.com")
		ctx := t.Context()
		src, err := db.CreateSource(ctx, store.Source{UserID: a.id, Kind: store.SourceLocal, Name: "/photos\u202e", Path: "/photos"})
		if err != nil {
			t.Fatal(err)
		}
		album, err := db.UpsertAlbum(ctx, store.Album{UserID: a.id, SourceID: src.ID, Key: "x", Name: "Trip\x1b]0;pwned\x07"})
		if err != nil {
			t.Fatal(err)
		}
		p, _, err := db.UpsertPhoto(ctx, store.Photo{UserID: a.id, SourceID: src.ID, AlbumID: album.ID, SourceKey: "holiday\u202egpj.exe",
			FileName: "holiday\u202egpj.exe", Caption: "caption\u2066 isolate", Keywords: []string{"key\u202dword"},
			CameraMake: "Evil\x1b[2J", Status: store.PhotoReady})
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{"/api/v1/photos", fmt.Sprintf("/api/v1/photos/%d", p.ID), "/api/v1/search?q=holiday",
			"/api/v1/search", "/api/v1/albums", "/api/v1/sources"} {
			rec := ts.do(req{method: "GET", path: path, cookie: a.cookie})
			if rec.Code != 200 {
				t.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
			}
			var v any
			decodeBody(t, rec, &v)
			for _, s := range allStrings(v) {
				if strings.ContainsAny(s, "\u202e\u202d\u2066\x1b\x07") {
					t.Errorf("%s shows %q", path, s)
				}
			}
			if path == "/api/v1/photos" && !strings.Contains(rec.Body.String(), "holidaygpj.exe") {
				t.Errorf("the file name is gone altogether: %s", rec.Body)
			}
		}
	})
}

// allStrings lists every string in a decoded JSON value.
func allStrings(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, allStrings(e)...)
		}
		return out
	case map[string]any:
		var out []string
		for _, e := range x {
			out = append(out, allStrings(e)...)
		}
		return out
	}
	return nil
}

// TestLoginUpgradesOldHashes: a password hashed with weaker parameters
// than the server's is re-hashed at the next sign-in.
func TestLoginUpgradesOldHashes(t *testing.T) {
	t.Parallel()
	db := stores[0].open(t)
	ts := newTestServer(t, db)
	weak, err := auth.NewPasswordHasher(auth.Argon2Params{Memory: 32, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 16})
	if err != nil {
		t.Fatal(err)
	}
	old, err := weak.Hash("an old password")
	if err != nil {
		t.Fatal(err)
	}
	u, err := db.CreateUser(t.Context(), "old@example.com", old, false)
	if err != nil {
		t.Fatal(err)
	}
	ts.login(account{email: u.Email, password: "an old password"})
	got, err := db.UserByID(t.Context(), u.ID)
	if err != nil || got.PasswordHash == old || ts.srv.d.Hasher.NeedsRehash(got.PasswordHash) || ts.srv.d.Hasher.Verify("an old password", got.PasswordHash) != nil {
		t.Fatalf("after sign-in the hash is %q (was %q): want today's parameters, same password", got.PasswordHash, old)
	}
}
