package modelhub_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/targetvision/targetvision/internal/clip"
	"github.com/targetvision/targetvision/internal/clip/cliptest"
	"github.com/targetvision/targetvision/internal/modelhub"
)

const repo = "laion/CLIP-ViT-B-32-laion2B-s34B-b79K"

// newHub serves a tiny real-layout checkpoint under repo.
func newHub(t *testing.T) (*cliptest.Hub, map[string][]byte) {
	t.Helper()
	src := t.TempDir()
	if err := cliptest.WriteCheckpoint(src, cliptest.Options{Seed: 7, HiddenAct: "gelu"}); err != nil {
		t.Fatal(err)
	}
	files, err := cliptest.CheckpointFiles(src, repo)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{}
	for _, f := range files {
		want[f.Path] = f.Data
	}
	return cliptest.NewHub(t, files...), want
}

func checkFiles(t *testing.T, dir string, want map[string][]byte) {
	t.Helper()
	for name, data := range want {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, data) {
			t.Errorf("%s differs from the hub's copy", name)
		}
		if _, err := os.Stat(filepath.Join(dir, name+".part")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s.part left behind", name)
		}
	}
}

func TestPullFullDownloadLoads(t *testing.T) {
	t.Parallel()
	hub, want := newHub(t)
	dir := clip.ModelDir(t.TempDir(), repo)
	var progress bytes.Buffer
	err := modelhub.Pull(context.Background(), modelhub.Options{Endpoint: hub.URL, Repo: repo, Dir: dir, Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	checkFiles(t, dir, want)
	if !strings.Contains(progress.String(), "model.safetensors: 100%") {
		t.Errorf("progress output lacks a 100%% line:\n%s", progress.String())
	}
	// Files after the first are fetched at the pinned commit, and the
	// weights come from the CDN location of the redirect.
	var pinned, cdn bool
	for _, r := range hub.Requests() {
		pinned = pinned || strings.Contains(r.Path, "/resolve/"+hub.Commit()+"/")
		cdn = cdn || strings.HasPrefix(r.Path, "/cdn/")
	}
	if !pinned || !cdn {
		t.Errorf("requests %v: pinned %v cdn %v", hub.Requests(), pinned, cdn)
	}
	m, err := clip.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m.Name() != repo {
		t.Errorf("Name = %q, want %q", m.Name(), repo)
	}
	// A second pull re-verifies and downloads nothing.
	before := len(hub.Requests())
	if err := modelhub.Pull(context.Background(), modelhub.Options{Endpoint: hub.URL, Repo: repo, Dir: dir}); err != nil {
		t.Fatal(err)
	}
	for _, r := range hub.Requests()[before:] {
		if r.Method == "GET" {
			t.Errorf("second pull downloaded %s", r.Path)
		}
	}
}

func TestPullResumesInterruptedDownload(t *testing.T) {
	t.Parallel()
	hub, want := newHub(t)
	dir := t.TempDir()
	cut := int64(len(want["model.safetensors"]) / 3)
	hub.InterruptNext("model.safetensors", cut)
	if err := modelhub.Pull(context.Background(), modelhub.Options{Endpoint: hub.URL, Repo: repo, Dir: dir}); err != nil {
		t.Fatal(err)
	}
	checkFiles(t, dir, want)
	var ranges []string
	for _, r := range hub.Requests() {
		if r.Range != "" {
			ranges = append(ranges, r.Range)
		}
	}
	if len(ranges) != 1 || ranges[0] != "bytes="+strconv.FormatInt(cut, 10)+"-" {
		t.Errorf("range requests %v, want one resuming at %d", ranges, cut)
	}
}

func TestPullResumesPartFileFromEarlierRun(t *testing.T) {
	t.Parallel()
	hub, want := newHub(t)
	dir := t.TempDir()
	w := want["model.safetensors"]
	if err := os.WriteFile(filepath.Join(dir, "model.safetensors.part"), w[:1000], 0o644); err != nil {
		t.Fatal(err)
	}
	var progress bytes.Buffer
	if err := modelhub.Pull(context.Background(), modelhub.Options{Endpoint: hub.URL, Repo: repo, Dir: dir, Retries: -1, Progress: &progress}); err != nil {
		t.Fatal(err)
	}
	checkFiles(t, dir, want)
	if !strings.Contains(progress.String(), "resuming at") {
		t.Errorf("progress lacks the resume line:\n%s", progress.String())
	}
}

func TestPullChecksumMismatch(t *testing.T) {
	t.Parallel()
	for _, file := range []string{"model.safetensors", "vocab.json"} { // sha256 (LFS) and git sha1
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			hub, _ := newHub(t)
			hub.Corrupt(file)
			dir := t.TempDir()
			err := modelhub.Pull(context.Background(), modelhub.Options{Endpoint: hub.URL, Repo: repo, Dir: dir})
			if !errors.Is(err, modelhub.ErrChecksum) {
				t.Fatalf("err = %v, want ErrChecksum", err)
			}
			if !strings.Contains(err.Error(), file) {
				t.Errorf("error %q does not name the file", err)
			}
			for _, p := range []string{file, file + ".part", clip.SourceFile} {
				if _, err := os.Stat(filepath.Join(dir, p)); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("%s exists after a checksum failure", p)
				}
			}
		})
	}
}

func TestPullReplacesCorruptExistingFile(t *testing.T) {
	t.Parallel()
	hub, want := newHub(t)
	dir := t.TempDir()
	bad := append([]byte(nil), want["merges.txt"]...)
	bad[10] ^= 1
	if err := os.WriteFile(filepath.Join(dir, "merges.txt"), bad, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := modelhub.Pull(context.Background(), modelhub.Options{Endpoint: hub.URL, Repo: repo, Dir: dir}); err != nil {
		t.Fatal(err)
	}
	checkFiles(t, dir, want)
}

func TestPullErrors(t *testing.T) {
	t.Parallel()
	hub, _ := newHub(t)
	tests := []struct {
		name string
		opts modelhub.Options
		want error
	}{
		{"unknown repo", modelhub.Options{Repo: "nobody/nothing"}, modelhub.ErrNotFound},
		{"unknown revision", modelhub.Options{Repo: repo, Revision: "v9"}, modelhub.ErrNotFound},
		{"unknown file", modelhub.Options{Repo: repo, Files: []string{"pytorch_model.bin"}}, modelhub.ErrNotFound},
	}
	for _, tc := range tests {
		tc.opts.Endpoint, tc.opts.Dir = hub.URL, t.TempDir()
		if err := modelhub.Pull(context.Background(), tc.opts); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
	if err := modelhub.Pull(context.Background(), modelhub.Options{Repo: "no-slash", Dir: t.TempDir()}); err == nil {
		t.Error("bad repo name accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := modelhub.Pull(ctx, modelhub.Options{Endpoint: hub.URL, Repo: repo, Dir: t.TempDir()}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
}

func TestPullSendsToken(t *testing.T) {
	t.Parallel()
	hub, _ := newHub(t)
	// The fake hub does not check tokens, but the header must reach it.
	var seen bool
	client := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		seen = seen || r.Header.Get("Authorization") == "Bearer hf_secret"
		return http.DefaultTransport.RoundTrip(r)
	})}
	// All files: the fake CDN rejects a forwarded token, so this also
	// checks the token stays with the hub.
	err := modelhub.Pull(context.Background(), modelhub.Options{Endpoint: hub.URL, Repo: repo, Dir: t.TempDir(), Token: "hf_secret", Client: client})
	if err != nil || !seen {
		t.Errorf("err %v, token seen %v", err, seen)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestPullFollowsRenamedRepo(t *testing.T) {
	t.Parallel()
	hub, want := newHub(t)
	hub.Rename("old-org/old-name", repo)
	dir := t.TempDir()
	if err := modelhub.Pull(context.Background(), modelhub.Options{Endpoint: hub.URL, Repo: "old-org/old-name", Dir: dir}); err != nil {
		t.Fatal(err)
	}
	checkFiles(t, dir, want)
	// Still verified: corrupt the weights behind the new name.
	hub.Corrupt("model.safetensors")
	err := modelhub.Pull(context.Background(), modelhub.Options{Endpoint: hub.URL, Repo: "old-org/old-name", Dir: t.TempDir()})
	if !errors.Is(err, modelhub.ErrChecksum) {
		t.Errorf("corrupt weights behind a rename: %v", err)
	}
}

// TestPullReportsProgress: OnProgress sees each file's bytes grow to its
// size while it downloads, then its verification, then done; a second pull
// only verifies.
func TestPullReportsProgress(t *testing.T) {
	t.Parallel()
	hub, want := newHub(t)
	dir := t.TempDir()
	var events []modelhub.FileProgress
	opts := modelhub.Options{Endpoint: hub.URL, Repo: repo, Dir: dir,
		OnProgress: func(p modelhub.FileProgress) { events = append(events, p) }}
	if err := modelhub.Pull(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	size := int64(len(want["model.safetensors"]))
	var phases []string
	var partial bool
	for _, e := range events {
		if e.File != "model.safetensors" {
			continue
		}
		if e.Total != size {
			t.Fatalf("event %+v: total, want %d", e, size)
		}
		if len(phases) == 0 || phases[len(phases)-1] != e.Phase {
			phases = append(phases, e.Phase)
		}
		partial = partial || (e.Phase == modelhub.PhaseDownloading && e.Done > 0 && e.Done < size)
	}
	last := events[len(events)-1]
	if strings.Join(phases, ",") != "downloading,verifying,done" || !partial || last.Phase != modelhub.PhaseDone {
		t.Errorf("weights' phases %v (bytes part-way seen: %v), last event %+v", phases, partial, last)
	}
	for name := range want {
		seen := false
		for _, e := range events {
			seen = seen || (e.File == name && e.Phase == modelhub.PhaseDone && e.Done == int64(len(want[name])))
		}
		if !seen {
			t.Errorf("%s never reported done with its size", name)
		}
	}
	events = nil
	if err := modelhub.Pull(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		if e.Phase == modelhub.PhaseDownloading {
			t.Errorf("second pull reported a download: %+v", e)
		}
	}
	if len(events) == 0 {
		t.Error("second pull reported nothing")
	}
}
