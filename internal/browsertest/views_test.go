package browsertest

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
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

// checkBulk: on the timeline, a click and a shift-click select three
// photos; a keyword added to them is searchable at once; they go into a
// new album of the person's, and their originals download as one zip.
func checkBulk(b *browser) {
	b.t.Helper()
	b.open("/timeline", "timeline")
	b.do("timeline cards", 15*time.Second, chromedp.WaitVisible(chromedp.CSS(`[data-testid=timeline-section] [data-testid=select-toggle]`)))
	// Sections load their photos as they near the screen, one request
	// each, answered in any order: the first three on screen are those
	// once no section is loading and two looks agree.
	var ids []string
	prev := ""
	b.waitFor("three photos to select", 15*time.Second, func() (bool, string) {
		type shown struct {
			IDs  []string
			Busy int
		}
		st := eval[shown](b, "first three", `({ IDs: [...document.querySelectorAll('[data-testid=timeline-section] [data-testid=select-toggle]')].slice(0, 3).map((x) => x.dataset.photoId),
			Busy: document.querySelectorAll('[data-testid=timeline-grid][aria-busy=true]').length })`)
		ids = st.IDs
		key := fmt.Sprint(ids)
		stable := key == prev
		prev = key
		return len(ids) == 3 && st.Busy == 0 && stable, fmt.Sprintf("the timeline shows %d photos to select, %d sections loading", len(ids), st.Busy)
	})
	box := func(id string) string {
		return `[data-testid=timeline-section] [data-testid=select-toggle][data-photo-id="` + id + `"]`
	}
	b.do("select one", 15*time.Second,
		chromedp.Click(chromedp.CSS(box(ids[0]))),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=selection-bar]`)),
	)
	// Out from under the toolbar, then shift-click the third.
	eval[bool](b, "scroll", `(document.querySelector('`+box(ids[2])+`').scrollIntoView({ block: 'center' }), true)`)
	b.do("select the run", 15*time.Second, shiftClick(box(ids[2])))
	type sel struct {
		Count   string
		Checked []string
	}
	got := eval[sel](b, "selection", `({ Count: document.querySelector('[data-testid=selection-count]').textContent,
		Checked: [...document.querySelectorAll('[data-testid=select-toggle][aria-checked=true]')].map((x) => x.dataset.photoId) })`)
	if got.Count != "3 selected" || len(got.Checked) != 3 {
		b.t.Errorf("a click and a shift-click selected %+v, want %v", got, ids)
	}
	b.do("add keyword", 15*time.Second,
		chromedp.Click(chromedp.CSS(`[data-testid=selection-add-keyword]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=selection-input]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=selection-input]`), "zebrafinch"),
		chromedp.Click(chromedp.CSS(`[data-testid=selection-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=selection-add-keyword]`)),
	)
	b.waitFor("keyword added", 10*time.Second, func() (bool, string) {
		s := eval[string](b, "status", `document.querySelector('[data-testid=selection-status]').textContent`)
		return strings.Contains(s, "to 3 photos"), s
	})
	b.shot("bulk")
	b.do("add to album", 15*time.Second,
		chromedp.Click(chromedp.CSS(`[data-testid=selection-add-album]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=selection-input]`), "Keepers"),
		chromedp.Click(chromedp.CSS(`[data-testid=selection-submit]`)),
	)
	b.waitFor("album made", 10*time.Second, func() (bool, string) {
		s := eval[string](b, "status", `document.querySelector('[data-testid=selection-status]').textContent`)
		return strings.Contains(s, "Keepers") && strings.Contains(s, "3 photos"), s
	})
	zip := eval[[]any](b, "zip", `fetch('/api/v1/photos/originals.zip?ids=`+strings.Join(ids, ",")+`').then(async (r) => [r.status, r.headers.get('Content-Type'), new TextDecoder().decode((await r.arrayBuffer()).slice(0, 2))])`)
	if len(zip) != 3 || zip[0] != float64(200) || zip[1] != "application/zip" || zip[2] != "PK" {
		b.t.Errorf("the selection's zip: %v", zip)
	}

	// The keyword is searchable at once: the three photos, no others.
	b.open("/search?q=zebrafinch", "search")
	b.do("keyword found", 15*time.Second, chromedp.WaitVisible(chromedp.CSS(`[data-testid=result-card]`)))
	found := eval[[]string](b, "found", `[...document.querySelectorAll('[data-testid=result-card]')].map((a) => a.dataset.photoId).sort()`)
	want := append([]string{}, ids...)
	slices.Sort(want)
	if !slices.Equal(found, want) {
		b.t.Errorf("zebrafinch finds %v, want the three selected %v", found, want)
	}
	// The album lists them in the Library.
	b.open("/library", "library")
	b.do("album listed", 15*time.Second,
		chromedp.Click(chromedp.CSS(`[data-testid=collection-list] [data-testid=album-item]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=library-grid] [data-testid=photo-card]`)),
	)
	b.waitFor("album photos", 10*time.Second, func() (bool, string) {
		n := eval[int](b, "album photos", `document.querySelectorAll('[data-testid=library-grid] [data-testid=photo-card]').length`)
		return n == 3, fmt.Sprint(n)
	})
}

// shiftClick clicks the first element matching css with Shift held.
func shiftClick(css string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		nodes, err := chromedp.Nodes(chromedp.CSS(css), chromedp.NodeVisible)(ctx, t)
		if err != nil {
			return err
		}
		if len(nodes) == 0 {
			return fmt.Errorf("no %s", css)
		}
		_, err = chromedp.MouseClickNode(nodes[0], chromedp.ButtonModifiers(chromedp.ModifierShift))(ctx, t)
		return err
	})
}

// checkMap: the map page marks every photo with a GPS position (the
// shared photos have several), lists them with their places, and copes
// with tiles that cannot load (the test's tile server is dead): a note,
// the markers still there, no CSP violation.
func checkMap(b *browser) {
	b.t.Helper()
	b.open("/map", "map")
	b.do("map", 20*time.Second,
		chromedp.WaitReady(chromedp.CSS(`[data-testid=map][data-markers]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=map-list-item]`)),
	)
	type mapState struct {
		Markers, Listed, WithGPS int
		Places                   []string
	}
	got := eval[mapState](b, "map state", `(async () => {
		const d = await fetch('/api/v1/map').then((r) => r.json());
		return { Markers: Number(document.querySelector('[data-testid=map]').dataset.markers),
			Listed: document.querySelectorAll('[data-testid=map-list-item]').length,
			WithGPS: d.total, Places: d.points.map((p) => p.place).filter(Boolean) };
	})()`)
	if got.WithGPS < 3 || got.Markers != got.WithGPS || got.Listed != got.WithGPS || len(got.Places) < 3 {
		b.t.Errorf("map: %+v", got)
	}
	b.waitFor("tiles fail gracefully", 20*time.Second, func() (bool, string) {
		s := eval[[]string](b, "tile state", `[document.querySelector('[data-testid=map]').dataset.tileErrors || '', document.querySelector('[data-testid=map-status]').textContent]`)
		return s[0] != "" && strings.Contains(s[1], "could not be loaded"), fmt.Sprint(s)
	})
	b.shot("map")
	// A photo's place is searchable by place:, and shown on its page.
	place := got.Places[0]
	city := strings.TrimSpace(strings.Split(place, ",")[0])
	n := eval[int](b, "place search", `fetch('/api/v1/search?q=`+url.QueryEscape("place:\""+city+"\"")+`').then((r) => r.json()).then((d) => d.total)`)
	if n < 1 {
		b.t.Errorf("place:%q finds nothing", city)
	}
}
