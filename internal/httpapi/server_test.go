package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/apierror"
	"github.com/targetvision/targetvision/internal/auth"
	"github.com/targetvision/targetvision/internal/edge"
	"github.com/targetvision/targetvision/internal/observe"
	"github.com/targetvision/targetvision/internal/pipeline"
	"github.com/targetvision/targetvision/internal/search"
	"github.com/targetvision/targetvision/internal/store"
	"github.com/targetvision/targetvision/internal/store/storetest"
)

// testModel is the embedding model name the test engines compare under.
const testModel = "test-clip"

// stores are the two stores every handler test runs on.
var stores = []struct {
	name string
	open func(testing.TB) *store.DB
}{
	{"sqlite", func(t testing.TB) *store.DB { return storetest.OpenSQLite(t, store.Options{}) }},
	{"postgres", func(t testing.TB) *store.DB { return storetest.OpenPostgres(t, store.Options{}) }},
}

// forEachStore runs fn as a parallel subtest per store.
func forEachStore(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			fn(t, st.open(t))
		})
	}
}

// cheapArgon2 makes password hashing take microseconds in tests.
var cheapArgon2 = auth.Argon2Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 16}

// testServer is a real Server with real dependencies on a scratch store.
type testServer struct {
	t       testing.TB
	db      *store.DB
	srv     *Server
	dataDir string
	// contract checks every answer against the OpenAPI document.
	contract *contract
}

// testSecret is the test servers' SECRET_KEY.
var testSecret = []byte("test secret of at least sixteen bytes")

func newTestServer(t testing.TB, db *store.DB, tweak ...func(*Deps)) *testServer {
	t.Helper()
	sessions, err := auth.NewSessions(testSecret, auth.SessionConfig{APITokens: APITokens(db)})
	if err != nil {
		t.Fatal(err)
	}
	devices, err := auth.NewDevices(testSecret, nil)
	if err != nil {
		t.Fatal(err)
	}
	code, err := auth.SetupCode(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	// httptest.NewRequest asks for example.com.
	hosts, err := edge.ParseHosts("https://example.com")
	if err != nil {
		t.Fatal(err)
	}
	hasher, err := auth.NewPasswordHasher(cheapArgon2)
	if err != nil {
		t.Fatal(err)
	}
	dataDir := t.TempDir()
	d := Deps{
		DB:        db,
		Search:    search.New(db, search.Options{Model: testModel, Logger: slog.New(slog.DiscardHandler)}),
		Pipeline:  pipeline.New(db, pipeline.Options{DataDir: dataDir, Defaults: store.UserSettings{ClaudeModel: "claude-haiku-4-5-20251001", MonthlyBudgetUSD: 100}}),
		Sessions:  sessions,
		Devices:   devices,
		SetupCode: code,
		Hosts:     hosts,
		Hasher:    hasher,
		Metrics:   observe.NewMetrics(),
		DataDir:   dataDir,
	}
	for _, f := range tweak {
		f(&d)
	}
	srv, err := New(d)
	if err != nil {
		t.Fatal(err)
	}
	return &testServer{t: t, db: db, srv: srv, dataDir: dataDir, contract: newContract(t, srv)}
}

// withDefaults gives the test server's pipeline the deployment's settings.
func withDefaults(st store.UserSettings) func(*Deps) {
	return func(d *Deps) { d.Pipeline = pipeline.New(d.DB, pipeline.Options{DataDir: d.DataDir, Defaults: st}) }
}

// req describes one request to the test server.
type req struct {
	method, path string
	body         string
	cookie       *http.Cookie
	header       map[string]string
	// timeout bounds streaming requests (the event stream runs until the
	// client goes away); closing stop ends them sooner.
	timeout time.Duration
	stop    <-chan struct{}
}

// do sends r through the whole handler chain (middleware included).
func (ts *testServer) do(r req) *httptest.ResponseRecorder {
	ts.t.Helper()
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	hr := httptest.NewRequest(r.method, r.path, body)
	if r.timeout > 0 {
		ctx, cancel := context.WithTimeout(hr.Context(), r.timeout)
		defer cancel()
		if r.stop != nil {
			go func() {
				select {
				case <-r.stop:
					cancel()
				case <-ctx.Done():
				}
			}()
		}
		hr = hr.WithContext(ctx)
	}
	if r.body != "" {
		hr.Header.Set("Content-Type", "application/json")
	}
	if r.cookie != nil {
		hr.AddCookie(r.cookie)
	}
	for k, v := range r.header {
		switch k {
		case "X-Remote-Addr": // the peer's address, not a header
			hr.RemoteAddr = v + ":40000"
		case "Host":
			hr.Host = v
		default:
			hr.Header.Set(k, v)
		}
	}
	rec := httptest.NewRecorder()
	ts.srv.ServeHTTP(rec, hr)
	// A client that went away before the server wrote anything got no
	// answer (a stream closed while it was still subscribing): there is
	// nothing to hold against the contract. The recorder would show it as
	// an empty 200.
	if hr.Context().Err() != nil && len(rec.Header()) == 0 && rec.Body.Len() == 0 {
		return rec
	}
	ts.contract.check(ts.t, hr, rec)
	return rec
}

// account is a signed-up user and its session cookie.
type account struct {
	id       int64
	email    string
	password string
	admin    bool
	cookie   *http.Cookie
}

// setupCode is the test servers' setup code.
func setupCode(t testing.TB) string {
	t.Helper()
	code, err := auth.SetupCode(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// signup creates an account through the API, with the setup code (which
// only the first sign-up needs), and returns it signed in.
func (ts *testServer) signup(email string) account {
	ts.t.Helper()
	a := account{email: email, password: "correct horse " + email}
	body := signupRequest{credentials: credentials{Email: email, Password: a.password}, SetupCode: setupCode(ts.t)}
	rec := ts.do(req{method: "POST", path: "/api/v1/auth/signup", body: jsonString(ts.t, body)})
	if rec.Code != http.StatusCreated {
		ts.t.Fatalf("signup %s: %d %s", email, rec.Code, rec.Body)
	}
	var u userJSON
	decodeBody(ts.t, rec, &u)
	a.id, a.admin = u.ID, u.IsAdmin
	a.cookie = sessionCookie(ts.t, rec)
	return a
}

// login signs a in anew and returns the new session's cookie.
func (ts *testServer) login(a account) *http.Cookie {
	ts.t.Helper()
	rec := ts.do(req{method: "POST", path: "/api/v1/auth/login", body: jsonString(ts.t, credentials{Email: a.email, Password: a.password})})
	if rec.Code != http.StatusOK {
		ts.t.Fatalf("login %s: %d %s", a.email, rec.Code, rec.Body)
	}
	return sessionCookie(ts.t, rec)
}

func sessionCookie(t testing.TB, rec *httptest.ResponseRecorder) *http.Cookie {
	t.Helper()
	for _, c := range rec.Result().Cookies() {
		if c.Name == auth.DefaultSessionCookie && c.Value != "" {
			return c
		}
	}
	t.Fatalf("no session cookie in %v", rec.Header())
	return nil
}

func jsonString(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func decodeBody(t testing.TB, rec *httptest.ResponseRecorder, v any) {
	t.Helper()
	if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
		t.Fatalf("decode %q: %v", rec.Body, err)
	}
}

// wantError checks an error answer: the status, the JSON content type, the
// {"error":{"code","message"}} shape with the code, and no stack trace.
func wantError(t testing.TB, rec *httptest.ResponseRecorder, status int, code string) {
	t.Helper()
	if rec.Code != status {
		t.Errorf("status %d, want %d; body %s", rec.Code, status, rec.Body)
		return
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("error Content-Type %q", ct)
	}
	var e apierror.Body
	dec := json.NewDecoder(rec.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		t.Errorf("error body is not {\"error\":{…}}: %v", err)
		return
	}
	if e.Error.Code != code || e.Error.Message == "" {
		t.Errorf("error %+v, want code %q and a message", e.Error, code)
	}
	for _, bad := range []string{"goroutine", "panic", ".go:", "runtime.", "Go struct", "json:", "httpapi."} {
		if strings.Contains(e.Error.Message, bad) {
			t.Errorf("error message leaks internals: %q", e.Error.Message)
		}
	}
}

func retryAfterSet(t testing.TB, rec *httptest.ResponseRecorder) {
	t.Helper()
	if ra := rec.Header().Get("Retry-After"); ra == "" || ra == "0" {
		t.Errorf("429 without a positive Retry-After: %q", ra)
	}
}
