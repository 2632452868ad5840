package smugsync

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/targetvision/targetvision/internal/jobs"
	"github.com/targetvision/targetvision/internal/pipeline"
	"github.com/targetvision/targetvision/internal/smugmug"
	"github.com/targetvision/targetvision/internal/store"
	"github.com/targetvision/targetvision/internal/store/storetest"
)

// The real pipeline drives the source: a sync job queues a process job per
// new photo, and each process job fetches the rendition through Fetch and
// makes the thumbnail from it.
func TestPipeline(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := storetest.OpenSQLite(t, store.Options{})
	f := newFixture(t, db)
	src := f.connectPIN(t)
	dataDir := t.TempDir()
	p := pipeline.New(db, pipeline.Options{DataDir: dataDir, Logger: quiet(),
		Remote: map[store.SourceKind]pipeline.RemoteSource{store.SourceSmugMug: New(db, f.box, f.cfg, quiet())}})
	r := jobs.New(db, jobs.Config{Workers: 1, Logger: quiet(), OnEvent: func(e jobs.Event) {
		if e.Err != nil {
			t.Logf("%s job %s: %v", e.Job.Kind, e.State, e.Err)
		}
	}})
	p.Register(r)
	if _, err := p.EnqueueSync(ctx, f.user.ID, src.ID); err != nil {
		t.Fatal(err)
	}
	if err := r.RunUntilIdle(ctx); err != nil {
		t.Fatal(err)
	}
	photos := f.photos(t, src)
	if len(photos) != 12 {
		t.Fatalf("%d photos", len(photos))
	}
	for _, ph := range photos {
		if ph.Status != store.PhotoReady || ph.ThumbPath == "" {
			t.Fatalf("photo not processed: %+v", ph)
		}
		if _, err := os.Stat(filepath.Join(dataDir, ph.ThumbPath)); err != nil {
			t.Fatal(err)
		}
	}
	for _, ph := range photos {
		t.Logf("after processing: taken %v, %dx%d, %d bytes, gps %v", ph.TakenAt, ph.Width, ph.Height, ph.Size, ph.GPS)
		break
	}
	got := must[store.Source](t)(db.Source(ctx, f.user.ID, src.ID))
	if got.Status != store.SourceOK {
		t.Fatalf("source status %q %q", got.Status, got.LastError)
	}

	// A revoked token: the sync job fails for good and nothing is lost.
	tok := must[smugmug.Token](t)(openToken(f.box, got))
	f.fake.RevokeToken(tok.Token)
	if _, err := p.EnqueueSync(ctx, f.user.ID, src.ID); err != nil {
		t.Fatal(err)
	}
	if err := r.RunUntilIdle(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(f.photos(t, src)); n != 12 {
		t.Fatalf("%d photos after a refused token", n)
	}
	got = must[store.Source](t)(db.Source(ctx, f.user.ID, src.ID))
	if got.Status != store.SourceNeedsConnect || got.LastError == "" {
		t.Errorf("after a refused token the source is %q (%q), want %q with the reason", got.Status, got.LastError, store.SourceNeedsConnect)
	}
	failed := must[[]store.Job](t)(db.Jobs(ctx, f.user.ID, store.JobFailed, 10))
	if len(failed) != 1 || failed[0].Kind != pipeline.KindSync {
		t.Errorf("after a refused token the failed jobs are %+v, want the sync job", failed)
	}
}
