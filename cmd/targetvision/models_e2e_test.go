package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/clip"
	"github.com/targetvision/targetvision/internal/clip/cliptest"
	"github.com/targetvision/targetvision/internal/clipsetup/clipsetuptest"
	"github.com/targetvision/targetvision/internal/testshared"
)

// semantic is what `search --json` says of search by meaning.
func semantic(t *testing.T, c *cli) (on bool, reason string) {
	t.Helper()
	var res struct {
		Semantic struct {
			Enabled bool   `json:"enabled"`
			Reason  string `json:"reason"`
		} `json:"semantic"`
	}
	if err := json.Unmarshal([]byte(c.ok("search", "--json", "x")), &res); err != nil {
		t.Fatal(err)
	}
	return res.Semantic.Enabled, res.Semantic.Reason
}

// TestModelsPullChecksItself: `models pull` fetches the reference image
// (TARGETVISION_CLIP_CHECK_IMAGE, verified by the hash the binary carries)
// next to the model and runs the self-check without being asked: a model
// that fails is refused and removed, with its numbers; one that passes is
// installed with the image beside it; a wrong image is refused with a
// clear error.
func TestModelsPullChecksItself(t *testing.T) {
	t.Parallel()
	ref := clipsetuptest.NewServer(t)
	const repo = "test/tiny-clip"
	for _, c := range []struct {
		seed  uint64
		image string
		code  bool
		says  string
	}{
		{7, "/CLIP.png", false, "failed its self-check and was removed"},
		{10, "/CLIP.png", true, ""},
		{10, "/wrong.png", false, "not the OpenAI CLIP README's CLIP.png"},
	} {
		hub := cliptest.NewCheckpointHub(t, repo, cliptest.Options{Seed: c.seed})
		cl := newCLI(t, "HF_ENDPOINT="+hub.URL, "TARGETVISION_CLIP_MODEL="+repo, "TARGETVISION_CLIP_CHECK_IMAGE="+ref.URL+c.image)
		out, errOut, code := cl.run("models", "pull")
		if (code == 0) != c.code || !strings.Contains(errOut, c.says) {
			t.Fatalf("seed %d %s: exit %d, want ok=%v saying %q\n%s%s", c.seed, c.image, code, c.code, c.says, out, errOut)
		}
		dir := clip.ModelDir(filepath.Join(cl.dir, "data"), repo)
		if c.image == "/CLIP.png" && !strings.Contains(out, `self-check of test/tiny-clip on CLIP.png: "a diagram" `) {
			t.Errorf("seed %d: the numbers are not printed:\n%s", c.seed, out)
		}
		if c.code {
			if _, err := os.Stat(filepath.Join(dir, "CLIP.png")); err != nil {
				t.Errorf("the reference image is not next to the model: %v", err)
			}
			// models check needs no --image now: the image is beside the model.
			if out := cl.ok("models", "check"); !strings.Contains(out, "pass") {
				t.Errorf("models check: %s", out)
			}
		}
		if c.image == "/wrong.png" && !strings.Contains(errOut, "TARGETVISION_CLIP_CHECK_IMAGE") {
			t.Errorf("a wrong image does not name the setting to fix: %s", errOut)
		}
		if on, _ := semantic(t, cl); on != (c.seed == 10) {
			t.Errorf("seed %d %s: search by meaning on = %v", c.seed, c.image, on)
		}
	}
}

// TestModelsImportChecksItself: `models import DIR` takes DIR/CLIP.png
// (verified) when the copy has one, so an offline server checks its model
// too; a damaged CLIP.png there is refused.
func TestModelsImportChecksItself(t *testing.T) {
	t.Parallel()
	ref := clipsetuptest.NewServer(t)
	const repo = "test/tiny-clip"
	hub := cliptest.NewCheckpointHub(t, repo, cliptest.Options{Seed: 10})
	online := newCLI(t, "HF_ENDPOINT="+hub.URL, "TARGETVISION_CLIP_MODEL="+repo, "TARGETVISION_CLIP_CHECK_IMAGE="+ref.URL+"/CLIP.png")
	online.ok("models", "pull")
	copied := filepath.Join(t.TempDir(), "copy")
	if err := os.CopyFS(copied, os.DirFS(clip.ModelDir(filepath.Join(online.dir, "data"), repo))); err != nil {
		t.Fatal(err)
	}
	// Offline: the image's URL answers nothing.
	offline := newCLI(t, "TARGETVISION_CLIP_MODEL="+repo)
	out := offline.ok("models", "import", copied)
	if !strings.Contains(out, "self-check of test/tiny-clip on CLIP.png") || !strings.Contains(out, "pass") {
		t.Fatalf("import with CLIP.png in DIR:\n%s", out)
	}
	b, _ := os.ReadFile(filepath.Join(copied, "CLIP.png"))
	b[200] ^= 1
	os.WriteFile(filepath.Join(copied, "CLIP.png"), b, 0o600)
	other := newCLI(t, "TARGETVISION_CLIP_MODEL="+repo)
	if _, errOut, code := other.run("models", "import", copied); code == 0 || !strings.Contains(errOut, "not the OpenAI CLIP README's CLIP.png") {
		t.Fatalf("a damaged CLIP.png in DIR: exit %d %s", code, errOut)
	}
	// Without any image and offline, the model is installed unchecked, and
	// says so.
	os.Remove(filepath.Join(copied, "CLIP.png"))
	third := newCLI(t, "TARGETVISION_CLIP_MODEL="+repo)
	if out := third.ok("models", "import", copied); !strings.Contains(out, "self-check skipped: could not fetch the reference image") {
		t.Errorf("offline import without an image:\n%s", out)
	}
}

// TestModelLoadChecksOnce: a model with the reference image beside it is
// checked when it is first loaded (serve, search, index…), the pass
// remembered by the weights' hash so later loads skip it; weights that
// fail are refused, and the CLIP status says so with the numbers.
func TestModelLoadChecksOnce(t *testing.T) {
	t.Parallel()
	img := testshared.Path(t, "clip", "CLIP.png")
	const repo = "test/tiny-clip"
	cl := newCLI(t, "TARGETVISION_CLIP_MODEL="+repo)
	dir := clip.ModelDir(filepath.Join(cl.dir, "data"), repo)
	if err := cliptest.WriteCheckpoint(dir, cliptest.Options{Seed: 10}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "CLIP.png"), b, 0o600)
	_, errOut, _ := cl.run("search", "--json", "x")
	if !strings.Contains(errOut, `"msg":"CLIP self-check passed"`) || !strings.Contains(errOut, `"remembered":false`) {
		t.Errorf("first load:\n%s", errOut)
	}
	_, errOut, _ = cl.run("search", "--json", "x")
	if !strings.Contains(errOut, `"remembered":true`) {
		t.Errorf("second load checked again:\n%s", errOut)
	}
	if on, _ := semantic(t, cl); !on {
		t.Error("a passing model is not used")
	}
	// Other weights in its place: checked anew, and refused.
	if err := cliptest.WriteCheckpoint(dir, cliptest.Options{Seed: 7}); err != nil {
		t.Fatal(err)
	}
	on, reason := semantic(t, cl)
	if on || !strings.Contains(reason, "failed its self-check") || !strings.Contains(reason, `"a diagram" 0.`) {
		t.Errorf("failing weights: on %v, reason %q", on, reason)
	}
}

// TestServeDownloadsModel: an administrator starts the CLIP download on a
// running server without a model (POST /api/v1/models/clip/download); it
// downloads, checks itself on the reference image and is put to use at
// once: search by meaning turns on and the embed jobs that were waiting
// run — no restart.
func TestServeDownloadsModel(t *testing.T) {
	t.Parallel()
	const repo = "test/tiny-clip"
	hub := cliptest.NewCheckpointHub(t, repo, cliptest.Options{Seed: 10})
	ref := clipsetuptest.NewServer(t)
	c := newCLI(t, "HF_ENDPOINT="+hub.URL, "TARGETVISION_CLIP_MODEL="+repo, "TARGETVISION_CLIP_CHECK_IMAGE="+ref.URL+"/CLIP.png")
	c.ok("index", filepath.Join(testshared.Path(t), "testdata", "photos", "camera"))
	_, base, logs := c.startServe()
	web := newClient(t, base)
	body, _ := json.Marshal(map[string]string{"email": "admin@example.com", "password": "a long password",
		"setup_code": strings.TrimSpace(c.ok("setup-code"))})
	if status, resp := web.do("POST", "/api/v1/auth/signup", string(body), ""); status != 201 {
		t.Fatalf("sign-up: %d %s", status, resp)
	}
	type models struct {
		CLIP struct {
			Present     bool   `json:"present"`
			Reason      string `json:"reason"`
			CanDownload bool   `json:"can_download"`
			Download    *struct {
				Phase     string `json:"phase"`
				Error     string `json:"error"`
				SelfCheck *struct {
					Pass bool `json:"pass"`
				} `json:"self_check"`
			} `json:"download"`
		} `json:"clip"`
	}
	getModels := func() models {
		status, resp := web.do("GET", "/api/v1/models", "", "")
		var m models
		if status != 200 || json.Unmarshal([]byte(resp), &m) != nil {
			t.Fatalf("GET /api/v1/models: %d %s", status, resp)
		}
		return m
	}
	semanticOn := func() bool {
		_, resp := web.do("GET", "/api/v1/search?q=camera", "", "")
		var r struct {
			Semantic struct {
				Enabled bool `json:"enabled"`
			} `json:"semantic"`
		}
		json.Unmarshal([]byte(resp), &r)
		return r.Semantic.Enabled
	}
	embedWaiting := func() bool {
		_, resp := web.do("GET", "/api/v1/jobs?state=queued&limit=500", "", "")
		return strings.Contains(resp, `"kind":"embed"`)
	}
	if m := getModels(); m.CLIP.Present || !m.CLIP.CanDownload || semanticOn() || !embedWaiting() {
		t.Fatalf("before: %+v, semantic %v, embed waiting %v", m.CLIP, semanticOn(), embedWaiting())
	}
	if status, resp := web.do("POST", "/api/v1/models/clip/download", "", ""); status != 202 || !strings.Contains(resp, `"phase"`) {
		t.Fatalf("start: %d %s", status, resp)
	}
	deadline := time.Now().Add(2 * time.Minute)
	var m models
	for {
		m = getModels()
		if d := m.CLIP.Download; d != nil && (d.Phase == "installed" || d.Phase == "failed") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("download did not finish: %+v\n%s", m.CLIP, logs)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if d := m.CLIP.Download; d.Phase != "installed" || d.SelfCheck == nil || !d.SelfCheck.Pass || !m.CLIP.Present || m.CLIP.CanDownload {
		t.Fatalf("after: %+v %+v", m.CLIP, d)
	}
	if !semanticOn() {
		t.Error("search by meaning still off after the download")
	}
	for embedWaiting() {
		if time.Now().After(deadline) {
			t.Fatalf("embed jobs still queued after the model arrived\n%s", logs)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if status, resp := web.do("POST", "/api/v1/models/clip/download", "", ""); status != 409 || !strings.Contains(resp, "model_installed") {
		t.Errorf("a download with the model in use: %d %s", status, resp)
	}
}
