package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/targetvision/targetvision/internal/claude/claudetest"
	"github.com/targetvision/targetvision/internal/store"
	"github.com/targetvision/targetvision/internal/store/storetest"
	"github.com/targetvision/targetvision/internal/testshared"
)

// TestIndexRealLibrary is issue 14's "done when": indexing the shared
// library of RAW, HEIF and sidecar files finds the HEIC, AVIF and DNG
// photos with thumbnails, the metadata-only RAW files as photos with camera
// and date, the JPEG named .heic, and the sidecars' words by search; every
// file that is not a photo with pixels is named with its reason.
func TestIndexRealLibrary(t *testing.T) {
	t.Parallel()
	onBothStores(t, testIndexRealLibrary)
}

func testIndexRealLibrary(t *testing.T, c *cli, open func() *store.DB) {
	lib := filepath.Join(testshared.Path(t), "testdata", "library")
	out := c.ok("index", lib)
	for _, want := range []string{
		"15 files: 15 new", "14 photos ready, 1 failed",
		"failed: heif/QuickTime.heic", "skipped (unsupported): SOURCES.md",
		"no preview: raw/CanonRaw.cr2", "no preview: raw/Nikon.nef", "no preview: raw/CanonRaw.cr3",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("index summary lacks %q:\n%s", want, out)
		}
	}
	for q, title := range map[string]string{"Ladybug": "Ladybug", "Krokus": "Botanischer Garten", "Berlin": "Night Shift / Berlin / 2020",
		"Marienkäfer": "wrong.heic"} {
		res := c.search(q)
		if len(res.Results) == 0 || res.Results[0].Title != title {
			t.Errorf("search %q: %+v, want %q first", q, res.Results, title)
		}
	}

	db := open()
	u, _ := db.EnsureDefaultUser(t.Context())
	ps, _, err := db.ListPhotos(t.Context(), u.ID, store.Filter{}, 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]store.Photo{}
	for _, p := range ps {
		byKey[p.SourceKey] = p
	}
	for _, key := range []string{"heif/iphone_15_pro.heic", "heif/fox.profile0.8bpc.yuv420.avif", "heif/wrong.heic",
		"sidecar/canon_eos_6d.dng", "sidecar/iphone_7.heic"} {
		p := byKey[key]
		if p.Status != store.PhotoReady || p.ThumbPath == "" {
			t.Errorf("%s: status %q thumbnail %q", key, p.Status, p.ThumbPath)
			continue
		}
		if st, err := os.Stat(filepath.Join(c.dir, "data", p.ThumbPath)); err != nil || st.Size() < 500 {
			t.Errorf("%s: thumbnail file: %v", key, err)
		}
	}
	for _, key := range []string{"raw/CanonRaw.cr2", "raw/CanonRaw.cr3", "raw/DNG.dng", "raw/Nikon.nef", "raw/Panasonic.rw2"} {
		p := byKey[key]
		if p.Status != store.PhotoReady || p.Issue != store.IssueNoPreview || p.CameraModel == "" || p.TakenAt.IsZero() {
			t.Errorf("%s: status %q issue %q camera %q taken %v; want a ready photo without preview, with camera and date",
				key, p.Status, p.Issue, p.CameraModel, p.TakenAt)
		}
	}
	if p := byKey["sidecar/simple.jpg"]; p.Rating != 4 || len(p.Companions) != 1 || p.Companions[0].Key != "simple.xmp" {
		t.Errorf("simple.jpg: rating %d companions %+v", p.Rating, p.Companions)
	}
	if res := c.search("rating:4 night"); len(res.Results) != 1 {
		t.Errorf("rating:4 night: %+v", res.Results)
	}
}

// onBothStores runs an end-to-end test on the embedded SQLite store and on
// Postgres; open opens the store the binary uses.
func onBothStores(t *testing.T, run func(t *testing.T, c *cli, open func() *store.DB)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		c := newCLI(t)
		run(t, c, func() *store.DB { return openStore(t, filepath.Join(c.dir, "data", "targetvision.db")) })
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		url := storetest.PostgresURL(t)
		c := newCLI(t, "DATABASE_URL="+url)
		run(t, c, func() *store.DB { return openStore(t, url) })
	})
}

func openStore(t *testing.T, dsn string) *store.DB {
	t.Helper()
	db, err := store.Open(t.Context(), dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestSourcesOverlapExcludeRemove: a folder added above an indexed one
// takes it over (same photo ids, nothing twice), a folder inside one is
// refused, excluded folders are skipped and named, and removing the source
// takes its photos, thumbnails and jobs while the Claude ledger stays, so
// adding the folder again pays nothing.
func TestSourcesOverlapExcludeRemove(t *testing.T) {
	t.Parallel()
	onBothStores(t, func(t *testing.T, c *cli, open func() *store.DB) {
		fake := claudetest.New(t, claudetest.Options{})
		c.env = append(c.env, "ANTHROPIC_API_KEY=test-key", "ANTHROPIC_BASE_URL="+fake.URL)
		photos := filepath.Join(c.dir, "photos")
		copyPhotos(t, photos, "Canon_40D.jpg")
		copyPhotos(t, filepath.Join(photos, "camera"), "Nikon_D70.jpg", "Pentax_K10D.jpg")
		copyPhotos(t, filepath.Join(photos, "@eaDir"), "Kodak_CX7530.jpg")
		copyPhotos(t, filepath.Join(photos, "scans"), "door-knocker.jpg")

		c.ok("index", filepath.Join(photos, "camera"))
		before := c.search("D70")
		if len(before.Results) != 1 {
			t.Fatalf("D70 before the parent was added: %+v", before.Results)
		}
		out := c.ok("index", photos, "--exclude", "scans")
		for _, want := range []string{"merged source", "skipped (excluded): @eaDir/", "skipped (excluded): scans/", "3 photos ready"} {
			if !strings.Contains(out, want) {
				t.Errorf("index of the parent lacks %q:\n%s", want, out)
			}
		}
		after := c.search("D70")
		if len(after.Results) != 1 || after.Results[0].PhotoID != before.Results[0].PhotoID {
			t.Fatalf("D70 after the parent took over: %+v, want photo %d once", after.Results, before.Results[0].PhotoID)
		}
		if res := c.search("Kodak"); len(res.Results) != 0 {
			t.Errorf("a photo in @eaDir was indexed: %+v", res.Results)
		}
		if got := fake.Stats().Answered; got != 3 {
			t.Fatalf("Claude answered %d times, want 3 (the merged photos are not described again)", got)
		}
		if _, errOut, code := c.run("index", filepath.Join(photos, "camera")); code == 0 || !strings.Contains(errOut, "is inside source") {
			t.Fatalf("adding a folder inside a source: exit %d\n%s", code, errOut)
		}

		db := open()
		u, err := db.EnsureDefaultUser(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		srcs, err := db.Sources(t.Context(), u.ID)
		if err != nil || len(srcs) != 1 {
			t.Fatalf("sources: %+v %v", srcs, err)
		}
		ps, _, err := db.ListPhotos(t.Context(), u.ID, store.Filter{}, 100, 0)
		if err != nil || len(ps) != 3 {
			t.Fatalf("photos: %d %v", len(ps), err)
		}
		var thumbs []string
		for _, p := range ps {
			thumbs = append(thumbs, filepath.Join(c.dir, "data", p.ThumbPath))
		}
		list := c.ok("sources", "list")
		if !strings.Contains(list, photos) || !strings.Contains(list, "3 photos") {
			t.Errorf("sources list:\n%s", list)
		}

		id := strconv.FormatInt(srcs[0].ID, 10)
		if out := c.ok("sources", "remove", id); !strings.Contains(out, "removed source "+id) {
			t.Errorf("sources remove: %s", out)
		}
		if n, _ := db.CountPhotos(t.Context(), u.ID); n[store.PhotoReady]+n[store.PhotoPending]+n[store.PhotoFailed] != 0 {
			t.Errorf("photos left after removal: %v", n)
		}
		for _, th := range thumbs {
			if _, err := os.Stat(th); !os.IsNotExist(err) {
				t.Errorf("thumbnail %s left after removal: %v", th, err)
			}
		}
		if js, _ := db.Jobs(t.Context(), u.ID, store.JobQueued, 100); len(js) != 0 {
			t.Errorf("queued jobs left after removal: %+v", js)
		}
		if res := c.search("D70"); len(res.Results) != 0 {
			t.Errorf("removed photos still found: %+v", res.Results)
		}
		c.ok("index", photos, "--exclude", "scans")
		if got := fake.Stats().Answered; got != 3 {
			t.Errorf("adding the folder again paid Claude: %d answers, want still 3", got)
		}
		if _, errOut, code := c.run("sources", "remove", id); code == 0 || !strings.Contains(errOut, "not found") {
			t.Errorf("removing a removed source: exit %d %s", code, errOut)
		}
	})
}
