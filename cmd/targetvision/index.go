package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/targetvision/targetvision/internal/claude"
	"github.com/targetvision/targetvision/internal/config"
	"github.com/targetvision/targetvision/internal/jobs"
	"github.com/targetvision/targetvision/internal/localsource"
	"github.com/targetvision/targetvision/internal/pipeline"
	"github.com/targetvision/targetvision/internal/plaintext"
	"github.com/targetvision/targetvision/internal/store"
)

func newIndexCmd(e *env, cfg func() config.Config) *cobra.Command {
	var d describeFlags
	cmd := &cobra.Command{
		Use:   "index DIR...",
		Short: "Add local folders as sources and index their photos",
		Long: `Adds each folder as a source (once; indexing it again re-syncs it) and
indexes every JPEG, PNG, WebP, GIF, TIFF and BMP below it: EXIF, content hash,
thumbnail, analysis rendition, and the CLIP embedding when a model is present.
Unchanged files are skipped; moved files keep their descriptions; deleted files
leave the index. A corrupt or oversized file is reported and never stops the run.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, dirs []string) error {
			opts, err := d.options()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			a, err := openApp(ctx, cmd, e, cfg())
			if err != nil {
				return err
			}
			defer a.Close()
			var sources []store.Source
			// The command line's user owns the machine: any folder but the
			// data directory's own.
			policy := localsource.Policy{DataDir: a.cfg.DataDir}
			for _, d := range dirs {
				abs, err := filepath.Abs(d)
				if err != nil {
					return err
				}
				if abs, err = policy.Allowed(abs); err != nil {
					return err
				}
				src, err := a.db.CreateSource(ctx, store.Source{UserID: a.user.ID, Kind: store.SourceLocal, Name: abs, Path: abs})
				if err != nil {
					return err
				}
				sources = append(sources, src)
			}
			return a.syncAndDrain(ctx, e, sources, opts)
		},
	}
	d.register(cmd)
	return cmd
}

// describeFlags choose how queued photos get described.
type describeFlags struct {
	mode     string
	estimate bool
}

func (d *describeFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&d.mode, "describe", "auto", "how to call Claude: auto (Message Batches API at half price from 100 photos), batch or direct")
	cmd.Flags().BoolVar(&d.estimate, "estimate", false, "index and embed, then print what describing the queued photos would cost, and stop")
}

func (d *describeFlags) options() (drainOptions, error) {
	m, err := claude.ParseMode(d.mode)
	if err != nil {
		return drainOptions{}, fmt.Errorf("--describe: %w", err)
	}
	return drainOptions{mode: m, estimate: d.estimate}, nil
}

// drainOptions tune syncAndDrain.
type drainOptions struct {
	deep     bool // re-list every remote album
	mode     claude.Mode
	estimate bool
}

func newSyncCmd(e *env, cfg func() config.Config) *cobra.Command {
	var sourceID int64
	var full bool
	var d describeFlags
	cmd := &cobra.Command{
		Use:   "sync [--source ID] [--full]",
		Short: "Incrementally sync all sources, or one",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts, err := d.options()
			if err != nil {
				return err
			}
			opts.deep = full
			ctx := cmd.Context()
			a, err := openApp(ctx, cmd, e, cfg())
			if err != nil {
				return err
			}
			defer a.Close()
			var sources []store.Source
			if sourceID != 0 {
				src, err := a.db.Source(ctx, a.user.ID, sourceID)
				if err != nil {
					return fmt.Errorf("source %d: %w", sourceID, err)
				}
				sources = append(sources, src)
			} else if sources, err = a.db.Sources(ctx, a.user.ID); err != nil {
				return err
			}
			if len(sources) == 0 {
				return fmt.Errorf("no sources yet: add a folder with `targetvision index DIR` or connect SmugMug with `targetvision smugmug connect`")
			}
			return a.syncAndDrain(ctx, e, sources, opts)
		},
	}
	d.register(cmd)
	cmd.Flags().Int64Var(&sourceID, "source", 0, "sync only this source id")
	cmd.Flags().BoolVar(&full, "full", false, "re-list every SmugMug album (sees caption and keyword edits, which do not change album times)")
	return cmd
}

// syncAndDrain syncs the sources with a progress bar, then runs the
// pipeline's jobs until the queue is idle, then prints a summary.
func (a *app) syncAndDrain(ctx context.Context, e *env, sources []store.Source, o drainOptions) error {
	model := a.loadCLIP()
	tty := isTerminal(e.stderr)
	var bar *progressbar.ProgressBar
	newBar := func(max int, desc string) *progressbar.ProgressBar {
		if !tty {
			return nil
		}
		return progressbar.NewOptions(max, progressbar.OptionSetWriter(e.stderr), progressbar.OptionSetDescription(desc),
			progressbar.OptionShowCount(), progressbar.OptionSetWidth(30), progressbar.OptionClearOnFinish(),
			progressbar.OptionThrottle(100_000_000))
	}
	popts, err := a.pipelineOptions(ctx, model, func(done, total int, _ string) {
		if bar != nil {
			bar.ChangeMax(total)
			bar.Set(done)
		}
	})
	if err != nil {
		return err
	}
	popts.DescribeInBulk = true
	p := pipeline.New(a.db, popts)
	var failedSync int
	for _, src := range sources {
		bar = newBar(-1, "scanning "+filepath.Base(src.Name))
		res, err := p.SyncSource(ctx, src, o.deep)
		if bar != nil {
			bar.Finish()
		}
		if err != nil {
			failedSync++
			fmt.Fprintf(e.stderr, "%s: %v\n", src.Name, err)
			continue
		}
		fmt.Fprintf(e.stdout, "%s: %s\n", src.Name, summarise(res))
	}

	// Run the queued work (this user's and any other) until idle.
	var done, failed atomic.Int64
	var mu sync.Mutex
	counts, err := a.db.JobCounts(ctx, 0)
	if err != nil {
		return err
	}
	bar = newBar(counts[store.JobQueued], "indexing")
	r := jobs.New(a.db, jobs.Config{Workers: a.cfg.Workers, Logger: a.log, OnEvent: func(ev jobs.Event) {
		switch ev.State {
		case store.JobDone:
			done.Add(1)
		case store.JobFailed:
			failed.Add(1)
		}
		if bar != nil {
			mu.Lock()
			if c, err := a.db.JobCounts(context.WithoutCancel(ctx), 0); err == nil {
				bar.ChangeMax(int(done.Load()+failed.Load()) + c[store.JobQueued] + c[store.JobRunning])
			}
			bar.Set(int(done.Load() + failed.Load()))
			mu.Unlock()
		}
	}})
	p.Register(r)
	if err := r.RunUntilIdle(ctx); err != nil {
		return err
	}
	if bar != nil {
		bar.Finish()
	}
	if popts.Describer != nil && ctx.Err() == nil {
		if err := a.describe(ctx, e, p, popts.Describer, r.ID(), o); err != nil {
			return err
		}
		if err := r.RunUntilIdle(ctx); err != nil { // write-backs queued by descriptions
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("interrupted; finished work is saved and the rest resumes on the next run")
	}
	return a.printIndexSummary(ctx, e.stdout, sources, failedSync)
}

// describe has Claude describe the queued photos in one go (batch API at
// half price from the threshold on), or with --estimate only says what it
// would cost.
func (a *app) describe(ctx context.Context, e *env, p *pipeline.Pipeline, d pipeline.Describer, worker string, o drainOptions) error {
	queued, err := a.db.CountJobs(ctx, a.user.ID, pipeline.KindDescribe, store.JobQueued)
	if err != nil || queued == 0 {
		return err
	}
	if o.estimate {
		fmt.Fprintf(e.stdout, "describing %d queued photos would cost about $%.2f (%s); run without --estimate to go ahead\n",
			queued, d.Estimate(queued, o.mode), o.mode)
		return nil
	}
	fmt.Fprintf(e.stderr, "describing %d photos with Claude (estimated $%.2f)…\n", queued, d.Estimate(queued, o.mode))
	n, err := p.DescribeQueued(ctx, worker, o.mode, 100_000)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "described: %d photos\n", n)
	return nil
}

func summarise(r localsource.Result) string {
	return fmt.Sprintf("%d files: %d new, %d changed, %d moved, %d deleted, %d unchanged",
		r.Files, r.New, r.Changed, r.Moved, r.Deleted, r.Unchanged)
}

func (a *app) printIndexSummary(ctx context.Context, w io.Writer, sources []store.Source, failedSync int) error {
	var ready, failed, pending int
	var failures []store.Photo
	for _, src := range sources {
		for _, st := range []string{store.PhotoReady, store.PhotoFailed, store.PhotoPending} {
			ps, n, err := a.db.ListPhotos(ctx, a.user.ID, store.Filter{SourceID: src.ID, Status: st}, 1000, 0)
			if err != nil {
				return err
			}
			switch st {
			case store.PhotoReady:
				ready += n
			case store.PhotoFailed:
				failed += n
				failures = append(failures, ps...)
			default:
				pending += n
			}
		}
	}
	fmt.Fprintf(w, "indexed: %d photos ready, %d failed, %d pending\n", ready, failed, pending)
	for _, p := range failures {
		fmt.Fprintf(w, "  failed: %s: %s\n", plaintext.Line(p.SourceKey), plaintext.Line(p.Error))
	}
	counts, err := a.db.JobCounts(ctx, a.user.ID)
	if err == nil && counts[store.JobQueued] > 0 {
		fmt.Fprintf(w, "%d jobs wait in the queue (embedding needs `targetvision models pull`; descriptions need ANTHROPIC_API_KEY; `targetvision serve` runs them)\n", counts[store.JobQueued])
	}
	if failedSync > 0 {
		return fmt.Errorf("%d of %d sources could not be synced", failedSync, len(sources))
	}
	return nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
