package clipsetup_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/clip"
	"github.com/targetvision/targetvision/internal/clip/cliptest"
	"github.com/targetvision/targetvision/internal/clipsetup"
	"github.com/targetvision/targetvision/internal/modelhub"
)

const repo = "test/tiny-clip"

// gate holds the weights' download after its first bytes until opened,
// so a test sees a download under way.
type gate struct {
	once sync.Once
	open chan struct{}
}

func newGate() *gate { return &gate{open: make(chan struct{})} }

func (g *gate) release() { g.once.Do(func() { close(g.open) }) }

func (g *gate) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil || r.Method != http.MethodGet || !strings.HasPrefix(r.URL.Path, "/cdn/") {
		return resp, err
	}
	resp.Body = &gatedBody{ReadCloser: resp.Body, g: g, ctx: r.Context()}
	return resp, nil
}

type gatedBody struct {
	io.ReadCloser
	g    *gate
	ctx  context.Context
	read int
}

func (b *gatedBody) Read(p []byte) (int, error) {
	if b.read > 0 {
		select {
		case <-b.g.open:
		case <-b.ctx.Done():
			return 0, b.ctx.Err()
		}
	}
	n, err := b.ReadCloser.Read(p[:min(len(p), 4096)])
	b.read += n
	return n, err
}

// waitFor polls the downloader until cond holds (bounded, not timed).
func waitFor(t *testing.T, d *clipsetup.Downloader, what string, cond func(clipsetup.Status) bool) clipsetup.Status {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		st := d.Status()
		if cond(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: never; last status %+v", what, st)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type setup struct {
	d         *clipsetup.Downloader
	dir       string
	gate      *gate
	installed chan *clip.Model
}

func newDownloader(t *testing.T, seed uint64, imagePath string) setup {
	t.Helper()
	hub := cliptest.NewCheckpointHub(t, repo, cliptest.Options{Seed: seed})
	img := imageServer(t)
	s := setup{dir: clip.ModelDir(t.TempDir(), repo), gate: newGate(), installed: make(chan *clip.Model, 1)}
	t.Cleanup(s.gate.release)
	s.d = clipsetup.NewDownloader(clipsetup.DownloaderConfig{
		Hub:       modelhub.Options{Endpoint: hub.URL, Repo: repo, Dir: s.dir, Client: &http.Client{Transport: s.gate}},
		Reference: clipsetup.Reference{URL: img.URL + imagePath},
		Install: func(_ context.Context, m *clip.Model) error {
			s.installed <- m
			return nil
		},
	})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- s.d.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return s
}

// TestDownloadInstalls: one download at a time, its files' bytes visible
// while it runs, then verified, self-checked and handed to Install.
func TestDownloadInstalls(t *testing.T) {
	t.Parallel()
	s := newDownloader(t, 10, "/CLIP.png")
	if st := s.d.Status(); st.Phase != clipsetup.PhaseIdle || st.Model != repo || len(st.Files) != len(clip.Files) {
		t.Fatalf("before: %+v", st)
	}
	if _, err := s.d.Start(); err != nil {
		t.Fatal(err)
	}
	st := waitFor(t, s.d, "weights part-way", func(st clipsetup.Status) bool {
		for _, f := range st.Files {
			if f.Name == "model.safetensors" && f.Phase == "downloading" && f.Bytes > 0 && f.Bytes < f.Total {
				return true
			}
		}
		return false
	})
	if st.Phase != clipsetup.PhaseDownloading || st.StartedAt == nil {
		t.Errorf("while downloading: %+v", st)
	}
	if _, err := s.d.Start(); !errors.Is(err, clipsetup.ErrRunning) {
		t.Errorf("a second start while one runs: %v", err)
	}
	s.gate.release()
	st = waitFor(t, s.d, "installed", func(st clipsetup.Status) bool {
		return st.Phase != clipsetup.PhaseDownloading && st.Phase != clipsetup.PhaseVerifying && st.Phase != clipsetup.PhaseChecking
	})
	if st.Phase != clipsetup.PhaseInstalled || st.Error != "" || st.FinishedAt == nil {
		t.Fatalf("after: %+v", st)
	}
	for _, f := range st.Files {
		if f.Phase != "done" || f.Bytes != f.Total || f.Total <= 0 {
			t.Errorf("file %+v", f)
		}
	}
	if sc := st.SelfCheck; sc == nil || !sc.Ran || !sc.Pass || len(sc.Probs) != 3 {
		t.Errorf("self-check %+v", st.SelfCheck)
	}
	select {
	case m := <-s.installed:
		if m.Name() != repo {
			t.Errorf("installed %s", m.Name())
		}
	default:
		t.Fatal("Install was not called")
	}
	if _, err := os.Stat(filepath.Join(s.dir, clipsetup.ReferenceFile)); err != nil {
		t.Errorf("no reference image next to the model: %v", err)
	}
}

// TestDownloadRefuses: a model that fails its self-check, or a reference
// image that is not the one, ends the download as failed with the reason
// (and the numbers), the model not installed, and another download may
// start. A failing model is removed; beside a wrong image the model's
// verified files stay (the image is at fault, and a new download after
// the setting is fixed need not fetch them again).
func TestDownloadRefuses(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		seed  uint64
		image string
		says  []string
		kept  bool
	}{
		{"failing model", 7, "/CLIP.png", []string{"failed its self-check", `"a diagram" 0.`}, false},
		{"wrong image", 10, "/wrong.png", []string{"not the OpenAI CLIP README's CLIP.png", clipsetup.ReferenceSHA256, "TARGETVISION_CLIP_CHECK_IMAGE"}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := newDownloader(t, c.seed, c.image)
			s.gate.release()
			if _, err := s.d.Start(); err != nil {
				t.Fatal(err)
			}
			st := waitFor(t, s.d, "finished", func(st clipsetup.Status) bool { return st.FinishedAt != nil })
			if st.Phase != clipsetup.PhaseFailed {
				t.Fatalf("status %+v", st)
			}
			for _, w := range c.says {
				if !strings.Contains(st.Error, w) {
					t.Errorf("error %q lacks %q", st.Error, w)
				}
			}
			if _, err := os.Stat(filepath.Join(s.dir, "model.safetensors")); (err == nil) != c.kept {
				t.Errorf("model files kept: %v, want %v", err, c.kept)
			}
			select {
			case <-s.installed:
				t.Error("a refused model was installed")
			default:
			}
			if _, err := s.d.Start(); err != nil {
				t.Errorf("a new start after a failure: %v", err)
			}
		})
	}
}
