package pipeline_test

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/targetvision/targetvision/internal/jobs"
	"github.com/targetvision/targetvision/internal/localsource"
	"github.com/targetvision/targetvision/internal/pipeline"
	"github.com/targetvision/targetvision/internal/store"
	"github.com/targetvision/targetvision/internal/store/storetest"
	"github.com/targetvision/targetvision/internal/testshared"
)

// TestFutureDateIsUnknown: a camera whose clock said 2099 did not take
// the photo in 2099; the date is unknown rather than the library's newest,
// first in every listing. A real date stays.
func TestFutureDateIsUnknown(t *testing.T) {
	t.Parallel()
	db := storetest.OpenSQLite(t, store.Options{})
	ctx := t.Context()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	p := pipeline.New(db, pipeline.Options{DataDir: t.TempDir(), Logger: log})
	r := jobs.New(db, jobs.Config{Workers: 1, Logger: log})
	p.Register(r)
	u := must(db.CreateUser(ctx, "a@example.com", "h", false))
	dir := t.TempDir()
	for _, f := range []string{"odd/exif_gps.jpg", "camera/Canon_40D.jpg"} {
		raw, err := os.ReadFile(testshared.Path(t, "testdata", "photos", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src := must(localsource.Add(ctx, db, u.ID, dir, nil)).Source
	if _, err := p.EnqueueSync(ctx, u.ID, src.ID); err != nil {
		t.Fatal(err)
	}
	if err := r.RunUntilIdle(ctx); err != nil {
		t.Fatal(err)
	}
	ps, _ := must2(db.ListPhotos(ctx, u.ID, store.Filter{}, 10, 0))
	if len(ps) != 2 || ps[0].FileName != "Canon_40D.jpg" {
		t.Fatalf("newest first: %v", ps)
	}
	for _, ph := range ps {
		switch ph.FileName {
		case "exif_gps.jpg":
			if !ph.TakenAt.IsZero() {
				t.Errorf("a 2099 EXIF date was kept: %v", ph.TakenAt)
			}
		case "Canon_40D.jpg":
			if ph.TakenAt.Year() != 2008 {
				t.Errorf("Canon_40D.jpg taken %v", ph.TakenAt)
			}
		}
	}
}
