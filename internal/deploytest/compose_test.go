package deploytest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/jpeg"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/blob"
	"github.com/targetvision/targetvision/internal/pipeline"
	"github.com/targetvision/targetvision/internal/testshared"
)

// composeCLI finds a Compose that reads compose.yaml: Debian's
// docker-compose, or the docker compose plugin.
func composeCLI(t *testing.T, d string) []string {
	t.Helper()
	if p, err := exec.LookPath("docker-compose"); err == nil {
		return []string{p}
	}
	if exec.Command(d, "compose", "version").Run() == nil {
		return []string{d, "compose"}
	}
	need(t, "Compose (Debian's docker-compose, which .ci/run installs)")
	return nil
}

// TestComposeStack is issue 15's "done when": compose.yaml comes up with
// Postgres + pgvector, object storage and two app replicas; the first
// replica's container indexes the shared photos; the second replica, which
// made none of them, finds them and serves a thumbnail from the bucket.
func TestComposeStack(t *testing.T) {
	t.Parallel()
	d := docker(t)
	compose := composeCLI(t, d)
	app := image(t)
	pgImage, s3Image := os.Getenv("TARGETVISION_POSTGRES_IMAGE"), os.Getenv("TARGETVISION_S3_IMAGE")
	if pgImage == "" || s3Image == "" {
		need(t, "TARGETVISION_POSTGRES_IMAGE and TARGETVISION_S3_IMAGE (no registry here: scripts/ci-images.sh builds them)")
	}
	root := repoRoot(t)
	photos := testshared.Path(t, "testdata", "photos")
	ports, used := map[string]string{}, map[string]bool{}
	for _, k := range []string{"TV_PG_PORT", "TV_S3_PORT", "TV_S3_GRPC_PORT", "TV_S3_MASTER_PORT", "TV_S3_MASTER_GRPC_PORT",
		"TV_S3_VOLUME_PORT", "TV_S3_VOLUME_GRPC_PORT", "TV_S3_FILER_PORT", "TV_S3_FILER_GRPC_PORT"} {
		p := freePort(t)
		for used[p] {
			p = freePort(t)
		}
		used[p], ports[k] = true, p
	}
	project := "tvtest" + ports["TV_PG_PORT"]
	env := []string{"TARGETVISION_IMAGE=" + app, "TARGETVISION_POSTGRES_IMAGE=" + pgImage, "TARGETVISION_S3_IMAGE=" + s3Image,
		"TARGETVISION_PHOTOS=" + photos, "COMPOSE_PROJECT_NAME=" + project}
	for k, v := range ports {
		env = append(env, k+"="+v)
	}
	hostnet, _ := filepath.Abs(filepath.Join("testdata", "compose.hostnet.yaml"))
	dc := func(args ...string) string {
		t.Helper()
		base := append(compose[1:], "-f", filepath.Join(root, "compose.yaml"), "-f", hostnet)
		return run(t, env, compose[0], append(base, args...)...)
	}
	t.Cleanup(func() {
		if t.Failed() {
			base := append(compose[1:], "-f", filepath.Join(root, "compose.yaml"), "-f", hostnet, "logs", "--no-color", "--tail", "60")
			out, _ := tryCtx(context.Background(), env, compose[0], base...)
			t.Logf("compose logs:\n%s", out)
		}
		base := append(compose[1:], "-f", filepath.Join(root, "compose.yaml"), "-f", hostnet, "down", "-v", "--timeout", "5")
		if out, err := tryCtx(context.Background(), env, compose[0], base...); err != nil {
			t.Errorf("compose down: %v\n%s", err, out)
		}
	})

	dc("up", "-d", "--no-build", "--scale", "app=2")
	ids := strings.Fields(dc("ps", "-q", "app"))
	if len(ids) != 2 {
		t.Fatalf("want two app replicas, have %v", ids)
	}
	// Each replica logs the address it took (port 0: the host's network).
	serving := regexp.MustCompile(`"msg":"serving","url":"(http://127\.0\.0\.1:\d+)"`)
	base := make([]string, 2)
	for i, id := range ids {
		eventually(t, 3*time.Minute, "replica "+id+" serving", func() error {
			logs, _ := try(t, nil, d, "logs", id)
			m := serving.FindStringSubmatch(logs)
			if m == nil {
				return fmt.Errorf("not serving yet:\n%s", logs)
			}
			base[i] = m[1]
			return nil
		})
	}
	for _, b := range base {
		eventually(t, time.Minute, b+" ready", func() error {
			resp, err := http.Get(b + "/readyz")
			if err != nil {
				return err
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				return fmt.Errorf("readyz %d", resp.StatusCode)
			}
			return nil
		})
	}

	// Replica 1's container indexes the library (its own CLI process, the
	// same database and bucket).
	out := run(t, nil, d, "exec", ids[0], "targetvision", "index", "/photos")
	if !strings.Contains(out, "photos ready") {
		t.Fatalf("index in replica 1:\n%s", out)
	}
	t.Logf("index: %s", lastLine(out))

	// Replica 2: claim the server with its setup code, search, fetch.
	code := strings.TrimSpace(run(t, nil, d, "exec", ids[1], "targetvision", "setup-code"))
	web := newWeb(t, base[1])
	body, _ := json.Marshal(map[string]string{"email": "owner@example.com", "password": "a long password", "setup_code": code})
	if status, resp := web.do("POST", "/api/v1/auth/signup", string(body)); status != 201 {
		t.Fatalf("sign-up on replica 2: %d %s", status, resp)
	}
	status, resp := web.do("GET", "/api/v1/search?q=Canon", "")
	var res struct {
		Total   int `json:"total"`
		Results []struct {
			Title        string `json:"title"`
			ThumbnailURL string `json:"thumbnail_url"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(resp), &res); status != 200 || err != nil {
		t.Fatalf("search on replica 2: %d %s", status, resp)
	}
	var thumbURL string
	for _, r := range res.Results {
		if r.Title == "Canon_40D.jpg" {
			thumbURL = r.ThumbnailURL
		}
	}
	if thumbURL == "" {
		t.Fatalf("replica 2 does not find Canon_40D.jpg: %s", resp)
	}
	status, thumb := web.do("GET", thumbURL, "")
	if status != 200 {
		t.Fatalf("thumbnail through replica 2: %d %s", status, thumb)
	}
	if cfg, err := jpeg.DecodeConfig(strings.NewReader(thumb)); err != nil || cfg.Width == 0 {
		t.Errorf("thumbnail through replica 2 is not a JPEG: %v %+v", err, cfg)
	}

	// It came from the bucket: the replicas' shared data volume has no
	// thumbnails, the bucket has every ready photo's.
	if out, err := try(t, nil, d, "cp", ids[1]+":/data/thumbs", t.TempDir()); err == nil {
		t.Errorf("the data volume holds thumbnails: %s", out)
	}
	s3, err := blob.Open(t.Context(), blob.Options{URL: "s3://targetvision?endpoint=http://127.0.0.1:" + ports["TV_S3_PORT"] + "&region=us-east-1",
		AccessKeyID: "targetvision", SecretAccessKey: "targetvision-secret"})
	if err != nil {
		t.Fatal(err)
	}
	inBucket, found := 0, false
	for info, err := range s3.List(t.Context(), pipeline.ThumbPrefix) {
		if err != nil {
			t.Fatal(err)
		}
		inBucket++
		r, err := s3.Open(t.Context(), info.Key)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r)
		r.Close()
		found = found || bytes.Equal(b, []byte(thumb))
	}
	if inBucket < 30 || !found {
		t.Errorf("the bucket has %d thumbnails (want the 30-odd ready photos), the served one among them: %v", inBucket, found)
	}

	// Replica 1 sees the same library, and the database has its extensions.
	web1 := newWeb(t, base[0])
	web1.http.Jar = web.http.Jar
	if status, resp := web1.do("GET", "/api/v1/search?q=Canon", ""); status != 200 || !strings.Contains(resp, `"total":`+fmt.Sprint(res.Total)) {
		t.Errorf("replica 1's search differs: %d %s", status, resp)
	}
	dbID := strings.TrimSpace(dc("ps", "-q", "db"))
	ext := run(t, nil, d, "exec", "-e", "PGPASSWORD=targetvision", dbID, "psql", "-h", "127.0.0.1", "-p", ports["TV_PG_PORT"], "-U", "targetvision", "-d", "targetvision",
		"-tAc", "SELECT string_agg(extname, ',' ORDER BY extname) FROM pg_extension")
	if !strings.Contains(ext, "vector") || !strings.Contains(ext, "pg_trgm") {
		t.Errorf("compose's Postgres has extensions %q; want vector and pg_trgm", ext)
	}
	t.Logf("Postgres extensions: %s", strings.TrimSpace(ext))
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// web is a browser-like client: cookies, and the same-origin header.
type web struct {
	t    *testing.T
	base string
	http *http.Client
}

func newWeb(t *testing.T, base string) *web {
	jar, _ := cookiejar.New(nil)
	return &web{t: t, base: base, http: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

func (w *web) do(method, path, body string) (int, string) {
	w.t.Helper()
	r, err := http.NewRequestWithContext(w.t.Context(), method, w.base+path, strings.NewReader(body))
	if err != nil {
		w.t.Fatal(err)
	}
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := w.http.Do(r)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
