package browsertest

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/targetvision/targetvision/internal/claude/claudetest"
	"github.com/targetvision/targetvision/internal/smugmug/smugmugtest"
)

// The checks of issue 17's pages and fixes, each called from
// TestBrowserFlow at the point of the walk where its state exists.

// checkFirstRun: a signed-in library with no source shows what to do
// next, as links, instead of a bare empty grid; "Add a Claude key" only
// when the server has none (web/test/steps.test.mjs covers that case).
func checkFirstRun(b *browser, claudeConfigured bool) {
	b.t.Helper()
	b.open("/search", "search")
	b.do("next steps", 15*time.Second, chromedp.WaitVisible(chromedp.CSS(`[data-testid=next-step][data-step=add-source] a[href="/sources"]`)))
	want := map[bool]int{true: 0, false: 1}[claudeConfigured]
	if n := eval[int](b, "claude step", `document.querySelectorAll('[data-testid=next-step][data-step=claude-key]').length`); n != want {
		b.t.Errorf("the Claude key step shows %d times on a server whose key is configured: %v", n, claudeConfigured)
	}
	b.shot("first-run")
}

// checkNextDescription: after the model was changed in Settings (to
// Sonnet, by checkSettings), the next photo is described by that model —
// the fake API's log shows the request — while every earlier description
// asked the deployment's default.
func checkNextDescription(b *browser, claude *claudetest.Server, before int, folder string) {
	b.t.Helper()
	const chosen, deployment = "claude-sonnet-4-6", "claude-haiku-4-5-20251001"
	for i, s := range claude.Sent()[:before] {
		if s.Model != deployment {
			b.t.Errorf("description %d before the change asked %q, want the default %q", i, s.Model, deployment)
		}
	}
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := range 48 {
		for x := range 64 {
			img.Set(x, y, color.RGBA{uint8(x * 4), 90, uint8(y * 5), 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(folder, "after-the-change.jpg"), buf.Bytes(), 0o644); err != nil {
		b.t.Fatal(err)
	}
	src := eval[float64](b, "add the second folder", `fetch('/api/v1/sources', { method: 'POST', headers: { 'Content-Type': 'application/json' },
		body: JSON.stringify({ kind: 'local', path: `+strconv.Quote(folder)+` }) }).then((r) => r.json()).then((s) => s.id || 0)`)
	if src == 0 {
		b.fail("add the second folder", fmt.Errorf("the server did not add %s", folder))
	}
	var model string
	b.waitFor("the new photo described", 90*time.Second, func() (bool, string) {
		model = eval[string](b, "described by", fmt.Sprintf(`(async () => {
			const l = await fetch('/api/v1/photos?source=%d').then((r) => r.json());
			if (!l.photos || !l.photos.length) return '';
			const p = await fetch('/api/v1/photos/' + l.photos[0].photo_id).then((r) => r.json());
			return (p.ai && p.ai.model) || '';
		})()`, int64(src)))
		return model != "", "no description yet"
	})
	if model != chosen {
		b.t.Errorf("the photo added after choosing %s was described by %q", chosen, model)
	}
	after := claude.Sent()[before:]
	if len(after) == 0 || after[len(after)-1].Model != chosen {
		b.t.Errorf("the fake Claude API was asked %+v after the change, want %s", after, chosen)
	}
	// The walk goes on with the shared photos' folder alone.
	if code := eval[float64](b, "remove the second folder", fmt.Sprintf(`fetch('/api/v1/sources/%d', { method: 'DELETE' }).then((r) => r.status)`, int64(src))); code != 204 {
		b.t.Errorf("removing the second folder: %v", code)
	}
}

// checkCLISearch: the token made on the Settings page lets the command
// line's HTTP client search the server (search --server); without it the
// command says what it needs.
func checkCLISearch(b *browser, token string) {
	b.t.Helper()
	run := func(tok string) (string, error) {
		ctx, cancel := context.WithTimeout(b.t.Context(), 30*time.Second)
		defer cancel()
		dir := b.t.TempDir()
		cmd := exec.CommandContext(ctx, binary, "search", "--server", b.base, "canon")
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "TARGETVISION_DATA=" + filepath.Join(dir, "data"), "TARGETVISION_TOKEN=" + tok}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run(token)
	if err != nil || !strings.Contains(out, "Canon_40D.jpg") {
		b.t.Errorf("targetvision search --server with the token: %v\n%s", err, out)
	}
	if out, err := run(""); err == nil || !strings.Contains(out, "TARGETVISION_TOKEN") {
		b.t.Errorf("search --server without a token: %v\n%s", err, out)
	}
}

// checkFavicon: /favicon.ico is the icon, not a 404.
func checkFavicon(b *browser) {
	b.t.Helper()
	resp, err := http.Get(b.base + "/favicon.ico")
	if err != nil {
		b.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		b.t.Errorf("/favicon.ico: %d", resp.StatusCode)
	}
}

// checkPhotoPages: a tiny original is shown at its own size, not
// stretched; a photo that failed shows why, no broken image.
func checkPhotoPages(b *browser) {
	b.t.Helper()
	id := eval[string](b, "tiny photo", `fetch('/api/v1/search?q=IMG_20180725_163423&limit=5').then((r) => r.json()).then((d) => String((d.results.find((x) => x.title.includes('tiny')) || {}).photo_id || ''))`)
	if id == "" {
		b.fail("tiny photo", fmt.Errorf("IMG_20180725_163423-tiny.jpg not found"))
	}
	b.open("/photos/"+id, "photo")
	size := eval[[]float64](b, "tiny size", `(async () => { const i = document.querySelector('[data-testid=photo-image]'); if (!i.complete) await i.decode().catch(() => {}); return [i.getBoundingClientRect().width, i.naturalWidth]; })()`)
	if len(size) != 2 || size[1] == 0 || size[0] > size[1]+0.5 {
		b.t.Errorf("a tiny photo is shown %v px wide for %v px of pixels: stretched", size[0], size[1])
	}
	failed := eval[string](b, "failed photo", `fetch('/api/v1/photos?limit=200').then((r) => r.json()).then((d) => String((d.photos.find((p) => p.status === 'failed') || {}).photo_id || ''))`)
	if failed == "" {
		b.t.Error("the shared photos have no failed photo to show")
		return
	}
	b.open("/photos/"+failed, "photo")
	b.do("failed photo", 15*time.Second, chromedp.WaitVisible(chromedp.CSS(`[data-testid=photo-status][data-kind=error]`)))
	st := eval[map[string]string](b, "failed page", `({ status: document.querySelector('[data-testid=photo-status]').textContent,
		description: document.querySelector('[data-testid=photo-description]').textContent,
		img: String(!document.querySelector('[data-testid=photo-image]').hidden) })`)
	if !strings.Contains(st["status"], "could not be read") || strings.Contains(st["description"], "once the") || st["img"] != "false" {
		b.t.Errorf("a failed photo's page: %v", st)
	}
	b.shot("photo-failed")
}

// checkFailures: a failed photo job links its photo, and Retry shows only
// where retrying can help.
func checkFailures(b *browser) {
	b.t.Helper()
	type job struct {
		Retry, NoRetry, Link bool
		Retryable            bool
	}
	jobs := eval[[]job](b, "failed jobs", `(async () => {
		const d = await fetch('/api/v1/jobs?state=failed').then((r) => r.json());
		return [...document.querySelectorAll('[data-testid=failed-job]')].map((li) => ({
			Retry: !!li.querySelector('[data-testid=job-retry]'),
			NoRetry: !!li.querySelector('[data-testid=job-no-retry]'),
			Link: !!li.querySelector('a[data-testid=job-photo][href^="/photos/"]'),
			Retryable: (d.jobs.find((j) => String(j.id) === li.dataset.jobId) || {}).retryable === true,
		}));
	})()`)
	if len(jobs) == 0 {
		b.t.Error("no failed jobs listed")
	}
	for _, j := range jobs {
		if j.Retry != j.Retryable || j.NoRetry == j.Retryable || !j.Link {
			b.t.Errorf("failed job shown %+v", j)
		}
	}
}

// checkSettings: the model is chosen from the known ones with their
// price and saved; an API token is created (shown once), listed and used.
func checkSettings(b *browser) string {
	b.t.Helper()
	b.open("/settings", "settings")
	b.do("models listed", 15*time.Second, chromedp.WaitReady(chromedp.CSS(`#settings-claude-model option[value="claude-sonnet-4-6"]`)))
	b.do("choose Sonnet", 15*time.Second,
		chromedp.SetValue(chromedp.ID("settings-claude-model"), "claude-sonnet-4-6"),
		chromedp.Click(chromedp.ID("settings-submit")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=settings-status]:not(:empty)`)),
	)
	// The status reads "Saving…" while the PUT is on its way.
	b.waitFor("model saved", 15*time.Second, func() (bool, string) {
		st := eval[string](b, "settings status", `document.querySelector('[data-testid=settings-status]').textContent`)
		return st != "Saving…", "status: " + st
	})
	if got := eval[string](b, "saved model", `fetch('/api/v1/settings').then((r) => r.json()).then((s) => s.claude_model)`); got != "claude-sonnet-4-6" {
		b.t.Errorf("after choosing Sonnet the settings say %q", got)
	}
	b.do("create token", 15*time.Second,
		chromedp.SendKeys(chromedp.ID("token-name"), "backup script"),
		chromedp.Click(chromedp.ID("token-submit")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=token-value]:not(:empty)`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=token]`)),
	)
	token := eval[string](b, "token", `document.querySelector('[data-testid=token-value]').textContent`)
	if !strings.HasPrefix(token, "tvk_") {
		b.t.Fatalf("the new token reads %q", token)
	}
	b.shot("settings-tokens")
	b.open("/settings", "settings")
	if shown := eval[string](b, "token gone", `document.body.textContent`); strings.Contains(shown, token) {
		b.t.Error("the token is shown again after a reload")
	}
	return token
}

// checkAccounts: the administrator's Accounts page lists the account and
// adds one; a phone-wide screen keeps the navigation on one row.
func checkAccounts(b *browser) {
	b.t.Helper()
	b.open("/accounts", "accounts")
	b.do("accounts", 15*time.Second,
		chromedp.WaitVisible(chromedp.CSS(`#nav-accounts`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=account]`)),
		chromedp.SendKeys(chromedp.ID("account-add-email"), "bea@example.com"),
		chromedp.SendKeys(chromedp.ID("account-add-password"), "a long enough password"),
		chromedp.Click(chromedp.ID("account-add-submit")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=account][data-email="bea@example.com"] [data-testid=account-disable]`)),
		chromedp.Click(chromedp.CSS(`[data-testid=account][data-email="bea@example.com"] [data-testid=account-disable]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=account][data-email="bea@example.com"] [data-testid=account-enable]`)),
	)
	b.shot("accounts")
	b.do("phone", 10*time.Second, chromedp.EmulateViewport(390, 844))
	b.open("/search", "search")
	rows := eval[float64](b, "nav rows", `(() => { const n = document.querySelector('nav[aria-label=Main]'); const h = n.getBoundingClientRect().height; const a = document.getElementById('nav-search').getBoundingClientRect().height; return h / a; })()`)
	if rows > 1.9 {
		b.t.Errorf("on a phone the navigation is %.1f links high: it wraps", rows)
	}
	b.shot("phone")
	b.do("desktop", 10*time.Second, chromedp.EmulateViewport(1280, 800))
}

// checkEditing: keywords typed on the photo page win and are searchable.
func checkEditing(b *browser, id string) {
	b.t.Helper()
	b.open("/photos/"+id, "photo")
	b.do("edit keywords", 15*time.Second,
		chromedp.Click(chromedp.CSS(`[data-testid=photo-edit] summary`)),
		chromedp.WaitVisible(chromedp.ID("photo-edit-keywords")),
		chromedp.SetValue(chromedp.ID("photo-edit-keywords"), "zebracorn, barn"),
		chromedp.Click(chromedp.ID("photo-edit-submit")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=photo-keyword]`)),
	)
	b.waitFor("edited keywords", 10*time.Second, func() (bool, string) {
		kws := eval[string](b, "keywords", `[...document.querySelectorAll('[data-testid=photo-keyword]')].map((a) => a.textContent).join(',')`)
		return kws == "zebracorn,barn", kws
	})
	b.open("/search?q=zebracorn", "search")
	b.do("edited keyword found", 15*time.Second, chromedp.WaitVisible(chromedp.CSS(`[data-testid=result-card][data-photo-id="`+id+`"]`)))
}

// checkExposureFilters: the search page's filter controls narrow the
// photos by EXIF without any words typed — ISO from 1 keeps exactly the
// photos whose files record an ISO speed — and show a removable chip.
func checkExposureFilters(b *browser) {
	b.t.Helper()
	b.open("/search", "search")
	b.do("ISO filter", 30*time.Second,
		chromedp.Click(chromedp.ID("search-filters-toggle")),
		chromedp.SendKeys(chromedp.ID("filter-iso-min"), "1"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=filter-chip][data-filter=iso_min]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=result-card]`)),
	)
	got := eval[[]string](b, "ISO results", `(async () => {
		const want = await fetch('/api/v1/photos?iso_min=1&limit=200').then((r) => r.json());
		await new Promise((r) => setTimeout(r, 50));
		const shown = [...document.querySelectorAll('[data-testid=result-card]')].map((a) => a.dataset.photoId).sort();
		return [shown.join(','), want.photos.map((p) => String(p.photo_id)).sort().join(','), location.search];
	})()`)
	if len(got) != 3 || got[0] == "" || got[0] != got[1] || !strings.Contains(got[2], "iso_min=1") {
		b.t.Errorf("ISO from 1 on the search page shows %q; the photos with an ISO are %q (URL %q)", got[0], got[1], got[2])
	}
	b.shot("search-filters")
	b.do("remove the ISO chip", 15*time.Second,
		chromedp.Click(chromedp.CSS(`[data-testid=filter-chip][data-filter=iso_min]`)),
		chromedp.WaitNotPresent(chromedp.CSS(`[data-testid=filter-chip]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=search-idle]`)),
	)
}

// checkSmugMug: a SmugMug account connected from the Sources page syncs;
// its photo's download is SmugMug's original, streamed by the server; with
// album writes switched on for the account, "Select all" on a search of
// its album offers "Create SmugMug album", which makes a private album of
// the photos on SmugMug, listed under "Albums created here". The account
// is removed again for the rest of the walk.
func checkSmugMug(b *browser, smug *smugmugtest.Server) {
	b.t.Helper()
	b.open("/sources", "sources")
	b.do("connect SmugMug", 30*time.Second,
		chromedp.Click(chromedp.ID("connect-smugmug")),
		chromedp.WaitReady(chromedp.CSS(`body[data-page="sources"][data-ready="true"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=source-item][data-kind=smugmug]`)),
	)
	waitJobsIdle(b, "SmugMug sync")
	src := eval[string](b, "smugmug source", `document.querySelector('[data-testid=source-item][data-kind=smugmug]').dataset.sourceId`)
	item := `[data-testid=source-item][data-source-id="` + src + `"]`

	// The original of a SmugMug photo, through the server.
	originals := map[int]bool{}
	for _, im := range smug.Images("ann") {
		originals[len(smugmugtest.Original(im.Key))] = true
	}
	got := eval[[]float64](b, "SmugMug original", `(async () => {
		const l = await fetch('/api/v1/photos?source=`+src+`').then((r) => r.json());
		const p = await fetch('/api/v1/photos/' + l.photos[0].photo_id).then((r) => r.json());
		if (!p.original_url) return [0, 0, 0];
		const r = await fetch(p.original_url);
		const b = new Uint8Array(await r.arrayBuffer());
		return [r.status, b.length, b[0]];
	})()`)
	if len(got) != 3 || got[0] != 200 || !originals[int(got[1])] || got[2] != 0xFF {
		b.t.Errorf("a SmugMug photo's original: status, bytes, first byte %v; want one of the originals", got)
	}

	// Album writes are off: switch them on for the account.
	b.do("album writes on", 15*time.Second,
		chromedp.Click(chromedp.CSS(item+` [data-testid=writeback-albums]`)),
		chromedp.WaitVisible(chromedp.CSS(item+` [data-testid=writeback-status]:not(:empty)`)),
	)
	const name = "Picks from TargetVision"
	b.open("/search?q="+url.QueryEscape(`album:"ann album 0"`), "search")
	b.do("create a SmugMug album", 30*time.Second,
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=result-card]`)),
		// The toolbar, with "Select all", shows once a photo is selected.
		chromedp.Click(chromedp.CSS(`[data-testid=select-toggle]`)),
		chromedp.Click(chromedp.CSS(`[data-testid=selection-all]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=selection-count]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=selection-smugmug-album]`)),
		chromedp.Click(chromedp.CSS(`[data-testid=selection-smugmug-album]`)),
		chromedp.SendKeys(chromedp.ID("selection-input"), name),
		chromedp.Click(chromedp.CSS(`[data-testid=selection-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=selection-smugmug-link]`)),
	)
	b.shot("smugmug-album")
	var made smugmugtest.Album
	for _, k := range smug.AlbumKeys("ann") {
		if a, _ := smug.AlbumState(k); a.Name == name {
			made = a
		}
	}
	if len(made.Images) != 3 || made.Privacy != "Private" {
		b.t.Errorf("the album on SmugMug: %+v", made)
	}
	b.open("/sources", "sources")
	b.do("albums created here", 15*time.Second,
		chromedp.Click(chromedp.CSS(item+` [data-testid=album-writes] summary`)),
		chromedp.WaitVisible(chromedp.CSS(item+` [data-testid=album-write]`)),
	)
	if txt := eval[string](b, "album trail", `document.querySelector('`+item+` [data-testid=album-write]').textContent`); !strings.Contains(txt, name) || !strings.Contains(txt, "3 of 3") {
		b.t.Errorf("the album trail reads %q", txt)
	}
	if code := eval[float64](b, "remove SmugMug", `fetch('/api/v1/sources/`+src+`', { method: 'DELETE' }).then((r) => r.status)`); code != 204 {
		b.t.Errorf("removing the SmugMug source: %v", code)
	}
}
