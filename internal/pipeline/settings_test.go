package pipeline_test

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/claude"
	"github.com/targetvision/targetvision/internal/claude/claudetest"
	"github.com/targetvision/targetvision/internal/jobs"
	"github.com/targetvision/targetvision/internal/localsource"
	"github.com/targetvision/targetvision/internal/pipeline"
	"github.com/targetvision/targetvision/internal/store"
	"github.com/targetvision/targetvision/internal/store/storetest"
	"github.com/targetvision/targetvision/internal/testshared"
)

// TestUserSettingsApply: a user's Claude model describes their next
// photos (the fake API logs the model of every request) and their budget
// stops describing, while another user keeps the deployment's; on both
// stores, one by one and in bulk.
func TestUserSettingsApply(t *testing.T) {
	t.Parallel()
	for name, open := range map[string]storetest.Opener{"sqlite": storetest.OpenSQLite, "postgres": storetest.OpenPostgres} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			db := open(t, store.Options{})
			ctx := t.Context()
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			fake := claudetest.New(t, claudetest.Options{PollAdvance: time.Hour})
			d, err := claude.New(claude.Config{APIKey: "test-key", BaseURL: fake.URL, Model: "claude-haiku-4-5-20251001",
				Ledger: pipeline.Ledger{DB: db}, MonthlyBudgetUSD: 10, Logger: log, Now: fake.Now})
			if err != nil {
				t.Fatal(err)
			}
			dataDir := t.TempDir()
			p := pipeline.New(db, pipeline.Options{DataDir: dataDir, Describer: d, Logger: log,
				Defaults: store.UserSettings{ClaudeModel: "claude-haiku-4-5-20251001", MonthlyBudgetUSD: 10}})
			r := jobs.New(db, jobs.Config{Workers: 1, Logger: log})
			p.Register(r)

			ann := must(db.CreateUser(ctx, "ann@example.com", "h", false))
			bob := must(db.CreateUser(ctx, "bob@example.com", "h", false))
			// index copies photos into a folder of the user's and runs
			// everything queued: sync, processing, descriptions.
			index := func(u store.User, names ...string) {
				t.Helper()
				dir := filepath.Join(t.TempDir(), u.Email)
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				for _, n := range names {
					raw, err := os.ReadFile(testshared.Path(t, "testdata", "photos", "camera", n))
					if err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(filepath.Join(dir, n), raw, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				added := must(localsource.Add(ctx, db, u.ID, dir, nil))
				if _, err := p.EnqueueSync(ctx, u.ID, added.Source.ID); err != nil {
					t.Fatal(err)
				}
				if err := r.RunUntilIdle(ctx); err != nil {
					t.Fatal(err)
				}
			}
			sent := func() []string {
				var ms []string
				for _, s := range fake.Sent() {
					ms = append(ms, s.Model)
				}
				return ms
			}

			// Ann chooses Sonnet; Bob chooses nothing.
			if err := db.SetUserSettings(ctx, ann.ID, store.UserSettings{ClaudeModel: "claude-sonnet-4-6"}); err != nil {
				t.Fatal(err)
			}
			index(ann, "Canon_40D.jpg", "Nikon_D70.jpg")
			index(bob, "Pentax_K10D.jpg")
			if got := sent(); !slices.Equal(got, []string{"claude-sonnet-4-6", "claude-sonnet-4-6", "claude-haiku-4-5-20251001"}) {
				t.Fatalf("models sent: %v, want Ann's two photos with her Sonnet and Bob's with the default", got)
			}
			for u, want := range map[int64]string{ann.ID: "claude-sonnet-4-6", bob.ID: "claude-haiku-4-5-20251001"} {
				ps, _ := must2(db.ListPhotos(ctx, u, store.Filter{}, 10, 0))
				for _, ph := range ps {
					if m, err := db.AIMetadata(ctx, u, ph.ID); err != nil || m.Model != want {
						t.Errorf("user %d's photo %s described by %q (%v), want %s", u, ph.FileName, m.Model, err, want)
					}
				}
			}

			// Ann changes her mind: her next photo, described in bulk, uses it.
			if err := db.SetUserSettings(ctx, ann.ID, store.UserSettings{ClaudeModel: "claude-sonnet-5"}); err != nil {
				t.Fatal(err)
			}
			bulk := pipeline.New(db, pipeline.Options{DataDir: dataDir, Describer: d, Logger: log, DescribeInBulk: true,
				Defaults: store.UserSettings{ClaudeModel: "claude-haiku-4-5-20251001", MonthlyBudgetUSD: 10}})
			rb := jobs.New(db, jobs.Config{Workers: 1, Logger: log})
			bulk.Register(rb)
			dir := filepath.Join(t.TempDir(), "more")
			os.MkdirAll(dir, 0o755)
			raw, _ := os.ReadFile(testshared.Path(t, "testdata", "photos", "camera", "Kodak_CX7530.jpg"))
			os.WriteFile(filepath.Join(dir, "Kodak_CX7530.jpg"), raw, 0o644)
			src := must(localsource.Add(ctx, db, ann.ID, dir, nil)).Source
			if _, err := bulk.EnqueueSync(ctx, ann.ID, src.ID); err != nil {
				t.Fatal(err)
			}
			if err := rb.RunUntilIdle(ctx); err != nil {
				t.Fatal(err)
			}
			if n, err := bulk.DescribeQueued(ctx, rb, claude.ModeBatch, 100); err != nil || n != 1 {
				t.Fatalf("bulk description: %d, %v", n, err)
			}
			if got := sent(); len(got) != 4 || got[3] != "claude-sonnet-5" {
				t.Fatalf("models sent: %v, want Ann's next photo with her new choice", got)
			}

			// Bob lowers his budget below what he has spent: his next photo
			// waits, and nothing is paid for it.
			if err := db.SetUserSettings(ctx, bob.ID, store.UserSettings{MonthlyBudgetUSD: 0.000001}); err != nil {
				t.Fatal(err)
			}
			index(bob, "L01.jpg")
			if got := sent(); len(got) != 4 {
				t.Fatalf("over his budget Bob's photo was still sent: %v", got)
			}
			js := slices.DeleteFunc(must(db.Jobs(ctx, bob.ID, store.JobQueued, 10)), func(j store.Job) bool { return j.Kind != pipeline.KindDescribe })
			if len(js) != 1 || !strings.Contains(js[0].LastError, "budget") {
				t.Errorf("Bob's waiting jobs: %+v, want his describe job snoozed with the reason", js)
			}
		})
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func must2[A, B any](a A, b B, err error) (A, B) {
	if err != nil {
		panic(err)
	}
	return a, b
}
