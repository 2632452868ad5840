package httpapi

import (
	"fmt"
	"image/color"
	"path/filepath"
	"testing"

	"github.com/targetvision/targetvision/internal/store"
)

// TestAdminAccounts: an administrator lists, adds, disables and removes
// accounts. Disabling stops the account's sessions and API tokens at
// once and refuses its sign-in; removing takes its library; nobody
// disables or removes themselves, and tokens and other users cannot
// manage accounts at all.
func TestAdminAccounts(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, db *store.DB) {
		ts := newTestServer(t, db, func(d *Deps) { d.AllowSignup = true })
		admin := ts.signup("admin@example.com")
		bob := ts.signup("bob@example.com")
		seedLibrary(t, ts, bob, filepath.Join(t.TempDir(), "bob"), "Bob's", color.RGBA{1, 2, 3, 255},
			[]photoSpec{{"b.jpg", "B", "b", nil}}, false)
		tok, err := CreateAPIToken(t.Context(), db, bob.id, "bob's script", false)
		if err != nil {
			t.Fatal(err)
		}
		asBob := func() (cookie, token int) {
			c := ts.do(req{method: "GET", path: "/api/v1/me", cookie: bob.cookie}).Code
			k := ts.do(req{method: "GET", path: "/api/v1/me", header: map[string]string{"Authorization": "Bearer " + tok.Token}}).Code
			return c, k
		}
		if c, k := asBob(); c != 200 || k != 200 {
			t.Fatalf("bob before: cookie %d token %d", c, k)
		}

		var l adminUserList
		decodeBody(t, ts.do(req{method: "GET", path: "/api/v1/users", cookie: admin.cookie}), &l)
		if len(l.Users) != 2 || !l.Users[0].You || !l.Users[0].IsAdmin || l.Users[1].Email != "bob@example.com" {
			t.Fatalf("accounts: %+v", l)
		}
		path := fmt.Sprintf("/api/v1/users/%d", bob.id)
		rec := ts.do(req{method: "PATCH", path: path, cookie: admin.cookie, body: `{"disabled":true}`})
		if rec.Code != 200 {
			t.Fatalf("disable: %d %s", rec.Code, rec.Body)
		}
		if c, k := asBob(); c != 401 || k != 401 {
			t.Errorf("bob disabled: cookie %d token %d, want 401 for both", c, k)
		}
		rec = ts.do(req{method: "POST", path: "/api/v1/auth/login", body: jsonString(t, credentials{Email: bob.email, Password: bob.password})})
		wantError(t, rec, 403, "account_disabled")
		rec = ts.do(req{method: "POST", path: "/api/v1/auth/login", body: jsonString(t, credentials{Email: bob.email, Password: "wrong password"})})
		wantError(t, rec, 401, "bad_credentials") // a stranger learns nothing
		if rec := ts.do(req{method: "PATCH", path: path, cookie: admin.cookie, body: `{"disabled":false}`}); rec.Code != 200 {
			t.Fatalf("enable: %d %s", rec.Code, rec.Body)
		}
		if _, k := asBob(); k != 200 {
			t.Errorf("bob enabled: token %d", k)
		}
		bob.cookie = ts.login(bob)

		// Nobody acts on themselves; no user or token manages accounts.
		wantError(t, ts.do(req{method: "PATCH", path: fmt.Sprintf("/api/v1/users/%d", admin.id), cookie: admin.cookie, body: `{"disabled":true}`}), 400, "bad_request")
		wantError(t, ts.do(req{method: "DELETE", path: fmt.Sprintf("/api/v1/users/%d", admin.id), cookie: admin.cookie}), 400, "bad_request")
		wantError(t, ts.do(req{method: "GET", path: "/api/v1/users", cookie: bob.cookie}), 403, "forbidden")
		adminTok, err := CreateAPIToken(t.Context(), db, admin.id, "admin's script", false)
		if err != nil {
			t.Fatal(err)
		}
		wantError(t, ts.do(req{method: "GET", path: "/api/v1/users", header: map[string]string{"Authorization": "Bearer " + adminTok.Token}}), 403, "session_required")
		wantError(t, ts.do(req{method: "PATCH", path: "/api/v1/users/999999", cookie: admin.cookie, body: `{"disabled":true}`}), 404, "not_found")
		wantError(t, ts.do(req{method: "PATCH", path: path, cookie: admin.cookie, body: `{}`}), 400, "bad_request")

		// Adding: a new account signs in; a taken e-mail is a conflict.
		body := jsonString(t, newUserRequest{credentials: credentials{Email: "carol@example.com", Password: "carol's long password"}})
		if rec := ts.do(req{method: "POST", path: "/api/v1/users", cookie: admin.cookie, body: body}); rec.Code != 201 {
			t.Fatalf("add: %d %s", rec.Code, rec.Body)
		}
		wantError(t, ts.do(req{method: "POST", path: "/api/v1/users", cookie: admin.cookie, body: body}), 409, "conflict")
		rec = ts.do(req{method: "POST", path: "/api/v1/auth/login", body: jsonString(t, credentials{Email: "carol@example.com", Password: "carol's long password"})})
		wantStatus(t, rec, 200)

		// Removing takes bob's library, sessions and tokens.
		if rec := ts.do(req{method: "DELETE", path: path, cookie: admin.cookie}); rec.Code != 204 {
			t.Fatalf("remove: %d %s", rec.Code, rec.Body)
		}
		if c, k := asBob(); c != 401 || k != 401 {
			t.Errorf("bob removed: cookie %d token %d", c, k)
		}
		if _, n, err := db.ListPhotos(t.Context(), bob.id, store.Filter{}, 10, 0); err != nil || n != 0 {
			t.Errorf("bob's photos after removal: %d %v", n, err)
		}
		wantError(t, ts.do(req{method: "DELETE", path: path, cookie: admin.cookie}), 404, "not_found")
	})
}
