package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/targetvision/targetvision/internal/store"
	"github.com/targetvision/targetvision/internal/testshared"
)

// TestIndexRealLibrary is issue 14's "done when": indexing the shared
// library of RAW, HEIF and sidecar files finds the HEIC, AVIF and DNG
// photos with thumbnails, the metadata-only RAW files as photos with camera
// and date, the JPEG named .heic, and the sidecars' words by search; every
// file that is not a photo with pixels is named with its reason.
func TestIndexRealLibrary(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
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

	db, err := store.Open(t.Context(), filepath.Join(c.dir, "data", "targetvision.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
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
