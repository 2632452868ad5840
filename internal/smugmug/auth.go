package smugmug

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/dghubble/oauth1"
)

// RequestToken is the temporary credential of an authorization in progress.
// It lives five minutes on SmugMug and can be exchanged once; the web flow
// keeps it (secret included) server-side between the redirect and the
// callback, never in the browser.
type RequestToken struct {
	Token  string
	Secret string
}

// String hides the secret.
func (t RequestToken) String() string { return "smugmug.RequestToken{redacted}" }

// Auth runs SmugMug's OAuth 1.0a authorization: RequestToken, then the user
// approves at the returned URL (and, with the out-of-band flow, types the
// six-digit verifier into the app), then AccessToken.
type Auth struct {
	cfg Config
}

// NewAuth validates cfg and returns an Auth.
func NewAuth(cfg Config) (*Auth, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Auth{cfg: cfg.withDefaults()}, nil
}

// OOB is the callback value of the out-of-band (PIN) flow.
const OOB = "oob"

func (a *Auth) oauthConfig(ctx context.Context, callback string, rec *statusRecorder) *oauth1.Config {
	base := strings.TrimRight(a.cfg.OAuthBase, "/")
	authorize := base + "/authorize?Access=Full&Permissions=" + string(a.cfg.Permissions)
	return &oauth1.Config{
		ConsumerKey:    a.cfg.APIKey,
		ConsumerSecret: a.cfg.APISecret,
		CallbackURL:    callback,
		Endpoint: oauth1.Endpoint{
			RequestTokenURL: base + "/getRequestToken",
			AuthorizeURL:    authorize,
			AccessTokenURL:  base + "/getAccessToken",
		},
		// oauth1's token calls take no context; this client carries ours
		// and records the status so failures become typed errors.
		HTTPClient: &http.Client{
			Transport: &ctxTransport{ctx: ctx, base: a.cfg.HTTPClient.Transport, rec: rec},
			Timeout:   a.cfg.HTTPClient.Timeout,
		},
	}
}

// RequestToken starts an authorization. callback is the URL SmugMug
// redirects to with oauth_token and oauth_verifier (web flow), or "" / OOB
// for the out-of-band flow, where SmugMug shows the user a six-digit PIN.
// authorizeURL asks for Access=Full and the configured Permissions.
func (a *Auth) RequestToken(ctx context.Context, callback string) (rt RequestToken, authorizeURL string, err error) {
	if callback == "" {
		callback = OOB
	}
	rec := &statusRecorder{}
	oc := a.oauthConfig(ctx, callback, rec)
	tok, secret, err := oc.RequestToken()
	if err != nil {
		return RequestToken{}, "", rec.wrap("request token", err)
	}
	u, err := oc.AuthorizationURL(tok)
	if err != nil {
		return RequestToken{}, "", fmt.Errorf("smugmug: authorize URL: %w", err)
	}
	a.cfg.Logger.DebugContext(ctx, "smugmug request token issued", slog.String("flow", flowName(callback)))
	return RequestToken{Token: tok, Secret: secret}, u.String(), nil
}

// AccessToken exchanges the approved request token and the verifier (the
// PIN the user typed, or oauth_verifier from the callback) for the access
// token that signs every API call. SmugMug access tokens do not expire.
func (a *Auth) AccessToken(ctx context.Context, rt RequestToken, verifier string) (Token, error) {
	verifier = strings.TrimSpace(verifier)
	if rt.Token == "" || verifier == "" {
		return Token{}, fmt.Errorf("smugmug: access token: request token and verifier are required")
	}
	rec := &statusRecorder{}
	oc := a.oauthConfig(ctx, "", rec)
	tok, secret, err := oc.AccessToken(rt.Token, rt.Secret, verifier)
	if err != nil {
		return Token{}, rec.wrap("access token", err)
	}
	return Token{Token: tok, Secret: secret}, nil
}

// ParseCallback reads oauth_token and oauth_verifier from the web flow's
// callback request.
func ParseCallback(r *http.Request) (requestToken, verifier string, err error) {
	requestToken, verifier, err = oauth1.ParseAuthorizationCallback(r)
	if err != nil {
		return "", "", fmt.Errorf("smugmug: callback: %w", err)
	}
	return requestToken, verifier, nil
}

func flowName(callback string) string {
	if callback == OOB {
		return "oob"
	}
	return "redirect"
}

// ctxTransport attaches a context to requests made by code that takes none
// and remembers the last response status.
type ctxTransport struct {
	ctx  context.Context
	base http.RoundTripper
	rec  *statusRecorder
}

func (t *ctxTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	req = req.WithContext(t.ctx)
	req.Header.Set("Accept", "application/x-www-form-urlencoded, application/json;q=0.5")
	resp, err := base.RoundTrip(req)
	if err == nil {
		t.rec.status = resp.StatusCode
		if resp.StatusCode >= 300 {
			// Keep a short excerpt (an oauth_problem) for the error; the
			// body of a failure carries no credentials.
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
			resp.Body.Close()
			t.rec.body = strings.TrimSpace(string(b))
			resp.Body = io.NopCloser(strings.NewReader(string(b)))
		}
	}
	return resp, err
}

type statusRecorder struct {
	status int
	body   string
}

func (r *statusRecorder) wrap(step string, err error) error {
	if r.status >= 300 {
		return fmt.Errorf("smugmug: %s: %w", step, &APIError{
			Method: http.MethodPost, Path: step, StatusCode: r.status, Code: r.status, Message: r.body,
		})
	}
	return fmt.Errorf("smugmug: %s: %w", step, err)
}
