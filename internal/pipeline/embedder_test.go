package pipeline

import (
	"context"
	"image"
	"testing"

	"github.com/targetvision/targetvision/internal/jobs"
	"github.com/targetvision/targetvision/internal/store"
	"github.com/targetvision/targetvision/internal/store/storetest"
)

// TestEnableEmbedding: a pipeline made without a CLIP model leaves embed
// jobs queued; once a model arrives on a running server, EnableEmbedding
// lets the runner take them.
func TestEnableEmbedding(t *testing.T) {
	t.Parallel()
	db := storetest.OpenSQLite(t, store.Options{})
	ctx := t.Context()
	u, err := db.EnsureDefaultUser(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// A job for a photo that is gone: its handler finishes it at once.
	j, _, err := db.Enqueue(ctx, store.Job{UserID: u.ID, Kind: KindEmbed, PhotoID: 999, MaxAttempts: 3})
	if err != nil {
		t.Fatal(err)
	}
	p := New(db, Options{DataDir: t.TempDir()})
	r := jobs.New(db, jobs.Config{Workers: 1})
	p.Register(r)
	if err := r.RunUntilIdle(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Job(ctx, u.ID, j.ID); got.State != store.JobQueued {
		t.Fatalf("without a model the embed job ran: %+v", got)
	}
	p.EnableEmbedding(r, fakeEmbedder{})
	if err := r.RunUntilIdle(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Job(ctx, u.ID, j.ID); got.State != store.JobDone {
		t.Fatalf("with a model the embed job is %+v", got)
	}
}

type fakeEmbedder struct{}

func (fakeEmbedder) EmbedImages(_ context.Context, imgs []image.Image) ([][]float32, error) {
	return make([][]float32, len(imgs)), nil
}

func (fakeEmbedder) Name() string { return "fake" }
