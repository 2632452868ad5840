package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/auth"
	"github.com/targetvision/targetvision/internal/ratelimit"
	"github.com/targetvision/targetvision/internal/smugmug"
	"github.com/targetvision/targetvision/internal/smugmug/smugmugtest"
	"github.com/targetvision/targetvision/internal/smugsync"
	"github.com/targetvision/targetvision/internal/store"
	"github.com/targetvision/targetvision/internal/store/storetest"
)

// Issue 16: several serve processes on one Postgres share what must be
// shared. These tests run two real serve processes against one database.

// scaleSecret is the SECRET_KEY both processes of a test share, as the
// processes of one deployment do.
const scaleSecret = "scale-test-secret-key-0123456789"

// addUser adds an account with `users add`, the password on standard input.
func (c *cli) addUser(email, password string) {
	c.t.Helper()
	cmd := c.cmd(c.t.Context(), "users", "add", email)
	cmd.Stdin = strings.NewReader(password + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		c.t.Fatalf("users add: %v %s", err, out)
	}
}

// postJSON posts body as JSON and returns the response, its body read.
func postJSON(t testing.TB, url string, body any) (*http.Response, string) {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, err := http.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out bytes.Buffer
	out.ReadFrom(resp.Body)
	return resp, out.String()
}

// TestLoginLimitAcrossProcesses: the per-account sign-in budget (5 a
// minute) holds across two serve processes on one Postgres — guesses
// spread over both are counted together, where each process used to grant
// the whole budget again.
func TestLoginLimitAcrossProcesses(t *testing.T) {
	t.Parallel()
	url := storetest.PostgresURL(t)
	c := newCLI(t, "DATABASE_URL="+url, "TARGETVISION_SYNC_INTERVAL=0", "SECRET_KEY="+scaleSecret)
	c.addUser("ann@example.com", "correct horse battery staple")
	_, a, _ := c.startServe("--no-workers")
	_, b, _ := c.startServe("--no-workers")
	wrong := map[string]string{"email": "ann@example.com", "password": "wrong password, try again"}
	// Five wrong guesses, alternating between the processes, each its own
	// client address budget aside (all come from 127.0.0.1, 20 a minute).
	for i := range 5 {
		base := []string{a, b}[i%2]
		if resp, body := postJSON(t, base+"/api/v1/auth/login", wrong); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("guess %d at %s: %d %s, want 401", i+1, base, resp.StatusCode, body)
		}
	}
	for _, base := range []string{a, b} {
		resp, body := postJSON(t, base+"/api/v1/auth/login", wrong)
		if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "rate_limited") {
			t.Fatalf("sixth guess at %s: %d %s, want 429: the account's budget is per process", base, resp.StatusCode, body)
		}
	}
	right := map[string]string{"email": "ann@example.com", "password": "correct horse battery staple"}
	if resp, body := postJSON(t, a+"/api/v1/auth/login", right); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("the right password within the spent budget: %d %s, want 429 (the budget counts attempts, not failures)", resp.StatusCode, body)
	}
}

// TestSmugMugRateAcrossProcesses: two serve processes sync one SmugMug
// account at the same time (two users connected it, each with a token of
// their own), against the signature-checking fake, and together keep to the
// configured budget, judged on the fake's request clock.
func TestSmugMugRateAcrossProcesses(t *testing.T) {
	t.Parallel()
	const perMinute = 120 // one request every 500 ms
	fake := smugmugtest.New(t, smugmugtest.Options{})
	fake.AddUser("ann", "Ann Adams")
	fake.Generate("ann", 10, func(int) int { return 2 })
	url := storetest.PostgresURL(t)
	c := newCLI(t, "DATABASE_URL="+url, "TARGETVISION_SYNC_INTERVAL=0", "SECRET_KEY="+scaleSecret,
		"TARGETVISION_WORKERS=1", "SMUGMUG_API_KEY="+smugmugtest.ConsumerKey, "SMUGMUG_API_SECRET="+smugmugtest.ConsumerSecret,
		"SMUGMUG_API_BASE="+fake.APIBase(), "SMUGMUG_OAUTH_BASE="+fake.OAuthBase(), fmt.Sprintf("SMUGMUG_REQUESTS_PER_MINUTE=%d", perMinute))

	ctx := t.Context()
	db, err := store.Open(ctx, url, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	box, err := smugsync.NewBox([]byte(scaleSecret))
	if err != nil {
		t.Fatal(err)
	}
	cfg := fake.Config()
	var sources []store.Source
	tokens := map[string]int{}
	for i, email := range []string{"ann@example.com", "bo@example.com"} {
		u, err := db.CreateUser(ctx, email, "x", false)
		if err != nil {
			t.Fatal(err)
		}
		tok := fake.IssueToken("ann", smugmug.PermissionRead)
		tokens[tok.Token] = i
		src, err := smugsync.SaveToken(ctx, db, box, cfg, u.ID, tok)
		if err != nil {
			t.Fatal(err)
		}
		sources = append(sources, src)
	}
	setup := fake.RequestCount()
	// Both processes are up and idle before the syncs are queued, so each
	// takes one (a process runs one job at a time here).
	c.startServe()
	c.startServe()
	for _, src := range sources {
		if _, _, err := db.Enqueue(ctx, store.Job{UserID: src.UserID, Kind: "sync", Priority: 10,
			DedupeKey: fmt.Sprintf("sync:%d", src.ID), Payload: fmt.Appendf(nil, `{"source_id":%d}`, src.ID)}); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		done := 0
		for _, src := range sources {
			if n, err := db.CountJobs(ctx, src.UserID, "sync", store.JobDone); err != nil {
				t.Fatal(err)
			} else {
				done += n
			}
		}
		if done == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the syncs did not finish: %d of 2 done", done)
		}
		time.Sleep(200 * time.Millisecond)
	}
	reqs := fake.Requests()[setup:]
	// Each sync lists the user, the albums and each album's images: 12
	// API requests, 24 in all, which at 2 a second take 11.5 s or more.
	var api []smugmugtest.RequestRecord
	first, last := [2]int{-1, -1}, [2]int{}
	for _, r := range reqs {
		if !strings.HasPrefix(r.Path, "/api/v2") {
			continue
		}
		who, ok := tokens[r.Token]
		if !ok {
			t.Fatalf("request %s with an unknown token", r.Path)
		}
		if first[who] < 0 {
			first[who] = len(api)
		}
		last[who] = len(api)
		api = append(api, r)
	}
	if len(api) != 24 {
		t.Fatalf("%d API requests, want 24", len(api))
	}
	if first[0] > last[1] || first[1] > last[0] {
		t.Fatalf("the two syncs did not overlap (requests %d–%d and %d–%d): nothing was shared", first[0], last[0], first[1], last[1])
	}
	// Two tokens of slack tolerate a request arriving up to a second after
	// its token came due (the processes' scheduling on a busy machine);
	// two processes with a budget each send twice the rate, one token too
	// many every 500 ms, and fail within the first few requests.
	if v := smugmugtest.RateViolation(api, ratelimit.PerMinute(perMinute, 1), 2); v != "" {
		t.Fatalf("%s\nthe two processes together exceeded %d requests a minute", v, perMinute)
	}
}

// login signs in at base and returns the session cookie.
func login(t testing.TB, base, email, password string) *http.Cookie {
	t.Helper()
	resp, _ := postJSON(t, base+"/api/v1/auth/login", map[string]string{"email": email, "password": password})
	for _, ck := range resp.Cookies() {
		if ck.Name == auth.DefaultSessionCookie && ck.Value != "" {
			return ck
		}
	}
	t.Fatalf("sign-in at %s: %d, no session cookie", base, resp.StatusCode)
	return nil
}

// progressStream opens GET /api/v1/events and sends each progress event's
// data on the returned channel until ctx ends.
func progressStream(t *testing.T, ctx context.Context, base string, session *http.Cookie) <-chan map[string]any {
	t.Helper()
	r, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/events", nil)
	r.AddCookie(session)
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("events at %s: %d", base, resp.StatusCode)
	}
	out := make(chan map[string]any, 1000)
	go func() {
		defer resp.Body.Close()
		defer close(out)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var ev map[string]any
				if json.Unmarshal([]byte(data), &ev) == nil {
					out <- ev
				}
			}
		}
	}()
	return out
}

// TestProgressAcrossProcesses: a process with workers indexes photos; the
// Activity stream open on another process, which runs no workers and
// polls nothing, shows the progress as it happens — pushed through
// Postgres (LISTEN/NOTIFY) — and ends at the finished counts.
func TestProgressAcrossProcesses(t *testing.T) {
	t.Parallel()
	url := storetest.PostgresURL(t)
	c := newCLI(t, "DATABASE_URL="+url, "TARGETVISION_SYNC_INTERVAL=0", "SECRET_KEY="+scaleSecret)
	c.addUser("ann@example.com", "correct horse battery staple")
	_, web, _ := c.startServe("--no-workers")
	session := login(t, web, "ann@example.com", "correct horse battery staple")
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	events := progressStream(t, ctx, web, session)
	if ev := <-events; ev["queued"] != 0.0 || ev["done"] != 0.0 {
		t.Fatalf("first event %v, want nothing yet", ev)
	}

	db, err := store.Open(ctx, url, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u, err := db.UserByEmail(ctx, "ann@example.com")
	if err != nil {
		t.Fatal(err)
	}
	lib := filepath.Join(c.dir, "lib")
	copyPhotos(t, lib, "Canon_40D.jpg", "Nikon_D70.jpg", "Kodak_CX7530.jpg")
	src, err := db.CreateSource(ctx, store.Source{UserID: u.ID, Kind: store.SourceLocal, Name: lib, Path: lib})
	if err != nil {
		t.Fatal(err)
	}
	// The sync job is queued from outside both processes (this test's own
	// connection): the web process's stream shows it, before any worker runs.
	if _, _, err := db.Enqueue(ctx, store.Job{UserID: u.ID, Kind: "sync", Priority: 10, DedupeKey: fmt.Sprintf("sync:%d", src.ID),
		Payload: fmt.Appendf(nil, `{"source_id":%d}`, src.ID)}); err != nil {
		t.Fatal(err)
	}
	var seen []string
	for {
		ev, ok := <-events
		if !ok {
			t.Fatalf("the stream ended after %v", seen)
		}
		seen = append(seen, fmt.Sprintf("%v/%v/%v", ev["queued"], ev["running"], ev["done"]))
		if ev["queued"] == 1.0 && ev["done"] == 0.0 {
			break
		}
	}
	c.startServe() // the worker, another process
	// sync + 3 process jobs finish; embed and describe wait (no model, no key).
	for {
		ev, ok := <-events
		if !ok {
			t.Fatalf("the stream ended after %v", seen)
		}
		seen = append(seen, fmt.Sprintf("%v/%v/%v", ev["queued"], ev["running"], ev["done"]))
		if ev["done"] == 4.0 && ev["running"] == 0.0 && ev["queued"] == 0.0 {
			break
		}
	}
	// (How many steps between the two the stream shows depends on how fast
	// the worker runs: changes that land together may come as one event.)
	// Nothing changes now: the stream stays quiet (keep-alives are no events).
	select {
	case ev := <-events:
		t.Fatalf("an event with nothing changed: %v", ev)
	case <-time.After(2 * time.Second):
	}
}
