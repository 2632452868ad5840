package httpapi

import (
	"fmt"
	"strings"
	"testing"

	"github.com/targetvision/targetvision/internal/auth"
	"github.com/targetvision/targetvision/internal/store"
)

// TestAPITokens: a token is shown once and kept only as its digest; it
// works as "Authorization: Bearer" on the API without the same-origin
// check; a read token only reads; no token makes tokens, revokes them,
// changes the password or ends sessions; its last use is listed; revoked,
// it stops at once.
func TestAPITokens(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, db *store.DB) {
		ts := newTestServer(t, db)
		a := ts.signup("a@example.com")
		create := func(name, scope string) newToken {
			t.Helper()
			rec := ts.do(req{method: "POST", path: "/api/v1/tokens", cookie: a.cookie, body: fmt.Sprintf(`{"name":%q,"scope":%q}`, name, scope)})
			var tok newToken
			decodeBody(t, rec, &tok)
			if rec.Code != 201 || !strings.HasPrefix(tok.Token, "tvk_") || tok.Scope != scope || tok.LastUsedAt != nil {
				t.Fatalf("create %s token: %d %s", scope, rec.Code, rec.Body)
			}
			return tok
		}
		ro, rw := create("reader", "read"), create("tagger", "read_write")
		bearer := func(tok newToken, method, path, body string) int {
			t.Helper()
			rec := ts.do(req{method: method, path: path, body: body, header: map[string]string{"Authorization": "Bearer " + tok.Token,
				"Sec-Fetch-Site": "cross-site"}}) // a script is no browser: the same-origin check does not apply
			return rec.Code
		}

		// Kept as a digest only, listed without the token.
		list := ts.do(req{method: "GET", path: "/api/v1/tokens", cookie: a.cookie}).Body.String()
		if strings.Contains(list, ro.Token) || strings.Contains(list, rw.Token) || !strings.Contains(list, ro.Hint) || !strings.HasPrefix(ro.Token, ro.Hint) {
			t.Errorf("the token list shows a token, or no hint: %s", list)
		}
		var n int
		if err := db.SQL().QueryRowContext(t.Context(), "SELECT COUNT(*) FROM api_tokens WHERE digest = $1 OR name = $1 OR hint = $1", ro.Token).Scan(&n); err != nil || n != 0 {
			t.Errorf("the token is stored as it is: %d %v", n, err)
		}

		for _, c := range []struct {
			tok          newToken
			method, path string
			body         string
			want         int
		}{
			{ro, "GET", "/api/v1/search?q=barn", "", 200},
			{ro, "GET", "/api/v1/me", "", 200},
			{ro, "PUT", "/api/v1/settings", `{"monthly_budget_usd":5}`, 403},
			{rw, "PUT", "/api/v1/settings", `{"monthly_budget_usd":5}`, 200},
			{rw, "POST", "/api/v1/tokens", `{"name":"more","scope":"read_write"}`, 403},
			{rw, "DELETE", fmt.Sprintf("/api/v1/tokens/%d", ro.ID), "", 403},
			{rw, "POST", "/api/v1/auth/password", fmt.Sprintf(`{"current_password":%q,"new_password":"another long one"}`, a.password), 403},
			{rw, "DELETE", "/api/v1/sessions", "", 403},
		} {
			if got := bearer(c.tok, c.method, c.path, c.body); got != c.want {
				t.Errorf("%s %s with the %s token: %d, want %d", c.method, c.path, c.tok.Scope, got, c.want)
			}
		}
		rec := ts.do(req{method: "PUT", path: "/api/v1/settings", body: `{}`, header: map[string]string{"Authorization": "Bearer " + ro.Token}})
		wantError(t, rec, 403, "token_read_only")

		// Used: the list says when.
		var l tokenList
		decodeBody(t, ts.do(req{method: "GET", path: "/api/v1/tokens", cookie: a.cookie}), &l)
		for _, x := range l.Tokens {
			if x.LastUsedAt == nil {
				t.Errorf("token %s has no last use after its use", x.Name)
			}
		}

		// Revoked, it stops at once; the other keeps working.
		if rec := ts.do(req{method: "DELETE", path: fmt.Sprintf("/api/v1/tokens/%d", ro.ID), cookie: a.cookie}); rec.Code != 204 {
			t.Fatalf("revoke: %d %s", rec.Code, rec.Body)
		}
		if got := bearer(ro, "GET", "/api/v1/me", ""); got != 401 {
			t.Errorf("a revoked token: %d, want 401", got)
		}
		if got := bearer(rw, "GET", "/api/v1/me", ""); got != 200 {
			t.Errorf("the other token after a revoke: %d", got)
		}
		// A made-up token of the right shape is refused.
		fake, _, _ := auth.GenerateAPIToken()
		if got := bearer(newToken{Token: fake}, "GET", "/api/v1/me", ""); got != 401 {
			t.Errorf("an unknown token: %d, want 401", got)
		}
		// Bad requests.
		for _, body := range []string{`{"name":"","scope":"read"}`, `{"name":"x","scope":"admin"}`, `{"name":"x"}`} {
			wantError(t, ts.do(req{method: "POST", path: "/api/v1/tokens", cookie: a.cookie, body: body}), 400, "bad_request")
		}
	})
}
