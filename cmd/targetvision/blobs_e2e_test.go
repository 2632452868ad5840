package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/targetvision/targetvision/internal/blob"
	"github.com/targetvision/targetvision/internal/blob/blobtest"
	"github.com/targetvision/targetvision/internal/claude/claudetest"
	"github.com/targetvision/targetvision/internal/clip/cliptest"
	"github.com/targetvision/targetvision/internal/pipeline"
	"github.com/targetvision/targetvision/internal/store/storetest"
)

// blobEnv is the environment selecting the test S3 server's bucket.
func blobEnv(opts blob.Options) []string {
	return []string{"TARGETVISION_BLOB_URL=" + opts.URL, "AWS_ACCESS_KEY_ID=" + opts.AccessKeyID, "AWS_SECRET_ACCESS_KEY=" + opts.SecretAccessKey}
}

// derivedFiles lists the thumbnails and renditions in a data directory.
func derivedFiles(t *testing.T, dataDir string) []string {
	t.Helper()
	var out []string
	for _, d := range []string{"thumbs", "renditions"} {
		filepath.WalkDir(filepath.Join(dataDir, d), func(p string, de os.DirEntry, err error) error {
			if err == nil && !de.IsDir() {
				out = append(out, p)
			}
			return nil
		})
	}
	return out
}

// TestTwoHostsShareObjectStorage is issue 15's reason for blobs: two
// processes with their own data directories ("hosts") on one Postgres and
// one bucket. One indexes — its renditions are embedded and described
// from the bucket, and none stay on its disk — and the other serves the
// thumbnails it never made.
func TestTwoHostsShareObjectStorage(t *testing.T) {
	t.Parallel()
	opts := blobtest.S3Options(t)
	pg := storetest.PostgresURL(t)
	fake := claudetest.New(t, claudetest.Options{})
	const repo = "test/tiny-clip"
	hub := cliptest.NewCheckpointHub(t, repo, cliptest.Options{Seed: 7})
	shared := append(blobEnv(opts), "DATABASE_URL="+pg, "SECRET_KEY=one secret for every host of this deployment",
		"TARGETVISION_SYNC_INTERVAL=0", "HF_ENDPOINT="+hub.URL, "TARGETVISION_CLIP_MODEL="+repo)
	a := newCLI(t, append(shared, "ANTHROPIC_API_KEY=test-key", "ANTHROPIC_BASE_URL="+fake.URL)...)
	a.ok("models", "pull")
	copyPhotos(t, filepath.Join(a.dir, "lib"), "Canon_40D.jpg", "Nikon_D70.jpg", "Pentax_K10D.jpg")
	a.ok("index", filepath.Join(a.dir, "lib"))
	if got := fake.Stats().Answered; got != 3 {
		t.Fatalf("Claude described %d photos, want 3 (renditions read back from the bucket)", got)
	}
	out := a.ok("search", "countryside", "--json")
	if n := strings.Count(out, `"vector_rank": `) - strings.Count(out, `"vector_rank": null`); n != 3 || strings.Count(out, `"photo_id"`) != 3 {
		t.Fatalf("want 3 described and embedded photos:\n%s", out)
	}
	if files := derivedFiles(t, filepath.Join(a.dir, "data")); len(files) != 0 {
		t.Errorf("with object storage the data directory still holds %v", files)
	}
	s3, err := blob.Open(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, err := range s3.List(t.Context(), "") {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 6 {
		t.Errorf("the bucket holds %d files, want 3 thumbnails and 3 renditions", n)
	}

	b := newCLI(t, shared...)
	_, base, _ := b.startServe()
	web := newClient(t, base)
	code := strings.TrimSpace(b.ok("setup-code"))
	body, _ := json.Marshal(map[string]string{"email": "owner@example.com", "password": "a long password", "setup_code": code})
	if status, resp := web.do("POST", "/api/v1/auth/signup", string(body), ""); status != 201 {
		t.Fatalf("sign-up on host B: %d %s", status, resp)
	}
	status, resp := web.do("GET", "/api/v1/search?q=Canon", "", "")
	var res searchJSON
	if err := json.Unmarshal([]byte(resp), &res); status != 200 || err != nil || len(res.Results) == 0 {
		t.Fatalf("search on host B: %d %s", status, resp)
	}
	status, thumb := web.do("GET", res.Results[0].ThumbnailURL, "", "")
	if status != 200 || !inBucket(t, s3, pipeline.ThumbPrefix, []byte(thumb)) {
		t.Fatalf("host B's thumbnail of host A's photo: %d, %d bytes, not one of the bucket's thumbnails", status, len(thumb))
	}
	if files := derivedFiles(t, filepath.Join(b.dir, "data")); len(files) != 0 {
		t.Errorf("host B wrote derived files to its disk: %v", files)
	}

	// Host C redirects to the bucket instead (TARGETVISION_BLOB_REDIRECT),
	// for the same signed-in browser: the session lives in Postgres.
	cHost := newCLI(t, append(shared, "TARGETVISION_BLOB_REDIRECT=1m")...)
	_, baseC, _ := cHost.startServe()
	webC := newClient(t, baseC)
	webC.http.Jar = web.http.Jar // cookies go by host name, not port
	webC.http.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	req, _ := http.NewRequest("GET", baseC+res.Results[0].ThumbnailURL, nil)
	resp2, err := webC.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	loc := resp2.Header.Get("Location")
	if resp2.StatusCode != http.StatusFound || !strings.Contains(loc, "X-Amz-Signature=") {
		t.Fatalf("host C with redirects: %d to %q; want 302 to a presigned URL", resp2.StatusCode, loc)
	}
	got, err := http.Get(loc)
	if err != nil {
		t.Fatal(err)
	}
	body2, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if got.StatusCode != 200 || string(body2) != thumb {
		t.Errorf("the presigned URL: %d, %d bytes; want the thumbnail's %d", got.StatusCode, len(body2), len(thumb))
	}
}

// inBucket reports whether b is the content of a blob under prefix.
func inBucket(t *testing.T, s blob.Store, prefix string, b []byte) bool {
	t.Helper()
	for info, err := range s.List(t.Context(), prefix) {
		if err != nil {
			t.Fatal(err)
		}
		r, err := s.Open(t.Context(), info.Key)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(got, b) {
			return true
		}
	}
	return false
}

// TestBlobsMigrate moves a data directory's files made before object
// storage into a bucket; a server on the bucket then shows them, and a
// second run finds nothing left to do.
func TestBlobsMigrate(t *testing.T) {
	t.Parallel()
	opts := blobtest.S3Options(t)
	c := newCLI(t, "TARGETVISION_SYNC_INTERVAL=0")
	copyPhotos(t, filepath.Join(c.dir, "lib"), "Canon_40D.jpg", "Nikon_D70.jpg")
	c.ok("index", filepath.Join(c.dir, "lib"))
	data := filepath.Join(c.dir, "data")
	before := derivedFiles(t, data)
	if len(before) != 4 {
		t.Fatalf("indexing made %v; want 2 thumbnails and 2 renditions", before)
	}
	if _, errOut, code := c.run("blobs", "migrate"); code == 0 || !strings.Contains(errOut, "TARGETVISION_BLOB_URL is not set") {
		t.Errorf("migrate without a destination: exit %d, %s", code, errOut)
	}
	thumb, err := os.ReadFile(filepath.Join(data, "thumbs", "1", "1.jpg"))
	if err != nil {
		t.Fatal(err)
	}

	c.env = append(c.env, blobEnv(opts)...)
	if out := c.ok("blobs", "migrate"); !strings.Contains(out, "moved 4 files") {
		t.Fatalf("migrate: %s", out)
	}
	if left := derivedFiles(t, data); len(left) != 0 {
		t.Errorf("after the move the data directory still holds %v", left)
	}
	if out := c.ok("blobs", "migrate"); !strings.Contains(out, "moved 0 files") || !strings.Contains(out, "0 were there already") {
		t.Errorf("second migrate: %s", out)
	}
	_, base, _ := c.startServe()
	web := newClient(t, base)
	body, _ := json.Marshal(map[string]string{"email": "owner@example.com", "password": "a long password",
		"setup_code": strings.TrimSpace(c.ok("setup-code"))})
	if status, resp := web.do("POST", "/api/v1/auth/signup", string(body), ""); status != 201 {
		t.Fatalf("sign-up: %d %s", status, resp)
	}
	if status, got := web.do("GET", "/api/v1/photos/1/thumbnail", "", ""); status != 200 || got != string(thumb) {
		t.Errorf("a migrated thumbnail: %d, %d bytes; want the %d bytes made before", status, len(got), len(thumb))
	}
}
