package browsertest

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/targetvision/targetvision/internal/clip/cliptest"
	"github.com/targetvision/targetvision/internal/clipsetup/clipsetuptest"
)

// TestBrowserModelDownload: on a server without a CLIP model, the
// administrator starts the download on the Settings page and watches it:
// each file's bytes grow (the fake hub holds the weights part-way so the
// page is seen mid-download), then the model is checked and installed,
// the page says search by meaning is on, and searches use it — without a
// restart. No photos are indexed, to keep it short.
func TestBrowserModelDownload(t *testing.T) {
	chromiumPath(t)
	hub := cliptest.NewCheckpointHub(t, serverModel, cliptest.Options{Seed: 10}) // passes the self-check
	release := hub.Hold("model.safetensors", 1<<20)
	ref := clipsetuptest.NewServer(t)
	base, data, _ := startServer(t, serverEnv{noModel: true, extra: []string{"HF_ENDPOINT=" + hub.URL, "TARGETVISION_CLIP_CHECK_IMAGE=" + ref.URL + "/CLIP.png"}})
	b := newBrowser(t, base, "models") // its own artifact folder; not the README's screenshots

	cmd := exec.Command(binary, "setup-code")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "TARGETVISION_DATA=" + data}
	code, err := cmd.Output()
	if err != nil {
		t.Fatalf("setup-code: %v", err)
	}
	b.open("/signup?setup="+strings.TrimSpace(string(code))+"&next=%2Fsettings", "signup")
	b.do("sign up", 30*time.Second,
		chromedp.SendKeys(chromedp.ID("signup-email"), "admin@example.com"),
		chromedp.SendKeys(chromedp.ID("signup-password"), "moonrise-hernandez-1941"),
		chromedp.Click(chromedp.ID("signup-submit")),
		chromedp.WaitVisible(chromedp.CSS(`#nav-user`)),
	)
	b.con.setSignedIn(true)

	b.open("/settings", "settings")
	b.do("download offered", 15*time.Second, chromedp.WaitVisible(chromedp.CSS(`[data-testid=clip-download-start]`)))
	if off := eval[string](b, "status before", `document.querySelector('[data-testid=clip-present]').textContent`); !strings.HasPrefix(off, "Off") {
		t.Errorf("before the download the page says %q", off)
	}
	b.do("start", 15*time.Second, chromedp.Click(chromedp.CSS(`[data-testid=clip-download-start]`)))
	// The weights stop after their first megabyte: the page shows them
	// part-way, live.
	weights := `[data-testid=clip-download-file][data-file="model.safetensors"]`
	b.do("weights part-way", 60*time.Second, chromedp.WaitVisible(chromedp.CSS(weights+`[data-phase=downloading]`)))
	b.waitFor("bytes shown", 30*time.Second, func() (bool, string) {
		txt := eval[string](b, "weights text", `document.querySelector('`+weights+` [data-testid=clip-download-bytes]').textContent`)
		return strings.Contains(txt, "1.0 MB of ") && strings.Contains(txt, "%)"), txt
	})
	if dis := eval[bool](b, "button while running", `document.querySelector('[data-testid=clip-download-start]').disabled`); !dis {
		t.Error("the download button can be pressed again while it runs")
	}
	b.shot("settings-download")
	release()
	b.do("installed", 90*time.Second, chromedp.WaitVisible(chromedp.CSS(`[data-testid=clip-download-phase][data-phase=installed]`)))
	b.waitFor("status on", 30*time.Second, func() (bool, string) {
		txt := eval[string](b, "status after", `document.querySelector('[data-testid=clip-present]').textContent`)
		return txt == "On", txt
	})
	if sc := eval[string](b, "self-check", `document.querySelector('[data-testid=clip-self-check]').textContent`); !regexp.MustCompile(`^passed: “a diagram” [01]\.\d{4}, “a dog” 0\.\d{4}, “a cat” 0\.\d{4}$`).MatchString(sc) {
		t.Errorf("self-check shown as %q", sc)
	}
	for _, f := range eval[[]string](b, "files", `[...document.querySelectorAll('[data-testid=clip-download-file]')].map((li) => li.dataset.file + ' ' + li.dataset.phase)`) {
		if !strings.HasSuffix(f, " done") {
			t.Errorf("file %s", f)
		}
	}
	b.shot("settings-installed")
	if on := eval[bool](b, "semantic", `fetch('/api/v1/search?q=a+diagram').then((r) => r.json()).then((r) => r.semantic.enabled)`); !on {
		t.Error("search by meaning is still off after the download")
	}
	if errs := b.con.errors(); len(errs) > 0 {
		t.Errorf("the browser console reported %d errors:\n%s", len(errs), strings.Join(errs, "\n"))
	}
}
