package smugmug_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/targetvision/targetvision/internal/smugmug"
	"github.com/targetvision/targetvision/internal/smugmug/smugmugtest"
)

// approve plays the user's browser: it opens the authorize URL and returns
// the PIN page or the redirect target.
func approve(t *testing.T, client *http.Client, authorizeURL string) *http.Response {
	t.Helper()
	noFollow := *client
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := noFollow.Get(authorizeURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestPINFlowConnects(t *testing.T) {
	t.Parallel()
	for _, perm := range []smugmug.Permission{smugmug.PermissionRead, smugmug.PermissionModify} {
		t.Run(string(perm), func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			fake := smugmugtest.New(t, smugmugtest.Options{})
			fake.AddUser("ansel", "Ansel A")
			cfg := fake.Config()
			cfg.Permissions = perm
			auth, err := smugmug.NewAuth(cfg)
			if err != nil {
				t.Fatal(err)
			}
			rt, authURL, err := auth.RequestToken(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			u, err := url.Parse(authURL)
			if err != nil {
				t.Fatal(err)
			}
			if got := u.Query(); got.Get("Access") != "Full" || got.Get("Permissions") != string(perm) || got.Get("oauth_token") != rt.Token {
				t.Fatalf("authorize URL %s lacks Access=Full, Permissions=%s or the request token", authURL, perm)
			}
			if !strings.HasPrefix(authURL, fake.OAuthBase()+"/authorize?") {
				t.Fatalf("authorize URL %s not under the OAuth base", authURL)
			}
			resp := approve(t, cfg.HTTPClient, authURL)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("authorize page: %s", resp.Status)
			}
			pin := fake.Verifier(rt.Token)
			if len(pin) != 6 {
				t.Fatalf("PIN %q is not six digits", pin)
			}

			if _, err := auth.AccessToken(ctx, rt, "000000x"); err == nil {
				t.Fatal("a wrong PIN was accepted")
			}
			// A wrong PIN does not burn the request token on the fake;
			// the right one (typed with stray spaces) succeeds.
			tok, err := auth.AccessToken(ctx, rt, " "+pin+"\n")
			if err != nil {
				t.Fatal(err)
			}
			nick, granted, ok := fake.TokenOwner(tok.Token)
			if !ok || nick != "ansel" || granted != perm {
				t.Fatalf("token belongs to %q with %q, want ansel with %s", nick, granted, perm)
			}
			// The request token is single-use.
			if _, err := auth.AccessToken(ctx, rt, pin); !errors.Is(err, smugmug.ErrUnauthorized) {
				t.Fatalf("reused request token: err = %v, want ErrUnauthorized", err)
			}
			// The access token signs API calls.
			c, err := smugmug.NewClient(cfg, tok)
			if err != nil {
				t.Fatal(err)
			}
			me, err := c.AuthUser(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if me.NickName != "ansel" || me.Name != "Ansel A" {
				t.Fatalf("authuser = %+v", me)
			}
		})
	}
}

func TestRedirectFlow(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	fake := smugmugtest.New(t, smugmugtest.Options{})
	fake.AddUser("first", "First")
	fake.AddUser("second", "Second")
	fake.AuthorizeAs("second")
	cfg := fake.Config()
	auth, err := smugmug.NewAuth(cfg)
	if err != nil {
		t.Fatal(err)
	}
	const callback = "http://localhost:8080/smugmug/callback?source=7"
	rt, authURL, err := auth.RequestToken(ctx, callback)
	if err != nil {
		t.Fatal(err)
	}
	resp := approve(t, cfg.HTTPClient, authURL)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize: %s, want a redirect", resp.Status)
	}
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, "http://localhost:8080/smugmug/callback?") {
		t.Fatalf("redirected to %s", loc)
	}
	cbReq, err := http.NewRequest(http.MethodGet, loc, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cbReq.URL.Query().Get("source") != "7" {
		t.Fatal("callback lost its own query")
	}
	gotRT, verifier, err := smugmug.ParseCallback(cbReq)
	if err != nil {
		t.Fatal(err)
	}
	if gotRT != rt.Token {
		t.Fatalf("callback token %q, want %q", gotRT, rt.Token)
	}
	tok, err := auth.AccessToken(ctx, rt, verifier)
	if err != nil {
		t.Fatal(err)
	}
	if nick, _, _ := fake.TokenOwner(tok.Token); nick != "second" {
		t.Fatalf("token belongs to %q, want second", nick)
	}
}

func TestTokenStepsRejectWrongConsumerSecret(t *testing.T) {
	t.Parallel()
	fake := smugmugtest.New(t, smugmugtest.Options{})
	fake.AddUser("ansel", "")
	cfg := fake.Config()
	cfg.APISecret = "not-the-secret"
	auth, err := smugmug.NewAuth(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = auth.RequestToken(t.Context(), "")
	var apiErr *smugmug.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnauthorized || !errors.Is(err, smugmug.ErrUnauthorized) {
		t.Fatalf("err = %v, want a 401 APIError", err)
	}
	if !strings.Contains(apiErr.Message, "signature_invalid") {
		t.Fatalf("message %q does not name the problem", apiErr.Message)
	}
}

func TestRequestTokenHonoursContext(t *testing.T) {
	t.Parallel()
	fake := smugmugtest.New(t, smugmugtest.Options{})
	auth, err := smugmug.NewAuth(fake.Config())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, _, err := auth.RequestToken(ctx, ""); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}
