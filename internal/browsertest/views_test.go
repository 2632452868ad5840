package browsertest

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The checks of issue 17's viewer, timeline, bulk work and map, called
// from TestBrowserFlow where their state exists.

// viewerState is what the open viewer shows.
type viewerState struct {
	Open     bool   `json:"open"`
	ID       string `json:"id"`
	Loaded   string `json:"loaded"`
	Position string `json:"position"`
	Focus    string `json:"focus"`
}

const viewerStateJS = `(() => {
	const d = document.querySelector('dialog[data-testid=viewer]');
	if (!d) return { open: false, id: '', loaded: '', position: '', focus: '' };
	return { open: d.open, id: d.dataset.photoId || '', loaded: d.dataset.loaded || '', position: d.querySelector('[data-testid=viewer-position]').textContent,
		focus: d.contains(document.activeElement) ? 'inside' : 'outside' };
})()`

// checkViewer: from the library, a card's "view" button opens the viewer
// (focus inside it); the arrow keys step to the next and previous photos;
// the details panel shows the EXIF; Download saves the original byte for
// byte; Esc closes it and focus returns to the button.
func checkViewer(b *browser, photos string) {
	b.t.Helper()
	b.open("/library", "library")
	first := eval[string](b, "first card", `(() => { const c = document.querySelector('[data-testid=library-grid] [data-testid=view-toggle]'); return c ? c.dataset.photoId : ''; })()`)
	if first == "" {
		b.fail("viewer", fmt.Errorf("the library's cards have no view button"))
	}
	b.do("open viewer", 15*time.Second,
		chromedp.Click(chromedp.CSS(`[data-testid=library-grid] [data-testid=view-toggle][data-photo-id="`+first+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`dialog[data-testid=viewer][data-loaded="`+first+`"]`)),
	)
	st := eval[viewerState](b, "viewer", viewerStateJS)
	if !st.Open || st.Focus != "inside" || !strings.HasPrefix(st.Position, "1 of ") {
		b.t.Errorf("the viewer opened as %+v", st)
	}
	b.do("next by arrow", 15*time.Second, chromedp.KeyEvent(kb.ArrowRight))
	b.waitFor("viewer next", 10*time.Second, func() (bool, string) {
		st = eval[viewerState](b, "viewer", viewerStateJS)
		return st.ID != first && st.Loaded == st.ID && strings.HasPrefix(st.Position, "2 of "), fmt.Sprintf("%+v", st)
	})
	second := st.ID
	b.do("previous by arrow", 15*time.Second, chromedp.KeyEvent(kb.ArrowLeft))
	b.waitFor("viewer previous", 10*time.Second, func() (bool, string) {
		st = eval[viewerState](b, "viewer", viewerStateJS)
		return st.ID == first && st.Loaded == first, fmt.Sprintf("%+v", st)
	})
	b.do("step again", 15*time.Second, chromedp.KeyEvent(kb.ArrowRight),
		chromedp.WaitVisible(chromedp.CSS(`dialog[data-testid=viewer][data-loaded="`+second+`"]`)))
	b.do("details", 10*time.Second, chromedp.KeyEvent("i"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=viewer-info] [data-testid=viewer-exif] tr`)))
	if txt := eval[string](b, "viewer exif", `document.querySelector('[data-testid=viewer-exif]').textContent`); !strings.Contains(txt, "File") {
		b.t.Errorf("the viewer's details read %q", txt)
	}
	b.shot("viewer")

	// Download: the browser saves the original.
	dir := b.t.TempDir()
	done := make(chan string, 1)
	lctx, cancel := context.WithCancel(b.ctx)
	defer cancel()
	if err := chromedp.ListenBrowser(lctx, func(ev any) {
		if e, ok := ev.(*cdpbrowser.EventDownloadProgress); ok && e.State == cdpbrowser.DownloadProgressStateCompleted {
			select {
			case done <- e.GUID:
			default:
			}
		}
	}); err != nil {
		b.fail("listen for downloads", err)
	}
	yes := true
	if _, err := chromedp.CallBrowser(b.ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: &yes}); err != nil {
		b.fail("download behaviour", err)
	}
	name := eval[string](b, "download name", `fetch('/api/v1/photos/`+second+`').then((r) => r.json()).then((p) => p.files[0].name)`)
	b.do("download", 10*time.Second, chromedp.Click(chromedp.CSS(`dialog[data-testid=viewer] [data-testid=viewer-download]`)))
	var guid string
	select {
	case guid = <-done:
	case <-time.After(30 * time.Second):
		b.fail("download", fmt.Errorf("no download completed"))
	}
	got, err := os.ReadFile(filepath.Join(dir, guid))
	if err != nil {
		b.fail("downloaded file", err)
	}
	if !sameAsAFile(photos, filepath.Base(name), got) {
		b.t.Errorf("the download (%d bytes) is not the original %s", len(got), name)
	}

	// Esc closes; focus goes back to the button that opened it.
	b.do("close viewer", 10*time.Second, chromedp.KeyEvent(kb.Escape))
	b.waitFor("viewer closed", 10*time.Second, func() (bool, string) {
		st = eval[viewerState](b, "viewer", viewerStateJS)
		focus := eval[string](b, "focus", `document.activeElement ? (document.activeElement.dataset.testid || '') + ':' + (document.activeElement.dataset.photoId || '') : ''`)
		return !st.Open && focus == "view-toggle:"+first, fmt.Sprintf("%+v, focus %s", st, focus)
	})
}

// sameAsAFile reports whether a file named name under dir has these bytes.
func sameAsAFile(dir, name string, data []byte) bool {
	found := false
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != name || found {
			return nil
		}
		b, err := os.ReadFile(p)
		found = err == nil && bytes.Equal(b, data)
		return nil
	})
	return found
}

// checkTimeline: the library by month, each month a section with a
// sticky header and its photos; the year scrubber jumps to a year.
func checkTimeline(b *browser) {
	b.t.Helper()
	b.open("/timeline", "timeline")
	b.do("timeline", 15*time.Second,
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=timeline-section] [data-testid=timeline-header]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=timeline-section] [data-testid=photo-card]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=timeline-year]`)),
	)
	type tl struct {
		Sections, Years int
		Sticky          string
		Counted, Total  int
	}
	got := eval[tl](b, "timeline layout", `(async () => {
		const d = await fetch('/api/v1/timeline').then((r) => r.json());
		const secs = [...document.querySelectorAll('[data-testid=timeline-section]')];
		return { Sections: secs.length, Years: document.querySelectorAll('[data-testid=timeline-year]').length,
			Sticky: getComputedStyle(secs[0].querySelector('[data-testid=timeline-header]')).position,
			Counted: d.periods.reduce((n, p) => n + p.count, 0) + d.undated, Total: d.total };
	})()`)
	if got.Sections < 5 || got.Years < 5 || got.Sticky != "sticky" || got.Counted != got.Total || got.Total == 0 {
		b.t.Errorf("timeline: %+v", got)
	}
	b.shot("timeline")
	// The oldest year: its first section comes to the top, its photos load.
	oldest := eval[string](b, "oldest year", `[...document.querySelectorAll('[data-testid=timeline-year]')].pop().dataset.year`)
	b.do("scrub to "+oldest, 15*time.Second, chromedp.Click(chromedp.CSS(`[data-testid=timeline-year][data-year="`+oldest+`"]`)))
	b.waitFor("scrubbed", 10*time.Second, func() (bool, string) {
		s := eval[[]any](b, "scrub state", `(() => {
			const sec = [...document.querySelectorAll('[data-testid=timeline-section]')].find((s) => s.dataset.period.startsWith('`+oldest+`'));
			return [Math.round(sec.getBoundingClientRect().top), sec.querySelectorAll('[data-testid=photo-card]').length,
				document.querySelector('[data-testid=timeline-year][aria-current]')?.dataset.year || ''];
		})()`)
		top, _ := s[0].(float64)
		n, _ := s[1].(float64)
		return top < 120 && n > 0 && s[2] == oldest, fmt.Sprint(s)
	})
}
