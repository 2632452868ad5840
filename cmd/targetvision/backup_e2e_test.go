package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/targetvision/targetvision/internal/blob/blobtest"
	"github.com/targetvision/targetvision/internal/claude/claudetest"
	"github.com/targetvision/targetvision/internal/clip/cliptest"
	"github.com/targetvision/targetvision/internal/store/storetest"
)

// searchesOf runs the queries and returns their JSON answers, less the
// time each took.
func searchesOf(t *testing.T, c *cli, queries []string) map[string]any {
	t.Helper()
	out := map[string]any{}
	for _, q := range queries {
		var res map[string]any
		if err := json.Unmarshal([]byte(c.ok("search", q, "--json", "--limit", "50")), &res); err != nil {
			t.Fatal(err)
		}
		delete(res, "took_ms")
		out[q] = res
	}
	return out
}

// TestBackupRestoreSameResults: a backup taken while the library is live,
// restored into an empty data directory, answers every search exactly as
// the original does (descriptions, embeddings, photos) and serves the same
// thumbnails; restored with object storage configured, the files land in
// the bucket.
func TestBackupRestoreSameResults(t *testing.T) {
	t.Parallel()
	fake := claudetest.New(t, claudetest.Options{})
	const repo = "test/tiny-clip"
	hub := cliptest.NewCheckpointHub(t, repo, cliptest.Options{Seed: 7})
	common := []string{"TARGETVISION_SYNC_INTERVAL=0", "HF_ENDPOINT=" + hub.URL, "TARGETVISION_CLIP_MODEL=" + repo}
	c := newCLI(t, append(common, "ANTHROPIC_API_KEY=test-key", "ANTHROPIC_BASE_URL="+fake.URL)...)
	c.ok("models", "pull")
	copyPhotos(t, filepath.Join(c.dir, "lib"), "Canon_40D.jpg", "Nikon_D70.jpg", "Pentax_K10D.jpg", "door-knocker.jpg")
	c.ok("index", filepath.Join(c.dir, "lib"))
	queries := []string{"countryside", "Canon", "knocker", "a photo"}
	want := searchesOf(t, c, queries)
	if n := strings.Count(c.ok("search", "countryside", "--json"), `"photo_id"`); n != 4 {
		t.Fatalf("the library to back up should find 4 described photos, found %d", n)
	}
	c.startServe() // the backup is taken while a server runs
	file := filepath.Join(c.dir, "backup.tar")
	c.ok("backup", file)
	if st, err := os.Stat(file); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("backup file: %v %v; want mode 0600", st, err)
	}
	thumb, err := os.ReadFile(filepath.Join(c.dir, "data", "thumbs", "1", "1.jpg"))
	if err != nil {
		t.Fatal(err)
	}

	r := newCLI(t, common...)
	r.ok("models", "pull") // models are not in backups
	if out := r.ok("restore", file); !strings.Contains(out, "the secret key and 8 files") {
		t.Errorf("restore: %s", out)
	}
	if got := searchesOf(t, r, queries); !reflect.DeepEqual(got, want) {
		gb, _ := json.MarshalIndent(got, "", " ")
		wb, _ := json.MarshalIndent(want, "", " ")
		t.Fatalf("searches after the restore differ:\n%s\nwant:\n%s", gb, wb)
	}
	restored, err := os.ReadFile(filepath.Join(r.dir, "data", "thumbs", "1", "1.jpg"))
	if err != nil || string(restored) != string(thumb) {
		t.Errorf("restored thumbnail: %v, %d bytes; want the %d bytes backed up", err, len(restored), len(thumb))
	}
	if _, errOut, code := r.run("restore", file); code == 0 || !strings.Contains(errOut, "already has a library") {
		t.Errorf("restoring over a library: exit %d, %s", code, errOut)
	}

	t.Run("into object storage", func(t *testing.T) {
		opts := blobtest.S3Options(t)
		s := newCLI(t, append(common, blobEnv(opts)...)...)
		s.ok("models", "pull")
		s.ok("restore", file)
		if got := searchesOf(t, s, queries); !reflect.DeepEqual(got, want) {
			t.Fatalf("searches after a restore into object storage differ")
		}
		if files := derivedFiles(t, filepath.Join(s.dir, "data")); len(files) != 0 {
			t.Errorf("restored into object storage, yet on disk: %v", files)
		}
		_, base, _ := s.startServe()
		web := newClient(t, base)
		body, _ := json.Marshal(map[string]string{"email": "owner@example.com", "password": "a long password",
			"setup_code": strings.TrimSpace(s.ok("setup-code"))})
		if status, resp := web.do("POST", "/api/v1/auth/signup", string(body), ""); status != 201 {
			t.Fatalf("sign-up: %d %s", status, resp)
		}
		if status, got := web.do("GET", "/api/v1/photos/1/thumbnail", "", ""); status != 200 || got != string(thumb) {
			t.Errorf("a thumbnail restored into the bucket: %d, %d bytes; want %d", status, len(got), len(thumb))
		}
	})
}

// TestPostgresBackupRecipe runs docs/deploy.md's recipe for PostgreSQL:
// pg_dump plus `targetvision backup` for the key and files, then
// pg_restore into an empty database plus `targetvision restore` on a new
// host; the searches answer as before.
func TestPostgresBackupRecipe(t *testing.T) {
	t.Parallel()
	from, to := storetest.PostgresURL(t), storetest.PostgresURL(t)
	const repo = "test/tiny-clip"
	hub := cliptest.NewCheckpointHub(t, repo, cliptest.Options{Seed: 7})
	common := []string{"TARGETVISION_SYNC_INTERVAL=0", "HF_ENDPOINT=" + hub.URL, "TARGETVISION_CLIP_MODEL=" + repo}
	c := newCLI(t, append(common, "DATABASE_URL="+from)...)
	c.ok("models", "pull")
	copyPhotos(t, filepath.Join(c.dir, "lib"), "Canon_40D.jpg", "Nikon_D70.jpg", "door-knocker.jpg")
	c.ok("index", filepath.Join(c.dir, "lib"))
	queries := []string{"Canon", "knocker", "a photo"}
	want := searchesOf(t, c, queries)

	dump := filepath.Join(c.dir, "targetvision.pgdump")
	for _, args := range [][]string{
		{"pg_dump", "--format=custom", "--file=" + dump, from},
		{"pg_restore", "--no-owner", "--dbname=" + to, dump},
	} {
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", args[0], err, out)
		}
	}
	file := filepath.Join(c.dir, "files.tar")
	c.ok("backup", file)

	r := newCLI(t, append(common, "DATABASE_URL="+to)...)
	r.ok("models", "pull")
	if out := r.ok("restore", file); !strings.Contains(out, "no database (PostgreSQL), the secret key and 6 files") {
		t.Errorf("restore: %s", out)
	}
	if got := searchesOf(t, r, queries); !reflect.DeepEqual(got, want) {
		t.Fatalf("searches after pg_restore + restore differ:\n%v\nwant:\n%v", got, want)
	}
}
