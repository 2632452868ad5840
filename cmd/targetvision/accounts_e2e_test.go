package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestTokensAndAccounts: `tokens create` prints a token once, and a script
// searches a running server with it (`search --server`); `tokens list`
// shows its last use, `tokens revoke` ends it. `users list|disable|remove`
// manage accounts: a disabled account cannot sign in, the last
// administrator stays.
func TestTokensAndAccounts(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	copyPhotos(t, c.dir+"/lib", "Canon_40D.jpg")
	c.ok("index", c.dir+"/lib")
	token := strings.TrimSpace(c.ok("tokens", "create", "backup script", "--read-only"))
	if !strings.HasPrefix(token, "tvk_") || strings.Contains(token, "\n") {
		t.Fatalf("tokens create printed %q, want the token alone", token)
	}
	list := c.ok("tokens", "list")
	if !strings.Contains(list, "backup script") || !strings.Contains(list, "read-only") || !strings.Contains(list, "never") || strings.Contains(list, token) {
		t.Fatalf("tokens list:\n%s", list)
	}

	_, base, _ := c.startServe("--no-workers")
	if _, errOut, code := c.run("search", "--server", base, "Canon"); code == 0 || !strings.Contains(errOut, "TARGETVISION_TOKEN") {
		t.Errorf("search --server without a token: exit %d, %s", code, errOut)
	}
	c.env = append(c.env, "TARGETVISION_TOKEN="+token)
	out := c.ok("search", "--server", base, "Canon")
	if !strings.Contains(out, "Canon_40D.jpg") {
		t.Fatalf("search --server with the token:\n%s", out)
	}
	if list := c.ok("tokens", "list"); strings.Contains(list, "never") {
		t.Errorf("tokens list after a use:\n%s", list)
	}
	// Read-only: the API refuses it a change.
	code, body := doWith(t, http.MethodPut, base+"/api/v1/settings", token, `{"monthly_budget_usd":1}`)
	if code != 403 || !strings.Contains(body, "token_read_only") {
		t.Errorf("a read-only token's change: %d %s", code, body)
	}
	id := strings.Fields(strings.Split(c.ok("tokens", "list"), "\n")[1])[0]
	c.ok("tokens", "revoke", id)
	if _, errOut, code := c.run("search", "--server", base, "Canon"); code == 0 || !strings.Contains(errOut, "401") {
		t.Errorf("search with a revoked token: exit %d, %s", code, errOut)
	}
	if _, errOut, code := c.run("tokens", "revoke", id); code == 0 || !strings.Contains(errOut, "no token") {
		t.Errorf("revoking twice: exit %d, %s", code, errOut)
	}

	// Accounts.
	for _, u := range []string{"root@example.com", "bob@example.com"} {
		cmd := c.cmd(t.Context(), "users", "add", u)
		if u == "root@example.com" {
			cmd.Args = append(cmd.Args, "--admin")
		}
		cmd.Stdin = strings.NewReader("correct horse battery staple\n")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("users add %s: %v %s", u, err, out)
		}
	}
	users := c.ok("users", "list")
	if !strings.Contains(users, "bob@example.com") || !strings.Contains(users, "admin") || !strings.Contains(users, "command line only") {
		t.Errorf("users list:\n%s", users)
	}
	c.ok("users", "disable", "bob@example.com")
	if code, body := doWith(t, http.MethodPost, base+"/api/v1/auth/login", "",
		`{"email":"bob@example.com","password":"correct horse battery staple"}`); code != 403 || !strings.Contains(body, "account_disabled") {
		t.Errorf("a disabled account's sign-in: %d %s", code, body)
	}
	if users := c.ok("users", "list"); !strings.Contains(users, "disabled") {
		t.Errorf("users list after disabling:\n%s", users)
	}
	c.ok("users", "enable", "bob@example.com")
	if code, body := doWith(t, http.MethodPost, base+"/api/v1/auth/login", "",
		`{"email":"bob@example.com","password":"correct horse battery staple"}`); code != 200 {
		t.Errorf("sign-in after enabling: %d %s", code, body)
	}
	if _, errOut, code := c.run("users", "remove", "bob@example.com"); code == 0 || !strings.Contains(errOut, "--yes") {
		t.Errorf("remove without --yes: exit %d %s", code, errOut)
	}
	c.ok("users", "remove", "bob@example.com", "--yes")
	if _, errOut, code := c.run("users", "remove", "root@example.com", "--yes"); code == 0 || !strings.Contains(errOut, "last administrator") {
		t.Errorf("removing the last admin: exit %d %s", code, errOut)
	}
	if users := c.ok("users", "list"); strings.Contains(users, "bob@example.com") {
		t.Errorf("users list after removing bob:\n%s", users)
	}
}

// doWith sends a request with an optional bearer token and JSON body.
func doWith(t testing.TB, method, url, token, body string) (int, string) {
	t.Helper()
	r, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/json")
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
