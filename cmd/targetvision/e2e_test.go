package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/claude/claudetest"
	"github.com/targetvision/targetvision/internal/clip/cliptest"
	"github.com/targetvision/targetvision/internal/smugmug/smugmugtest"
	"github.com/targetvision/targetvision/internal/store"
	"github.com/targetvision/targetvision/internal/store/storetest"

	"github.com/targetvision/targetvision/internal/testshared"
)

// The end-to-end tests build the real binary once and run it as a user would.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tv-e2e")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "targetvision")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type cli struct {
	t   testing.TB
	env []string
	dir string
}

func newCLI(t testing.TB, extraEnv ...string) *cli {
	dir := t.TempDir()
	// Tests never touch the internet: the self-check's reference image
	// comes from a port nothing answers on unless a test serves it.
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "TARGETVISION_DATA=" + filepath.Join(dir, "data"),
		"TARGETVISION_LOG_FORMAT=json", "TARGETVISION_WORKERS=2", "TARGETVISION_CLIP_CHECK_IMAGE=http://127.0.0.1:9/CLIP.png"}
	return &cli{t: t, env: append(env, extraEnv...), dir: dir}
}

func (c *cli) cmd(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = c.env
	cmd.Dir = c.dir
	return cmd
}

// run runs the binary and returns stdout, stderr and the exit code.
func (c *cli) run(args ...string) (string, string, int) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := c.cmd(ctx, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		c.t.Fatalf("run %v: %v", args, err)
	}
	return stdout.String(), stderr.String(), code
}

func (c *cli) ok(args ...string) string {
	c.t.Helper()
	out, errOut, code := c.run(args...)
	if code != 0 {
		c.t.Fatalf("targetvision %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

type searchJSON struct {
	Query   string `json:"query"`
	Total   int    `json:"total"`
	Results []struct {
		PhotoID int64 `json:"photo_id"`
		AlsoIn  []struct {
			PhotoID int64 `json:"photo_id"`
		} `json:"also_in"`
		Score        float64 `json:"score"`
		Title        string  `json:"title"`
		ThumbnailURL string  `json:"thumbnail_url"`
		Album        string  `json:"album"`
		Why          struct {
			TextRank     *int     `json:"text_rank"`
			MatchedTerms []string `json:"matched_terms"`
		} `json:"why"`
	} `json:"results"`
}

func (c *cli) search(q string) searchJSON {
	c.t.Helper()
	var res searchJSON
	out := c.ok("search", q, "--json", "--limit", "50")
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		c.t.Fatalf("search %q: bad JSON %v:\n%s", q, err, out)
	}
	return res
}

// TestIndexAndSearchSharedPhotos is issue 2's "done when": index the shared
// test photos (corrupt ones reported, not fatal) and find them by camera
// model and file-name words.
func TestIndexAndSearchSharedPhotos(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	photos := filepath.Join(testshared.Path(t), "testdata", "photos")
	out := c.ok("index", photos)
	for _, want := range []string{"photos ready", "failed: odd/decompression_bomb.gif", "over the 100.0 MP limit"} {
		if !strings.Contains(out, want) {
			t.Errorf("index summary lacks %q:\n%s", want, out)
		}
	}
	cases := []struct {
		query   string
		wantAny string // a title that must be among the results
	}{
		{"Canon", "Canon_40D.jpg"},
		{"40D", "Canon_40D.jpg"},
		{"D70", "Nikon_D70.jpg"},
		{"knocker", "door-knocker.jpg"},
		{"peacock", "peacock.progressive.jpeg"},
		{"orientation", "Landscape_5.jpg"},
	}
	for _, tc := range cases {
		res := c.search(tc.query)
		found := false
		for _, r := range res.Results {
			if r.Title == tc.wantAny {
				found = true
				if r.Why.TextRank == nil || !strings.HasPrefix(r.ThumbnailURL, "/api/v1/photos/") {
					t.Errorf("%q: result lacks why/thumbnail: %+v", tc.query, r)
				}
			}
		}
		if !found {
			t.Errorf("search %q: %s not among %d results", tc.query, tc.wantAny, len(res.Results))
		}
	}
	if res := c.search("zebra-unicorn-nothing"); len(res.Results) != 0 {
		t.Errorf("nonsense query found %d photos", len(res.Results))
	}

	// Re-indexing the same folder is a no-op.
	again := c.ok("index", photos)
	if !strings.Contains(again, " 0 new, 0 changed, 0 moved, 0 deleted") {
		t.Errorf("re-index was not a no-op:\n%s", again)
	}
}

// TestIndexMovesAndDeletes: a moved file keeps its photo id; a deleted one leaves.
func TestIndexMovesAndDeletes(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	lib := filepath.Join(c.dir, "lib")
	os.MkdirAll(filepath.Join(lib, "a"), 0o755)
	src := filepath.Join(testshared.Path(t), "testdata", "photos", "camera")
	for _, f := range []string{"Canon_40D.jpg", "Nikon_D70.jpg"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(lib, "a", f), b, 0o644)
	}
	c.ok("index", lib)
	before := c.search("Canon")
	if len(before.Results) != 1 {
		t.Fatalf("want 1 Canon, got %+v", before)
	}
	os.MkdirAll(filepath.Join(lib, "b"), 0o755)
	if err := os.Rename(filepath.Join(lib, "a", "Canon_40D.jpg"), filepath.Join(lib, "b", "Canon_40D.jpg")); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(lib, "a", "Nikon_D70.jpg"))
	out := c.ok("index", lib)
	if !strings.Contains(out, "1 moved, 1 deleted") {
		t.Fatalf("sync summary:\n%s", out)
	}
	after := c.search("Canon")
	if len(after.Results) != 1 || after.Results[0].PhotoID != before.Results[0].PhotoID || after.Results[0].Album != "b" {
		t.Fatalf("moved photo: before %+v after %+v", before.Results, after.Results)
	}
	if res := c.search("D70"); len(res.Results) != 0 {
		t.Fatalf("deleted photo still found: %+v", res.Results)
	}
}

func TestCLIErrorsAndHelp(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	for _, cmd := range [][]string{{"--help"}, {"serve", "--help"}, {"index", "--help"}, {"sync", "--help"}, {"search", "--help"},
		{"models", "pull", "--help"}, {"embed", "--help"}, {"migrate", "--help"}, {"users", "add", "--help"}, {"smugmug", "connect", "--help"},
		{"sources", "list", "--help"}, {"sources", "remove", "--help"}, {"bench", "index", "--help"}} {
		if out := c.ok(cmd...); !strings.Contains(out, "Usage:") {
			t.Errorf("%v: no usage:\n%s", cmd, out)
		}
	}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"index", filepath.Join(c.dir, "missing")}, "is not a folder"},
		{[]string{"sync"}, "no sources yet"},
		{[]string{"search", "x", "--user", "nobody@example.com"}, "no user nobody@example.com"},
		{[]string{"embed", "--text", "x"}, "models pull"},
		{[]string{"frobnicate"}, "unknown command"},
	}
	for _, tc := range cases {
		_, errOut, code := c.run(tc.args...)
		lines := strings.Split(strings.TrimSpace(errOut), "\n")
		last := lines[len(lines)-1]
		if code == 0 || !strings.Contains(last, tc.want) || !strings.HasPrefix(last, "targetvision: ") {
			t.Errorf("%v: exit %d, last stderr line %q; want a one-line reason containing %q", tc.args, code, last, tc.want)
		}
	}
	// migrate is idempotent and says so.
	if out := c.ok("migrate"); !strings.Contains(out, "schema is current") {
		t.Errorf("migrate: %s", out)
	}
	// The secret key is generated once, 0600.
	st, err := os.Stat(filepath.Join(c.dir, "data", "secret.key"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("secret key: %v %v", st, err)
	}
}

func TestUsersAddAndSelect(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	cmd := c.cmd(t.Context(), "users", "add", "ann@example.com")
	cmd.Stdin = strings.NewReader("correct horse battery staple\n")
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "added user") {
		t.Fatalf("users add: %v %s", err, out)
	}
	lib := filepath.Join(c.dir, "lib")
	os.MkdirAll(lib, 0o755)
	b, _ := os.ReadFile(filepath.Join(testshared.Path(t), "testdata", "photos", "camera", "Canon_40D.jpg"))
	os.WriteFile(filepath.Join(lib, "Canon_40D.jpg"), b, 0o644)
	c.ok("index", lib, "--user", "ann@example.com")
	if res := c.search("Canon"); len(res.Results) != 0 {
		t.Fatalf("the default user sees ann's photo: %+v", res.Results)
	}
	out := c.ok("search", "Canon", "--json", "--user", "ann@example.com")
	if !strings.Contains(out, "Canon_40D.jpg") {
		t.Fatalf("ann cannot find her photo:\n%s", out)
	}
}

func freeAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startServe starts `serve` and waits for /healthz.
func (c *cli) startServe(args ...string) (*exec.Cmd, string, *bytes.Buffer) {
	c.t.Helper()
	addr := freeAddr(c.t)
	cmd := c.cmd(context.Background(), append([]string{"serve", "--addr", addr}, args...)...)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	base := "http://" + addr
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return cmd, base, &logs
			}
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("serve did not come up:\n%s", logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func get(t testing.TB, url string) (int, string) {
	t.Helper()
	return getWith(t, url, "")
}

// getWith GETs url with a bearer token when one is given.
func getWith(t testing.TB, url, token string) (int, string) {
	t.Helper()
	return doWith(t, http.MethodGet, url, token, "")
}

// TestServeHealthMetricsShutdown: health, readiness, metrics, the API's
// auth wall and error shape, and a clean SIGTERM.
func TestServeHealthMetricsShutdown(t *testing.T) {
	t.Parallel()
	c := newCLI(t, "TARGETVISION_METRICS_TOKEN=metrics-token")
	cmd, base, logs := c.startServe()
	get := func(t *testing.T, url string) (int, string) { return getWith(t, url, "metrics-token") }
	if code, body := get(t, base+"/readyz"); code != 200 || !strings.Contains(body, `"ready"`) {
		t.Errorf("readyz: %d %s", code, body)
	}
	if code, body := get(t, base+"/metrics"); code != 200 || !strings.Contains(body, "go_goroutines") {
		t.Errorf("metrics: %d", code)
	}
	code, body := get(t, base+"/api/v1/search?q=x")
	if code != 401 || !strings.Contains(body, `"error":{"code":"unauthorized"`) {
		t.Errorf("unauthenticated search: %d %s", code, body)
	}
	if code, body := get(t, base+"/api/v1/nope"); code != 404 || !strings.Contains(body, `"code":"not_found"`) {
		t.Errorf("unknown API route: %d %s", code, body)
	}
	if code, _ := get(t, base+"/metrics"); code != 200 {
		t.Fatal("metrics gone")
	}
	if _, body := get(t, base+"/metrics"); !strings.Contains(body, `targetvision_http_requests_total{code="4xx",method="GET",route="GET /api/v1/search"}`) {
		t.Errorf("request metric missing:\n%s", body)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve exited with %v:\n%s", err, logs)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("serve ignored SIGTERM:\n%s", logs)
	}
	if !strings.Contains(logs.String(), `"msg":"stopped"`) {
		t.Errorf("no orderly stop in logs:\n%s", logs)
	}
}

// TestTwoWorkersOnePostgres runs two serve processes on one Postgres: every
// job runs exactly once (attempts stay 1) and all photos get processed.
func TestTwoWorkersOnePostgres(t *testing.T) {
	t.Parallel()
	url := storetest.PostgresURL(t)
	c := newCLI(t, "DATABASE_URL="+url, "TARGETVISION_SYNC_INTERVAL=0")
	photos := filepath.Join(testshared.Path(t), "testdata", "photos")
	// Queue the work without running it: add the source through the store,
	// then let two serve processes race for the jobs.
	ctx := t.Context()
	db, err := store.Open(ctx, url, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u, err := db.EnsureDefaultUser(ctx)
	if err != nil {
		t.Fatal(err)
	}
	src, err := db.CreateSource(ctx, store.Source{UserID: u.ID, Kind: store.SourceLocal, Name: photos, Path: photos})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.Enqueue(ctx, store.Job{UserID: u.ID, Kind: "sync", Payload: []byte(fmt.Sprintf(`{"source_id":%d}`, src.ID))}); err != nil {
		t.Fatal(err)
	}
	c.startServe()
	c.startServe()
	// Without a CLIP model or an API key, embed and describe jobs wait in
	// the queue by design; sync and process jobs must all finish.
	deadline := time.Now().Add(3 * time.Minute)
	for {
		all, err := db.Jobs(ctx, u.ID, "", 1000)
		if err != nil {
			t.Fatal(err)
		}
		busy, processed := 0, 0
		for _, j := range all {
			if j.Kind != "sync" && j.Kind != "process" {
				continue
			}
			if j.State == store.JobQueued || j.State == store.JobRunning {
				busy++
			} else if j.Kind == "process" {
				processed++
			}
		}
		if busy == 0 && processed > 30 {
			for _, j := range all {
				if j.Attempts > 1 {
					t.Errorf("job %d (%s) ran %d times", j.ID, j.Kind, j.Attempts)
				}
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("jobs did not finish: %d busy, %d processed", busy, processed)
		}
		time.Sleep(200 * time.Millisecond)
	}
	ps, _, err := db.ListPhotos(ctx, u.ID, store.Filter{Status: store.PhotoPending}, 10, 0)
	if err != nil || len(ps) != 0 {
		t.Fatalf("photos left pending: %d %v", len(ps), err)
	}
}

// copyPhotos copies shared camera photos into dir.
// copyTree copies the files under src to dst.
func copyTree(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dst, rel)), 0o700); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func copyPhotos(t testing.TB, dir string, names ...string) {
	t.Helper()
	os.MkdirAll(dir, 0o755)
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(testshared.Path(t), "testdata", "photos", "camera", n))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, n), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDescribeWithClaude indexes photos with Claude (the real SDK against
// the fake API): descriptions become searchable, and the same photo in a
// second source is not paid for again.
func TestDescribeWithClaude(t *testing.T) {
	t.Parallel()
	fake := claudetest.New(t, claudetest.Options{})
	c := newCLI(t, "ANTHROPIC_API_KEY=test-key", "ANTHROPIC_BASE_URL="+fake.URL)
	copyPhotos(t, filepath.Join(c.dir, "lib"), "Canon_40D.jpg", "Nikon_D70.jpg", "Pentax_K10D.jpg")
	c.ok("index", filepath.Join(c.dir, "lib"))
	if got := fake.Stats().Answered; got != 3 {
		t.Fatalf("Claude answered %d times, want 3", got)
	}
	res := c.search("countryside")
	if len(res.Results) != 3 {
		t.Fatalf("descriptions not searchable: %+v", res)
	}
	copyPhotos(t, filepath.Join(c.dir, "copy"), "Canon_40D.jpg")
	c.ok("index", filepath.Join(c.dir, "copy"))
	if got := fake.Stats().Answered; got != 3 {
		t.Fatalf("a copy of a described photo was paid for again: %d answers", got)
	}
	// The copy reuses the description, and is one result with its
	// original ("also in"), not a second one.
	res = c.search("countryside")
	copies := 0
	for _, r := range res.Results {
		copies += len(r.AlsoIn)
	}
	if len(res.Results) != 3 || copies != 1 {
		t.Fatalf("the copy should be found with its original: %d results, %d copies", len(res.Results), copies)
	}
}

// TestSmugMugConnectAndSync connects a SmugMug account with the PIN flow
// against the fake (which checks every OAuth signature), syncs it, finds
// its photos, and re-syncs an unchanged library with a handful of requests.
func TestSmugMugConnectAndSync(t *testing.T) {
	t.Parallel()
	fake := smugmugtest.New(t, smugmugtest.Options{})
	fake.AddUser("ann", "Ann Adams")
	fake.Generate("ann", 3, func(int) int { return 4 })
	fake.AuthorizeAs("ann")
	c := newCLI(t, "SMUGMUG_API_KEY="+smugmugtest.ConsumerKey, "SMUGMUG_API_SECRET="+smugmugtest.ConsumerSecret,
		"SMUGMUG_API_BASE="+fake.APIBase(), "SMUGMUG_OAUTH_BASE="+fake.OAuthBase(), "SMUGMUG_REQUESTS_PER_MINUTE=6000")

	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	cmd := c.cmd(ctx, "smugmug", "connect")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	buf := make([]byte, 4096)
	for !strings.Contains(out.String(), "six-digit") {
		n, err := stdout.Read(buf)
		if err != nil {
			t.Fatalf("no authorize URL printed: %v\n%s\n%s", err, out.String(), stderr.String())
		}
		out.Write(buf[:n])
	}
	// The user opens the authorize URL and approves; SmugMug shows the PIN.
	authURL := out.String()[strings.Index(out.String(), "http"):]
	authURL = strings.Fields(authURL)[0]
	resp, err := http.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	tok := authURL[strings.Index(authURL, "oauth_token=")+len("oauth_token="):]
	tok = strings.Split(tok, "&")[0]
	pin := fake.Verifier(tok)
	if pin == "" {
		t.Fatalf("fake does not know request token %q", tok)
	}
	fmt.Fprintln(stdin, pin)
	stuck := time.AfterFunc(40*time.Second, func() { cmd.Process.Signal(syscall.SIGQUIT) })
	defer stuck.Stop()
	rest, _ := io.ReadAll(stdout)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("smugmug connect: %v\n%s%s\n%s", err, out.String(), rest, stderr.String())
	}
	if !strings.Contains(string(rest), "Connected SmugMug account \"ann\"") || !strings.Contains(string(rest), "12 photos ready") {
		t.Fatalf("connect output:\n%s%s", out.String(), rest)
	}
	res := c.search("album")
	if res.Total < 12 {
		t.Fatalf("SmugMug photos not searchable by album name: %d results", res.Total)
	}
	before := fake.RequestCount()
	c.ok("sync")
	if got := fake.RequestCount() - before; got > 3+1 {
		t.Fatalf("unchanged re-sync made %d requests, want ≤ 4", got)
	}

	// Opt the source in to keyword write-back, then let Claude describe the
	// queued photos: the generated keywords land on SmugMug, merged.
	db, err := store.Open(t.Context(), filepath.Join(c.dir, "data", "targetvision.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := db.EnsureDefaultUser(t.Context())
	srcs, _ := db.Sources(t.Context(), u.ID)
	if len(srcs) != 1 {
		t.Fatalf("sources: %+v", srcs)
	}
	if err := db.SetSourceWriteBack(t.Context(), u.ID, srcs[0].ID, store.WriteBack{Keywords: true}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	claude := claudetest.New(t, claudetest.Options{})
	c.env = append(c.env, "ANTHROPIC_API_KEY=test-key", "ANTHROPIC_BASE_URL="+claude.URL)
	c.ok("sync")
	if got := claude.Stats().Answered; got != 12 {
		t.Fatalf("Claude described %d photos, want 12", got)
	}
	written := 0
	for _, im := range fake.Images("ann") {
		if strings.Contains(im.Keywords, "countryside") {
			written++
		}
	}
	if written != 12 {
		t.Fatalf("keywords written back to %d of 12 SmugMug images", written)
	}

	// The viewer's download of a SmugMug photo is its untouched original,
	// streamed by serve with the account's token.
	token := strings.TrimSpace(c.ok("tokens", "create", "download script", "--read-only"))
	_, base, logs := c.startServe("--no-workers")
	im := fake.Images("ann")[0]
	var list struct {
		Photos []struct {
			PhotoID int64  `json:"photo_id"`
			Title   string `json:"title"`
		} `json:"photos"`
	}
	code, body := getWith(t, base+"/api/v1/photos?limit=50", token)
	if err := json.Unmarshal([]byte(body), &list); code != 200 || err != nil {
		t.Fatalf("list photos: %d %v %s", code, err, body)
	}
	var id int64
	for _, p := range list.Photos {
		if p.Title == im.Title || p.Title == im.FileName {
			id = p.PhotoID
		}
	}
	code, body = getWith(t, fmt.Sprintf("%s/api/v1/photos/%d/original", base, id), token)
	if code != 200 || body != string(smugmugtest.Original(im.Key)) {
		t.Fatalf("SmugMug original of photo %d (%s): %d, %d bytes\n%s", id, im.Key, code, len(body), logs)
	}
	if strings.Contains(logs.String(), tok) {
		t.Error("serve logged a SmugMug request token")
	}

	// Album writes, switched on for the account: two photos become a
	// private SmugMug album, recorded with who asked.
	rw := strings.TrimSpace(c.ok("tokens", "create", "album script"))
	code, body = doWith(t, http.MethodPut, fmt.Sprintf("%s/api/v1/sources/%d/writeback", base, srcs[0].ID), rw,
		`{"keywords":true,"captions":false,"dry_run":false,"albums":true}`)
	if code != 200 {
		t.Fatalf("switching album writes on: %d %s", code, body)
	}
	code, body = doWith(t, http.MethodPost, base+"/api/v1/photos/smugmug-album", rw,
		fmt.Sprintf(`{"photo_ids":[%d,%d],"name":"Ann's picks"}`, list.Photos[0].PhotoID, list.Photos[1].PhotoID))
	var made struct {
		AlbumKey  string `json:"album_key"`
		Collected int    `json:"collected"`
	}
	if err := json.Unmarshal([]byte(body), &made); code != 201 || err != nil || made.Collected != 2 {
		t.Fatalf("create a SmugMug album: %d %s\n%s", code, body, logs)
	}
	if a, ok := fake.AlbumState(made.AlbumKey); !ok || a.Name != "Ann's picks" || a.Privacy != "Private" || len(a.Images) != 2 {
		t.Errorf("the album on SmugMug: %+v", a)
	}
	code, body = getWith(t, fmt.Sprintf("%s/api/v1/sources/%d/album-writes", base, srcs[0].ID), token)
	if code != 200 || !strings.Contains(body, `"name":"Ann's picks"`) || !strings.Contains(body, `(API token \"album script\")`) {
		t.Errorf("the album trail: %d %s", code, body)
	}
}

// TestDescribeInBatch: --estimate prices the queued photos without paying;
// then --describe batch sends them through the Message Batches API at half price.
func TestDescribeInBatch(t *testing.T) {
	t.Parallel()
	fake := claudetest.New(t, claudetest.Options{BatchProcessing: time.Minute, PollAdvance: 10 * time.Minute})
	c := newCLI(t, "ANTHROPIC_API_KEY=test-key", "ANTHROPIC_BASE_URL="+fake.URL)
	copyPhotos(t, filepath.Join(c.dir, "lib"), "Canon_40D.jpg", "Nikon_D70.jpg", "Pentax_K10D.jpg", "Kodak_CX7530.jpg")
	out := c.ok("index", filepath.Join(c.dir, "lib"), "--estimate")
	if !strings.Contains(out, "describing 4 queued photos would cost about $0.0") {
		t.Fatalf("estimate:\n%s", out)
	}
	if st := fake.Stats(); st.Answered+st.BatchSucceeded != 0 {
		t.Fatalf("--estimate paid for %+v", st)
	}
	out = c.ok("sync", "--describe", "batch")
	st := fake.Stats()
	if st.BatchCreates != 1 || st.BatchSucceeded != 4 || st.Answered != 0 || !strings.Contains(out, "described: 4 photos") {
		t.Fatalf("batch run: %+v\n%s", st, out)
	}
	if res := c.search("countryside"); len(res.Results) != 4 {
		t.Fatalf("batch descriptions not searchable: %d", len(res.Results))
	}
	if _, errOut, code := c.run("sync", "--describe", "sometimes"); code == 0 || !strings.Contains(errOut, "--describe") {
		t.Fatalf("bad --describe accepted: %d %s", code, errOut)
	}
}

// TestKilledIndexResumes SIGKILLs an index run halfway; the next run
// finishes the work with nothing lost and nothing duplicated. Four large
// photos (a second or so each to process on one worker) keep the run busy
// long after the first photos are ready, so the kill always lands halfway.
func TestKilledIndexResumes(t *testing.T) {
	t.Parallel()
	c := newCLI(t, "TARGETVISION_WORKERS=1")
	photos := filepath.Join(c.dir, "photos")
	copyTree(t, filepath.Join(testshared.Path(t), "testdata", "photos"), photos)
	for i := range 4 {
		writeZeroPNG(t, filepath.Join(photos, fmt.Sprintf("zz-large-%d.png", i)), 6000, 4000, 8, 2)
	}
	cmd := c.cmd(context.Background(), "index", photos)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it once some photos are processed and others are not.
	dbPath := filepath.Join(c.dir, "data", "targetvision.db")
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if n := readyPhotos(t, dbPath); n >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("index made no progress:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	if n := readyPhotos(t, dbPath); n >= 42 {
		t.Fatalf("the run finished before the kill (%d ready): nothing was resumed", n)
	}
	out := c.ok("index", photos)
	if !strings.Contains(out, "42 photos ready, 1 failed, 0 pending") {
		t.Fatalf("after resume:\n%s", out)
	}
	db, err := store.Open(t.Context(), dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u, _ := db.EnsureDefaultUser(t.Context())
	ps, total, err := db.ListPhotos(t.Context(), u.ID, store.Filter{}, 1000, 0)
	if err != nil || total != 43 {
		t.Fatalf("photos after resume: %d (%v), want 43 — one per file", total, err)
	}
	keys := map[string]bool{}
	for _, p := range ps {
		if keys[p.SourceKey] {
			t.Fatalf("duplicate photo %s", p.SourceKey)
		}
		keys[p.SourceKey] = true
	}
}

func readyPhotos(t testing.TB, dbPath string) int {
	t.Helper()
	if _, err := os.Stat(dbPath); err != nil {
		return 0
	}
	db, err := store.Open(t.Context(), dbPath, store.Options{SkipMigrate: true})
	if err != nil {
		return 0
	}
	defer db.Close()
	u, err := db.UserByEmail(t.Context(), store.DefaultUserEmail)
	if err != nil {
		return 0
	}
	c, err := db.CountPhotos(t.Context(), u.ID)
	if err != nil {
		return 0
	}
	return c[store.PhotoReady]
}

// TestModelsPullEmbedAndVectorSearch: `models pull` downloads a tiny CLIP
// checkpoint from a fake hub (checksummed), `embed` prints normalised
// vectors, `index` embeds every photo, and search then ranks by CLIP too.
func TestModelsPullEmbedAndVectorSearch(t *testing.T) {
	t.Parallel()
	const repo = "test/tiny-clip"
	hub := cliptest.NewCheckpointHub(t, repo, cliptest.Options{Seed: 7})
	c := newCLI(t, "HF_ENDPOINT="+hub.URL, "TARGETVISION_CLIP_MODEL="+repo)
	if out := c.ok("models", "pull"); !strings.Contains(out, repo+" ready") {
		t.Fatalf("models pull: %s", out)
	}
	var emb struct {
		Model     string    `json:"model"`
		Dim       int       `json:"dim"`
		Embedding []float32 `json:"embedding"`
	}
	for _, args := range [][]string{{"--text", "a red barn in snow"},
		{"--image", filepath.Join(testshared.Path(t), "testdata", "photos", "camera", "Canon_40D.jpg")}} {
		out := c.ok(append([]string{"embed", "--json"}, args...)...)
		if err := json.Unmarshal([]byte(out), &emb); err != nil {
			t.Fatal(err)
		}
		var norm float64
		for _, x := range emb.Embedding {
			norm += float64(x) * float64(x)
		}
		if emb.Model != repo || emb.Dim != len(emb.Embedding) || emb.Dim == 0 || norm < 0.999 || norm > 1.001 {
			t.Fatalf("embed %v: model %q dim %d norm² %.4f", args, emb.Model, emb.Dim, norm)
		}
	}
	copyPhotos(t, filepath.Join(c.dir, "lib"), "Canon_40D.jpg", "Nikon_D70.jpg", "Pentax_K10D.jpg")
	c.ok("index", filepath.Join(c.dir, "lib"))
	out := c.ok("search", "a photo", "--json")
	withVector := strings.Count(out, `"vector_rank": `) - strings.Count(out, `"vector_rank": null`)
	if withVector != 3 {
		t.Fatalf("vector leg ranked %d of 3 photos:\n%s", withVector, out)
	}
}

// TestBudgetCapStopsSpending: with a monthly budget worth about one photo,
// one photo is described and the rest wait, saying why.
func TestBudgetCapStopsSpending(t *testing.T) {
	t.Parallel()
	fake := claudetest.New(t, claudetest.Options{})
	c := newCLI(t, "ANTHROPIC_API_KEY=test-key", "ANTHROPIC_BASE_URL="+fake.URL, "CLAUDE_MONTHLY_BUDGET_USD=0.0025")
	copyPhotos(t, filepath.Join(c.dir, "lib"), "Canon_40D.jpg", "Nikon_D70.jpg", "Pentax_K10D.jpg")
	out := c.ok("index", filepath.Join(c.dir, "lib"))
	if got := fake.Stats().Answered; got != 1 || !strings.Contains(out, "described: 1 photos") {
		t.Fatalf("budget let %d descriptions through:\n%s", got, out)
	}
	db, err := store.Open(t.Context(), filepath.Join(c.dir, "data", "targetvision.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u, _ := db.EnsureDefaultUser(t.Context())
	js, _ := db.Jobs(t.Context(), u.ID, store.JobQueued, 100)
	waiting := 0
	for _, j := range js {
		if j.Kind == "describe" && strings.Contains(j.LastError, "monthly budget") {
			waiting++
		}
	}
	if waiting != 2 {
		t.Fatalf("%d describe jobs wait on the budget, want 2: %+v", waiting, js)
	}
}

// TestDescribeSurvivesSIGKILL kills an index run while Claude requests are in
// flight; after a restart every photo is described and billed exactly once.
func TestDescribeSurvivesSIGKILL(t *testing.T) {
	t.Parallel()
	fake := claudetest.New(t, claudetest.Options{})
	fake.HoldAfter(2)
	c := newCLI(t, "ANTHROPIC_API_KEY=test-key", "ANTHROPIC_BASE_URL="+fake.URL)
	names := []string{"Canon_40D.jpg", "Nikon_D70.jpg", "Pentax_K10D.jpg", "Kodak_CX7530.jpg", "door-knocker.jpg", "IMG_20180725_163423-tiny.jpg"}
	copyPhotos(t, filepath.Join(c.dir, "lib"), names...)
	cmd := c.cmd(context.Background(), "index", filepath.Join(c.dir, "lib"), "--describe", "direct")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill once the two answers are in the ledger and later requests hang at the
	// API. (An answer in flight at the moment of a kill is paid but lost —
	// the one loss direct mode cannot avoid; batch mode has none.)
	dbPath := filepath.Join(c.dir, "data", "targetvision.db")
	deadline := time.Now().Add(time.Minute)
	for fake.Held() == 0 || describedPhotos(t, dbPath) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("no request reached the hold:\n%s", logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	if got := fake.Stats().Answered; got != 2 {
		t.Fatalf("answered before the kill: %d", got)
	}
	fake.HoldAfter(-1)
	out := c.ok("index", filepath.Join(c.dir, "lib"), "--describe", "direct")
	if got := fake.Stats().Answered; got != len(names) {
		t.Fatalf("after restart Claude answered %d times for %d photos:\n%s", got, len(names), out)
	}
	for img, n := range fake.PerImage() {
		if n != 1 {
			t.Fatalf("image %s billed %d times", img, n)
		}
	}
	if res := c.search("countryside"); len(res.Results) != len(names) {
		t.Fatalf("%d of %d photos described", len(res.Results), len(names))
	}
}

func describedPhotos(t testing.TB, dbPath string) int {
	db, err := store.Open(t.Context(), dbPath, store.Options{SkipMigrate: true})
	if err != nil {
		return 0
	}
	defer db.Close()
	var n int
	// The ledger records each answer the moment it arrives.
	if err := db.SQL().QueryRowContext(t.Context(), "SELECT COUNT(*) FROM describe_results").Scan(&n); err != nil {
		return 0
	}
	return n
}
