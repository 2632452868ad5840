package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/claude/claudetest"
	"github.com/targetvision/targetvision/internal/store"
	"github.com/targetvision/targetvision/internal/store/storetest"
	"github.com/targetvision/targetvision/internal/testshared"
)

// Issue 16, "faults under load": the manual fault runs of docs/benchmarks.md
// ("### Faults"), automated on the real binary.

// getSession GETs url with a session cookie.
func getSession(t testing.TB, url string, session *http.Cookie) (int, string) {
	t.Helper()
	r, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.AddCookie(session)
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		b.WriteString(sc.Text() + "\n")
	}
	return resp.StatusCode, b.String()
}

// apiSearch searches through the API with a session and returns the answer.
func apiSearch(t testing.TB, base string, session *http.Cookie, q string) searchJSON {
	t.Helper()
	code, body := getSession(t, base+"/api/v1/search?limit=50&q="+q, session)
	if code != http.StatusOK {
		t.Fatalf("search %q at %s: %d %s", q, base, code, body)
	}
	var res searchJSON
	if err := json.Unmarshal([]byte(body), &res); err != nil {
		t.Fatalf("search %q: bad JSON %v:\n%s", q, err, body)
	}
	return res
}

// metricValue reads one sample of a Prometheus text exposition, -1 when absent.
func metricValue(exposition, sample string) float64 {
	for _, line := range strings.Split(exposition, "\n") {
		if v, ok := strings.CutPrefix(line, sample+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err == nil {
				return f
			}
		}
	}
	return -1
}

// heldBy reports whether a worker id ("host/pid/nonce") is of process pid.
func heldBy(worker string, pid int) bool {
	parts := strings.Split(worker, "/")
	return len(parts) == 3 && parts[1] == strconv.Itoa(pid)
}

// jobSummary lists jobs for failure messages.
func jobSummary(js []store.Job) string {
	var b strings.Builder
	for _, j := range js {
		fmt.Fprintf(&b, "  job %d %s photo %d: %s attempts %d locked_by %q until %v err %q\n",
			j.ID, j.Kind, j.PhotoID, j.State, j.Attempts, j.LockedBy, j.LockedUntil.Format(time.RFC3339Nano), j.LastError)
	}
	return b.String()
}

// waitUntil polls cond every 100 ms until it holds, or fails the test after
// limit with what describe says.
func waitUntil(t testing.TB, limit time.Duration, what string, cond func() bool, describe func() string) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s\n%s", limit, what, describe())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestKilledProcessJobsTakenOver: a serve process is SIGKILLed while its
// workers hold describe jobs (their Claude requests hanging at the API);
// the other process, started while the first was alive (so its start-up
// reclaim of dead same-host processes' jobs has nothing to take), takes
// them over when their lease runs out. Every photo ends described exactly
// once — the killed attempts were never answered — and nothing fails.
// With a lease that does not run out during the test (1h), it times out.
func TestKilledProcessJobsTakenOver(t *testing.T) {
	t.Parallel()
	const (
		workers  = 3 // A's workers: each ends up holding one describe job
		answered = 3 // describes A finishes before Claude stops answering
	)
	names := []string{"Canon_40D.jpg", "Nikon_D70.jpg", "Pentax_K10D.jpg", "Kodak_CX7530.jpg", "door-knocker.jpg", "IMG_20180725_163423-tiny.jpg"}
	if len(names) != workers+answered {
		t.Fatal("the photos must be exactly what A answers plus what its workers hold")
	}
	fake := claudetest.New(t, claudetest.Options{})
	fake.HoldAfter(answered)
	url := storetest.PostgresURL(t)
	c := newCLI(t, "DATABASE_URL="+url, "TARGETVISION_SYNC_INTERVAL=0", "SECRET_KEY="+scaleSecret,
		"TARGETVISION_JOB_LEASE=5s", fmt.Sprintf("TARGETVISION_WORKERS=%d", workers), "TARGETVISION_METRICS_TOKEN=metrics-token",
		"ANTHROPIC_API_KEY=test-key", "ANTHROPIC_BASE_URL="+fake.URL)
	c.addUser("ann@example.com", "correct horse battery staple")

	ctx := t.Context()
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
	copyPhotos(t, lib, names...)
	src, err := db.CreateSource(ctx, store.Source{UserID: u.ID, Kind: store.SourceLocal, Name: lib, Path: lib})
	if err != nil {
		t.Fatal(err)
	}
	sync := func() store.Job {
		t.Helper()
		j, created, err := db.Enqueue(ctx, store.Job{UserID: u.ID, Kind: "sync", Priority: 10, DedupeKey: fmt.Sprintf("sync:%d", src.ID),
			Payload: fmt.Appendf(nil, `{"source_id":%d}`, src.ID)})
		if err != nil || !created {
			t.Fatalf("queue a sync: created %v, %v", created, err)
		}
		return j
	}
	all := func() []store.Job {
		t.Helper()
		js, err := db.Jobs(ctx, u.ID, "", 1000)
		if err != nil {
			t.Fatal(err)
		}
		return js
	}

	// A indexes the photos: sync and processing finish (they rank above
	// describing), three descriptions are answered, and then each of A's
	// workers hangs on a Claude request — every describe job is done or
	// held by A.
	cmdA, _, logsA := c.startServe()
	sync()
	var held []int64
	waitUntil(t, 2*time.Minute, "A does not hold every unanswered describe job", func() bool {
		held = held[:0]
		done := 0
		for _, j := range all() {
			switch {
			case j.Kind != "describe":
			case j.State == store.JobDone:
				done++
			case j.State == store.JobRunning && heldBy(j.LockedBy, cmdA.Process.Pid):
				held = append(held, j.ID)
			}
		}
		return done == answered && len(held) == workers && fake.Held() == workers
	}, func() string {
		return fmt.Sprintf("fake: %+v, held %d\n%s\nA's log:\n%s", fake.Stats(), fake.Held(), jobSummary(all()), logsA)
	})
	// Claude answers again, but A's requests stay hung until A dies.
	fake.HoldAfter(-1)

	// B starts while A lives: its start-up reclaim leaves A's jobs alone.
	// A sync only B can run (A's workers are all busy) shows B's runner
	// has passed that reclaim before A is killed.
	_, baseB, logsB := c.startServe()
	probe := sync()
	waitUntil(t, 2*time.Minute, "B did not run the sync", func() bool {
		j, err := db.Job(ctx, u.ID, probe.ID)
		return err == nil && j.State == store.JobDone
	}, func() string { return jobSummary(all()) + "\nB's log:\n" + logsB.String() })
	for _, j := range all() {
		if j.Kind == "describe" && j.State == store.JobRunning && !heldBy(j.LockedBy, cmdA.Process.Pid) {
			t.Logf("job %d left A before the kill (A's heartbeat was late on a busy machine): %q", j.ID, j.LockedBy)
		}
	}

	if err := cmdA.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmdA.Wait() // reaped: no zombie that looks alive
	killed := time.Now()
	waitUntil(t, 2*time.Minute, "B did not take over the killed process's jobs", func() bool {
		for _, j := range all() {
			if j.State == store.JobQueued && j.Kind != "embed" || j.State == store.JobRunning {
				return false
			}
		}
		return true
	}, func() string { return jobSummary(all()) + "\nB's log:\n" + logsB.String() })
	t.Logf("B finished A's jobs %v after the kill", time.Since(killed).Round(100*time.Millisecond))

	// Every photo described exactly once: the killed attempts never got an
	// answer, so none was paid twice.
	if st := fake.Stats(); st.Answered != len(names) {
		t.Errorf("Claude answered %d times for %d photos", st.Answered, len(names))
	}
	per := fake.PerImage()
	if len(per) != len(names) {
		t.Errorf("%d distinct images described, want %d", len(per), len(names))
	}
	for img, n := range per {
		if n != 1 {
			t.Errorf("image %s described %d times", img, n)
		}
	}
	js := all()
	describes := 0
	for _, j := range js {
		if j.State == store.JobFailed {
			t.Errorf("job %d (%s) failed: %s", j.ID, j.Kind, j.LastError)
		}
		if j.Kind == "describe" {
			describes++
		}
	}
	if describes != len(names) {
		t.Errorf("%d describe jobs, want one per photo:\n%s", describes, jobSummary(js))
	}
	// A's jobs were claimed a second time — by B, the only process left —
	// and finished: B counted exactly them among its finished describes.
	for _, id := range held {
		j, err := db.Job(ctx, u.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		if j.State != store.JobDone || j.Attempts != 2 {
			t.Errorf("A's job %d: %s after %d attempts, want done after 2 (A's, then B's)", id, j.State, j.Attempts)
		}
	}
	code, metrics := getWith(t, baseB+"/metrics", "metrics-token")
	if code != http.StatusOK {
		t.Fatalf("B's metrics: %d", code)
	}
	if got := metricValue(metrics, `targetvision_jobs_finished_total{kind="describe",outcome="done"}`); got != float64(len(held)) {
		t.Errorf("B finished %v describe jobs, want the %d A held", got, len(held))
	}
	session := login(t, baseB, "ann@example.com", "correct horse battery staple")
	if res := apiSearch(t, baseB, session, "countryside"); len(res.Results) != len(names) {
		t.Errorf("search finds %d of %d photos", len(res.Results), len(names))
	}
}

// pgCluster is a throw-away Postgres cluster of one test, run by
// scripts/pg-test-cluster.sh (as the postgres user when we are root).
type pgCluster struct {
	t      testing.TB
	script string
	dir    string
	port   int
}

// newPGCluster starts a cluster of its own in a temporary directory, on a
// free port, and stops it when the test ends. Without the Postgres 15
// binaries (or, as root, runuser) it skips — and fails in CI.
func newPGCluster(t *testing.T) *pgCluster {
	t.Helper()
	missing := ""
	if _, err := os.Stat("/usr/lib/postgresql/15/bin/pg_ctl"); err != nil {
		missing = "the PostgreSQL 15 binaries (/usr/lib/postgresql/15/bin)"
	} else if _, err := exec.LookPath("runuser"); err != nil && os.Geteuid() == 0 {
		missing = "runuser (Postgres refuses to run as root)"
	}
	if missing != "" {
		if testshared.InCI() {
			t.Fatalf("%s missing: CI must run the Postgres restart test", missing)
		}
		t.Skipf("%s missing; skipped outside CI", missing)
	}
	root, err := testshared.Root()
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	// The postgres user must reach its directory inside the test's.
	for _, d := range []string{filepath.Dir(tmp), tmp} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	pg := &pgCluster{t: t, script: filepath.Join(root, "scripts", "pg-test-cluster.sh"), dir: filepath.Join(tmp, "pg"), port: port}
	t.Cleanup(func() { pg.run("stop") })
	if out, err := pg.run("start"); err != nil {
		t.Fatalf("start the test cluster: %v\n%s", err, out)
	}
	return pg
}

// run runs the cluster script with a command (start or stop).
func (pg *pgCluster) run(command string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", pg.script, command, pg.dir)
	cmd.Env = append(os.Environ(), fmt.Sprintf("PGPORT_TEST=%d", pg.port))
	out, err := cmd.CombinedOutput()
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(pg.dir, "log"))
		return fmt.Sprintf("%s\nserver log:\n%s", out, log), fmt.Errorf("pg-test-cluster.sh %s: %w", command, err)
	}
	return string(out), nil
}

// URL is the cluster's admin database URL.
func (pg *pgCluster) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", pg.port)
}

// TestServeSurvivesPostgresRestart: Postgres goes away under a running
// serve and comes back. Meanwhile /readyz says 503 (a load balancer stops
// sending traffic) while /healthz stays 200 (nobody restarts the process);
// afterwards /readyz is 200 again and a signed-in search works — the same
// session, without restarting serve.
func TestServeSurvivesPostgresRestart(t *testing.T) {
	t.Parallel()
	pg := newPGCluster(t)
	c := newCLI(t, "DATABASE_URL="+pg.URL(), "TARGETVISION_SYNC_INTERVAL=0")
	c.addUser("ann@example.com", "correct horse battery staple")
	lib := filepath.Join(c.dir, "lib")
	copyPhotos(t, lib, "Canon_40D.jpg")
	c.ok("index", lib, "--user", "ann@example.com")
	_, base, logs := c.startServe()
	session := login(t, base, "ann@example.com", "correct horse battery staple")
	if res := apiSearch(t, base, session, "Canon"); len(res.Results) != 1 {
		t.Fatalf("before the restart, search finds %d photos, want 1", len(res.Results))
	}
	if code, body := get(t, base+"/readyz"); code != http.StatusOK {
		t.Fatalf("readyz before the restart: %d %s", code, body)
	}

	if out, err := pg.run("stop"); err != nil {
		t.Fatalf("stop Postgres: %v\n%s", err, out)
	}
	var ready, health int
	var readyBody string
	waitUntil(t, time.Minute, "readyz still ready with Postgres stopped", func() bool {
		ready, readyBody = get(t, base+"/readyz")
		health, _ = get(t, base+"/healthz")
		if health != http.StatusOK {
			t.Fatalf("healthz %d with Postgres stopped: the process would be restarted for nothing", health)
		}
		return ready == http.StatusServiceUnavailable
	}, func() string { return fmt.Sprintf("readyz %d %s\n%s", ready, readyBody, logs) })
	if !strings.Contains(readyBody, "store_unreachable") {
		t.Errorf("readyz with Postgres stopped: %s, want store_unreachable", readyBody)
	}
	if code, body := getSession(t, base+"/api/v1/search?q=Canon", session); code != http.StatusServiceUnavailable {
		t.Errorf("search with Postgres stopped: %d %s, want 503 (not a sign-out)", code, body)
	}

	if out, err := pg.run("start"); err != nil {
		t.Fatalf("start Postgres again: %v\n%s", err, out)
	}
	waitUntil(t, time.Minute, "readyz not ready after Postgres came back", func() bool {
		ready, readyBody = get(t, base+"/readyz")
		return ready == http.StatusOK
	}, func() string { return fmt.Sprintf("readyz %d %s\n%s", ready, readyBody, logs) })
	if code, _ := get(t, base+"/healthz"); code != http.StatusOK {
		t.Errorf("healthz after the restart: %d", code)
	}
	if res := apiSearch(t, base, session, "Canon"); len(res.Results) != 1 {
		t.Errorf("after the restart, search finds %d photos, want 1", len(res.Results))
	}
}
