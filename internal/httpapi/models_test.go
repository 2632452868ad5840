package httpapi

import (
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/clipsetup"
	"github.com/targetvision/targetvision/internal/store"
	"github.com/targetvision/targetvision/internal/store/storetest"
)

// fakeDownloads stands in for the server's clipsetup.Downloader.
type fakeDownloads struct {
	mu      sync.Mutex
	st      clipsetup.Status
	running bool
}

func newFakeDownloads() *fakeDownloads {
	return &fakeDownloads{st: clipsetup.Status{Model: testModel, Phase: clipsetup.PhaseIdle,
		Files: []clipsetup.FileStatus{{Name: "model.safetensors", Phase: "waiting", Total: -1}}}}
}

func (f *fakeDownloads) Start() (clipsetup.Status, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.running {
		return f.st, clipsetup.ErrRunning
	}
	f.running = true
	now := time.Now().UTC()
	f.st.Phase, f.st.StartedAt = clipsetup.PhaseDownloading, &now
	f.st.Files = []clipsetup.FileStatus{{Name: "model.safetensors", Phase: "downloading", Bytes: 1000, Total: 4000}}
	return f.st, nil
}

func (f *fakeDownloads) Status() clipsetup.Status {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.st
}

// TestModelDownloadRoute: only an administrator starts the CLIP download
// (others: 403); one runs at a time (409 download_running); a server whose
// model is in use does not download again (409 model_installed). The
// Settings page learns the download's state from GET /api/v1/models
// (administrators only) and its progress from the event stream.
func TestModelDownloadRoute(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, db *store.DB) {
		dl := newFakeDownloads()
		var present atomic.Bool
		ts := newTestServer(t, db, func(d *Deps) {
			d.AllowSignup = true
			d.ModelDownloads = dl
			d.Models = func() ModelStatus {
				if present.Load() {
					return ModelStatus{Name: testModel, Present: true, Dim: 16}
				}
				return ModelStatus{Name: testModel, Reason: "no CLIP model is installed"}
			}
		})
		admin := ts.signup("admin@example.com")
		bob := ts.signup("bob@example.com")
		start := func(a account) *httptest.ResponseRecorder {
			return ts.do(req{method: "POST", path: "/api/v1/models/clip/download", cookie: a.cookie})
		}
		models := func(a account) modelsJSON {
			var m modelsJSON
			decodeBody(t, ts.do(req{method: "GET", path: "/api/v1/models", cookie: a.cookie}), &m)
			return m
		}
		if m := models(admin); !m.CLIP.CanDownload || m.CLIP.Download == nil || m.CLIP.Download.Phase != clipsetup.PhaseIdle {
			t.Errorf("admin's view before: %+v", m.CLIP)
		}
		if m := models(bob); m.CLIP.CanDownload || m.CLIP.Download != nil || m.CLIP.Reason == "" {
			t.Errorf("bob's view: %+v", m.CLIP)
		}

		wantError(t, start(bob), 403, "forbidden")
		if dl.Status().Phase != clipsetup.PhaseIdle {
			t.Fatal("a non-administrator started the download")
		}
		rec := start(admin)
		var st clipsetup.Status
		decodeBody(t, rec, &st)
		if rec.Code != 202 || st.Phase != clipsetup.PhaseDownloading || st.Files[0].Bytes != 1000 {
			t.Fatalf("start: %d %s", rec.Code, rec.Body)
		}
		wantError(t, start(admin), 409, "download_running")

		// The admin's event stream carries the download's progress; Bob's
		// does not.
		ev := ts.do(req{method: "GET", path: "/api/v1/events", cookie: admin.cookie, timeout: 300 * time.Millisecond}).Body.String()
		if !strings.Contains(ev, "event: model\ndata: ") || !strings.Contains(ev, `"bytes":1000`) || !strings.Contains(ev, `"phase":"downloading"`) {
			t.Errorf("admin's stream:\n%s", ev)
		}
		if ev := ts.do(req{method: "GET", path: "/api/v1/events", cookie: bob.cookie, timeout: 300 * time.Millisecond}).Body.String(); strings.Contains(ev, "event: model") {
			t.Errorf("bob's stream shows the download:\n%s", ev)
		}

		present.Store(true)
		dl.mu.Lock()
		dl.running = false
		dl.mu.Unlock()
		wantError(t, start(admin), 409, "model_installed")
		if m := models(admin); m.CLIP.CanDownload {
			t.Errorf("with the model in use: %+v", m.CLIP)
		}
	})
}

// TestModelDownloadUnavailable: a server without a downloader says so.
func TestModelDownloadUnavailable(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, storetest.OpenSQLite(t, store.Options{}))
	admin := ts.signup("admin@example.com")
	wantError(t, ts.do(req{method: "POST", path: "/api/v1/models/clip/download", cookie: admin.cookie}), 501, "download_unavailable")
}
