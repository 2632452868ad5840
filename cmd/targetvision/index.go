package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
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
	"github.com/targetvision/targetvision/internal/source"
	"github.com/targetvision/targetvision/internal/store"
)

func newIndexCmd(e *env, cfg func() config.Config) *cobra.Command {
	var d describeFlags
	var exclude []string
	cmd := &cobra.Command{
		Use:   "index DIR...",
		Short: "Add local folders as sources and index their photos",
		Long: `Adds each folder as a source (once; indexing it again re-syncs it) and
indexes every JPEG, PNG, WebP, GIF, TIFF, BMP, HEIC and AVIF below it, and
camera RAW files (CR2, CR3, NEF, NRW, ARW, DNG, RAF, ORF, RW2, PEF, …)
through their largest embedded preview: EXIF, content hash, thumbnail,
analysis rendition, and the CLIP embedding when a model is present. A RAW
and a JPEG of the same name are one photo; XMP sidecars (name.xmp,
name.ext.xmp) and embedded XMP/IPTC give keywords, titles, captions and
ratings.

Unchanged files are skipped; moved files keep their descriptions; deleted
files leave the index. A folder inside an indexed folder is refused; a
folder above indexed ones takes them over. Hidden files, trash and NAS
thumbnail folders are excluded (add patterns with --exclude). Every file
that is not a photo, and every photo that failed or has no preview, is
listed in the summary with the reason; none stops the run.`,
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
			var settings *localsource.Settings
			if cmd.Flags().Changed("exclude") {
				settings = &localsource.Settings{Exclude: exclude}
			}
			var sources []store.Source
			// The command line's user owns the machine: any folder but the
			// data directory's own.
			policy := localsource.Policy{DataDir: a.cfg.DataDir}
			for _, d := range dirs {
				abs, err := filepath.Abs(d)
				if err != nil {
					return err
				}
				if _, err := policy.Allowed(abs); err != nil {
					return err
				}
				added, err := localsource.Add(ctx, a.db, a.user.ID, abs, settings)
				if err != nil {
					return err
				}
				for _, m := range added.Merged {
					fmt.Fprintf(e.stdout, "%s: merged source %d (%s) into it; its photos keep their descriptions\n", added.Source.Name, m.ID, m.Path)
				}
				sources = append(sources, added.Source)
			}
			return a.syncAndDrain(ctx, e, sources, opts)
		},
	}
	d.register(cmd)
	cmd.Flags().StringArrayVar(&exclude, "exclude", nil, "skip files and folders matching this glob, besides the defaults (repeatable; a pattern with / matches the path from the folder); stored with the source")
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
	model := a.loadCLIP(ctx)
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
	r := jobs.New(a.db, jobs.Config{Workers: a.cfg.Workers, Lease: a.cfg.JobLease, Logger: a.log, OnEvent: func(ev jobs.Event) {
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
		if err := a.describe(ctx, e, p, popts.Describer, r, o); err != nil {
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
func (a *app) describe(ctx context.Context, e *env, p *pipeline.Pipeline, d pipeline.Describer, r *jobs.Runner, o drainOptions) error {
	queued, err := a.db.CountJobs(ctx, a.user.ID, pipeline.KindDescribe, store.JobQueued)
	if err != nil || queued == 0 {
		return err
	}
	st, err := p.Settings(ctx, a.user.ID) // the user's own model, if they chose one
	if err != nil {
		return err
	}
	if o.estimate {
		fmt.Fprintf(e.stdout, "describing %d queued photos would cost about $%.2f with %s (%s); run without --estimate to go ahead\n",
			queued, d.EstimateFor(st.ClaudeModel, queued, o.mode), st.ClaudeModel, o.mode)
		return nil
	}
	fmt.Fprintf(e.stderr, "describing %d photos with %s (estimated $%.2f)…\n", queued, st.ClaudeModel, d.EstimateFor(st.ClaudeModel, queued, o.mode))
	n, err := p.DescribeQueued(ctx, r, o.mode, 100_000)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "described: %d photos\n", n)
	return nil
}

func summarise(r source.Result) string {
	s := fmt.Sprintf("%d files: %d new, %d changed, %d moved, %d deleted, %d unchanged",
		r.Files, r.New, r.Changed, r.Moved, r.Deleted, r.Unchanged)
	if len(r.Skipped) > 0 {
		s += fmt.Sprintf("; %d skipped", len(r.Skipped))
	}
	return s
}

func (a *app) printIndexSummary(ctx context.Context, w io.Writer, sources []store.Source, failedSync int) error {
	counts, err := a.db.CountPhotosBySource(ctx, a.user.ID, sourceIDs(sources))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "indexed: %d photos ready, %d failed, %d pending\n", counts[store.PhotoReady], counts[store.PhotoFailed], counts[store.PhotoPending])
	for _, src := range sources {
		issues, err := a.db.FileIssues(ctx, a.user.ID, src.ID)
		if err != nil {
			return err
		}
		printFileIssues(w, issues)
	}
	jc, err := a.db.JobCounts(ctx, a.user.ID)
	if err == nil && jc[store.JobQueued] > 0 {
		fmt.Fprintf(w, "%d jobs wait in the queue (embedding needs `targetvision models pull`; descriptions need ANTHROPIC_API_KEY; `targetvision serve` runs them)\n", jc[store.JobQueued])
	}
	if failedSync > 0 {
		return fmt.Errorf("%d of %d sources could not be synced", failedSync, len(sources))
	}
	return nil
}

func sourceIDs(sources []store.Source) []int64 {
	ids := make([]int64, len(sources))
	for i, s := range sources {
		ids[i] = s.ID
	}
	return ids
}

// issueOrder is the order reasons are reported in, with the words used.
var issueOrder = []struct{ reason, label string }{
	{store.IssueCorrupt, "failed"}, {store.IssueTooLarge, "failed"}, {store.IssueUnsupported, "skipped (unsupported)"},
	{store.IssueNoPreview, "no preview"}, {store.IssueExcluded, "skipped (excluded)"},
}

// maxListed is how many files of one reason the summary names; the rest
// are counted (the Sources page and the API list them all).
const maxListed = 20

// printFileIssues accounts for every file of a source that is not a
// complete photo: a count per reason, then the files with the reason.
func printFileIssues(w io.Writer, issues []store.FileIssue) {
	if len(issues) == 0 {
		return
	}
	n := map[string]int{}
	for _, is := range issues {
		n[is.Reason]++
	}
	var parts []string
	for _, r := range issueOrder {
		if n[r.reason] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[r.reason], strings.ReplaceAll(r.reason, "_", " ")))
		}
	}
	fmt.Fprintf(w, "not indexed as photos with pixels: %s\n", strings.Join(parts, ", "))
	for _, r := range issueOrder {
		listed := 0
		for _, is := range issues {
			if is.Reason != r.reason {
				continue
			}
			if listed == maxListed {
				fmt.Fprintf(w, "  %s: … and %d more\n", r.label, n[r.reason]-maxListed)
				break
			}
			listed++
			if is.Detail != "" && is.Reason != store.IssueNoPreview {
				fmt.Fprintf(w, "  %s: %s: %s\n", r.label, plaintext.Line(is.Path), plaintext.Line(is.Detail))
			} else {
				fmt.Fprintf(w, "  %s: %s\n", r.label, plaintext.Line(is.Path))
			}
		}
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
