package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/targetvision/targetvision/internal/blob"
	"github.com/targetvision/targetvision/internal/claude"
	"github.com/targetvision/targetvision/internal/clip"
	"github.com/targetvision/targetvision/internal/clipsetup"
	"github.com/targetvision/targetvision/internal/config"
	"github.com/targetvision/targetvision/internal/observe"
	"github.com/targetvision/targetvision/internal/photo"
	"github.com/targetvision/targetvision/internal/pipeline"
	"github.com/targetvision/targetvision/internal/ratelimit"
	"github.com/targetvision/targetvision/internal/secret"
	"github.com/targetvision/targetvision/internal/smugmug"
	"github.com/targetvision/targetvision/internal/smugsync"
	"github.com/targetvision/targetvision/internal/source"
	"github.com/targetvision/targetvision/internal/store"
)

// flagVars maps global flags to the settings they override.
var flagVars = []struct{ flag, env, help string }{
	{"data", "TARGETVISION_DATA", "data directory"},
	{"database-url", "DATABASE_URL", "PostgreSQL URL (default: embedded SQLite in the data dir)"},
	{"log-level", "TARGETVISION_LOG_LEVEL", "debug, info, warn or error"},
	{"log-format", "TARGETVISION_LOG_FORMAT", "text or json"},
}

func newRoot(e *env) *cobra.Command {
	var cfg config.Config
	root := &cobra.Command{
		Use:   "targetvision",
		Short: "Search your photo library in plain language",
		Long: `TargetVision syncs photos from local folders and SmugMug, describes them with
Claude, embeds them with CLIP, and answers searches like "kids jumping into a
lake at sunset" from the web UI, the JSON API and this command line.

Settings come from flags, then the environment, then a .env file, then
defaults; ` + "`targetvision config`" + ` lists them.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	for _, f := range flagVars {
		root.PersistentFlags().String(f.flag, "", f.help+" (env "+f.env+")")
	}
	root.PersistentFlags().String("user", "", "act as this user (e-mail) on a multi-user install; default: the local user")
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		c, err := config.Load(e.getenv, ".env")
		if err != nil {
			return err
		}
		for _, f := range flagVars {
			if fl := cmd.Flags().Lookup(f.flag); fl != nil && fl.Changed {
				if err := c.Set(f.env, fl.Value.String()); err != nil {
					return err
				}
			}
		}
		if err := c.Validate(); err != nil {
			return err
		}
		cfg = c
		return nil
	}
	get := func() config.Config { return cfg }
	root.AddCommand(
		newServeCmd(e, get),
		newIndexCmd(e, get),
		newSyncCmd(e, get),
		newSourcesCmd(e, get),
		newSearchCmd(e, get),
		newMigrateCmd(e, get),
		newUsersCmd(e, get),
		newTokensCmd(e, get),
		newSetupCodeCmd(e, get),
		newConfigCmd(e, get),
		newModelsCmd(e, get),
		newEmbedCmd(e, get),
		newSmugMugCmd(e, get),
		newBenchCmd(e, get),
		newEvalCmd(e, get),
		newBlobsCmd(e, get),
		newHealthcheckCmd(e, get),
		newBackupCmd(e, get),
		newRestoreCmd(e, get),
	)
	return root
}

// app is what most commands need: logger, store and the acting user.
type app struct {
	cfg  config.Config
	log  *slog.Logger
	db   *store.DB
	user store.User
	// memory is the decode budget all of this process's workers share.
	memory *photo.Memory
	// flush sends buffered error reports before exit.
	flush func()
	// clipOff is why loadCLIP found no usable model ("" when it did).
	clipOff string
	// clipCheck is the loaded model's self-check (nil: no model).
	clipCheck *clipsetup.SelfCheck
	// blobStore is the blob store, opened on first use (blobs).
	blobStore blob.Store
	// buckets keep the rate budgets (SmugMug accounts, sign-in, API): the
	// store's on Postgres, shared by every process; this process's
	// memory on SQLite.
	buckets ratelimit.Buckets
}

// blobs opens the store that keeps thumbnails and renditions
// (TARGETVISION_BLOB_URL) on first use: commands that never touch them
// never reach the object store.
func (a *app) blobs(ctx context.Context) (blob.Store, error) {
	if a.blobStore != nil {
		return a.blobStore, nil
	}
	s, err := blob.Open(ctx, blobOptions(a.cfg))
	if err != nil {
		return nil, err
	}
	a.blobStore = s
	return s, nil
}

func blobOptions(c config.Config) blob.Options {
	return blob.Options{URL: c.BlobURL, DataDir: c.DataDir, AccessKeyID: c.AWSAccessKeyID, SecretAccessKey: c.AWSSecretAccessKey}
}

func openApp(ctx context.Context, cmd *cobra.Command, e *env, cfg config.Config) (*app, error) {
	log := observe.NewLogger(e.stderr, observe.LoggerOptions{Level: cfg.LogLevel, Format: cfg.LogFormat})
	log, flush, err := observe.InitSentry(cfg.SentryDSN, version(), log)
	if err != nil {
		return nil, err
	}
	if _, err := cfg.Secret(); err != nil {
		return nil, err
	}
	if fi, err := os.Stat(cfg.DataDir); err == nil && fi.Mode().Perm()&0o077 != 0 {
		log.Warn("the data directory is open to other users of this machine; it holds password hashes, tokens and every photo's renditions: chmod 700 it",
			"dir", cfg.DataDir, "mode", fi.Mode().Perm().String())
	}
	db, err := store.Open(ctx, cfg.StoreDSN(), store.Options{TextLanguage: cfg.SearchLanguage, Logger: log})
	if err != nil {
		return nil, err
	}
	a := &app{cfg: cfg, log: log, db: db, flush: flush, memory: photo.NewMemory(int64(cfg.DecodeMemoryMB) << 20)}
	a.buckets = ratelimit.NewLocal(0, nil)
	if db.Dialect() == store.Postgres {
		a.buckets = db.RateBuckets()
	}
	// A soft limit for the Go heap a little above the decode budget makes
	// the collector return a finished photo's pixels before the next
	// photo's are allocated, rather than let the heap double first.
	if e.getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(int64(cfg.DecodeMemoryMB)<<20 + 256<<20)
	}
	email, _ := cmd.Flags().GetString("user")
	if email == "" {
		a.user, err = db.EnsureDefaultUser(ctx)
	} else {
		a.user, err = db.UserByEmail(ctx, email)
		if errors.Is(err, store.ErrNotFound) {
			err = fmt.Errorf("no user %s (add one with `targetvision users add %s`)", email, email)
		}
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	return a, nil
}

func (a *app) Close() {
	a.db.Close()
	a.flush()
}

// limits are the per-file safety limits from the configuration.
func (a *app) limits() photo.Limits {
	return photo.Limits{MaxPixels: a.cfg.MaxPixels, Memory: a.memory}
}

// loadCLIP loads the configured CLIP model if it has been pulled. Without
// one it says once, clearly, how to get it, and returns nil: everything but
// the vector half of search keeps working.
func (a *app) loadCLIP(ctx context.Context) *clip.Model {
	dir := clip.ModelDir(a.cfg.DataDir, a.cfg.CLIPModel)
	if _, err := os.Stat(filepath.Join(dir, "model.safetensors")); err != nil {
		a.log.Warn("no CLIP model yet: searches use text only and photos wait to be embedded; run `targetvision models pull` to download it",
			"model", a.cfg.CLIPModel)
		a.clipOff = "no CLIP model is installed (" + a.cfg.CLIPModel + "), so photos are found by their words only and wait to be embedded"
		return nil
	}
	m, err := clip.Load(dir, clip.WithLogger(a.log), clip.WithName(a.cfg.CLIPModel))
	if err != nil {
		a.log.Error("CLIP model present but unusable; searches use text only", "dir", dir, "err", err)
		a.clipOff = fmt.Sprintf("the CLIP model in %s does not load (%v), so photos are found by their words only", dir, err)
		return nil
	}
	if !a.checkCLIP(ctx, m, dir) {
		return nil
	}
	return m
}

// checkCLIP runs the model's self-check at its load when the reference
// image lies beside it (clipsetup.CheckOnce: once per weights, the pass
// remembered), and says whether the model may be used: one that fails is
// refused, with the numbers, wherever the CLIP status is shown.
func (a *app) checkCLIP(ctx context.Context, m *clip.Model, dir string) bool {
	name := a.cfg.CLIPModel
	res, remembered, err := clipsetup.CheckOnce(ctx, m, name, dir)
	var failed *clipsetup.FailedError
	switch {
	case err == nil:
		a.clipCheck = &clipsetup.SelfCheck{Ran: true, Labels: res.Labels, Probs: res.Probs, Pass: true}
		a.log.InfoContext(ctx, "CLIP self-check passed", "model", name, "remembered", remembered, "probs", res.Probs)
		return true
	case errors.As(err, &failed):
		a.clipCheck = &clipsetup.SelfCheck{Ran: true, Labels: res.Labels, Probs: res.Probs, Reason: res.Reason}
		a.log.ErrorContext(ctx, "CLIP model refused: it failed its self-check; searches use text only", "model", name, "result", res.String())
		a.clipOff = fmt.Sprintf("the CLIP model %s failed its self-check on the OpenAI CLIP README's image (%s), so it is not used and photos are found by their words only", name, res)
		return false
	case errors.Is(err, clipsetup.ErrNoReference):
		a.clipCheck = &clipsetup.SelfCheck{Skipped: "no " + clipsetup.ReferenceFile + " next to the model"}
		a.log.DebugContext(ctx, "CLIP self-check not run: no reference image next to the model", "dir", dir)
	default:
		a.clipCheck = &clipsetup.SelfCheck{Skipped: err.Error()}
		a.log.WarnContext(ctx, "CLIP self-check could not run; the model is used unchecked", "model", name, "err", err)
	}
	return true
}

// pipelineOptions configure the photo pipeline with whatever models and
// services are available.
func (a *app) pipelineOptions(ctx context.Context, m *clip.Model, onSync source.Progress) (pipeline.Options, error) {
	blobs, err := a.blobs(ctx)
	if err != nil {
		return pipeline.Options{}, err
	}
	opts := pipeline.Options{DataDir: a.cfg.DataDir, Blobs: blobs, Limits: a.limits(), Logger: a.log, OnSync: onSync, Defaults: a.defaults()}
	if m != nil {
		opts.Embedder = m
	}
	if d := a.describer(); d != nil {
		opts.Describer = d
	}
	if sm, err := a.smugmug(); err != nil {
		a.log.Error("SmugMug sources cannot sync", "err", err)
	} else if sm != nil {
		opts.Remote = map[store.SourceKind]pipeline.RemoteSource{store.SourceSmugMug: smugRemote{sm}}
	}
	return opts, nil
}

// smugmugBox seals SmugMug tokens with a key derived from SECRET_KEY.
func (a *app) smugmugBox() (*secret.Box, error) {
	master, err := a.cfg.Secret()
	if err != nil {
		return nil, err
	}
	return smugsync.NewBox(master)
}

// smugmug is the SmugMug remote source, or nil without API credentials.
func (a *app) smugmug() (*smugsync.Source, error) {
	if a.cfg.SmugMugAPIKey == "" || a.cfg.SmugMugAPISecret == "" {
		return nil, nil
	}
	box, err := a.smugmugBox()
	if err != nil {
		return nil, err
	}
	return smugsync.New(a.db, box, a.smugmugConfig(), a.log), nil
}

// smugmugConfig is the SmugMug clients' configuration, each account's
// request budget kept in the app's buckets: shared by every process on a
// Postgres, so N processes syncing one account stay within one budget.
func (a *app) smugmugConfig() smugmug.Config {
	cfg := smugsync.ClientConfig(a.cfg)
	cfg.Budget = a.buckets
	return cfg
}

// describer is Claude when ANTHROPIC_API_KEY is set; without it photos wait
// in the queue to be described and everything else works.
func (a *app) describer() *claude.Describer {
	if a.cfg.AnthropicAPIKey == "" {
		a.log.Warn("no ANTHROPIC_API_KEY: photos are indexed and searchable but wait to be described")
		return nil
	}
	d, err := claude.New(claude.Config{APIKey: a.cfg.AnthropicAPIKey, BaseURL: a.cfg.AnthropicBaseURL, Model: a.cfg.ClaudeModel,
		Ledger: pipeline.Ledger{DB: a.db}, MonthlyBudgetUSD: a.cfg.MonthlyBudgetUSD, Logger: a.log})
	if err != nil {
		a.log.Error("Claude is configured but unusable; photos wait to be described", "err", err)
		return nil
	}
	return d
}

func version() string { return "targetvision@dev" }

func newConfigCmd(e *env, cfg func() config.Config) *cobra.Command {
	return &cobra.Command{
		Use:   "config",
		Short: "Print the effective settings (secrets redacted)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, l := range cfg().Dump() {
				fmt.Fprintln(e.stdout, l)
			}
			return nil
		},
	}
}

// smugRemote adapts the SmugMug source to the pipeline's write-back hook.
type smugRemote struct{ *smugsync.Source }

func (s smugRemote) WantsWriteBack(src store.Source) bool { return src.WriteBack.On() }

func (s smugRemote) WriteBackPhoto(ctx context.Context, src store.Source, photoID int64, keywords []string, caption string) error {
	_, err := s.WriteBack(ctx, src, photoID, keywords, caption)
	return err
}

// defaults are the deployment's Claude model and monthly budget: what a
// user's settings (the Settings page) leave to the deployment, and the
// budget's ceiling. The pipeline resolves each user's from them for every
// description (pipeline.Pipeline.Settings).
func (a *app) defaults() store.UserSettings {
	return store.UserSettings{ClaudeModel: a.cfg.ClaudeModel, MonthlyBudgetUSD: a.cfg.MonthlyBudgetUSD}
}
