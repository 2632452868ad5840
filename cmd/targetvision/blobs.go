package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/targetvision/targetvision/internal/blob"
	"github.com/targetvision/targetvision/internal/config"
	"github.com/targetvision/targetvision/internal/pipeline"
)

func newBlobsCmd(e *env, cfg func() config.Config) *cobra.Command {
	blobs := &cobra.Command{Use: "blobs", Short: "Manage where thumbnails and renditions are stored"}
	var keep bool
	var workers int
	migrate := &cobra.Command{
		Use:   "migrate",
		Short: "Move the data directory's thumbnails and renditions into object storage",
		Long: `Copies every thumbnail and rendition in the data directory (DATA/thumbs,
DATA/renditions) to the blob store TARGETVISION_BLOB_URL names, checks each
copy's size, then deletes the local file (--keep leaves it). Resumable: a
file already in the store with the same size, and not written again since
it was copied, is not copied again, so after an interruption run it again. Servers can keep running meanwhile; restart
them with TARGETVISION_BLOB_URL set once it has finished.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c := cfg()
			if c.BlobURL == "" {
				return errors.New("TARGETVISION_BLOB_URL is not set: nothing to migrate to (say s3://bucket?endpoint=…)")
			}
			ctx := cmd.Context()
			to, err := blob.Open(ctx, blobOptions(c))
			if err != nil {
				return err
			}
			from := blob.NewDir(c.DataDir)
			if d, ok := to.(*blob.Dir); ok && d.Path() == from.Path() {
				return errors.New("TARGETVISION_BLOB_URL names the data directory itself: nothing to migrate")
			}
			fmt.Fprintf(e.stderr, "migrating %s/{thumbs,renditions} to %s\n", c.DataDir, to.Describe())
			res, err := blob.Copy(ctx, from, to, blob.CopyOptions{
				Prefixes: []string{pipeline.ThumbPrefix, pipeline.RenditionPrefix},
				Move:     !keep, Workers: workers, Progress: migrateProgress(e.stderr),
			})
			verb := "moved"
			if keep {
				verb = "copied"
			}
			fmt.Fprintf(e.stdout, "%s %d files (%.1f MB); %d were there already\n", verb, res.Copied, float64(res.Bytes)/1e6, res.Skipped)
			if err != nil {
				return fmt.Errorf("%w (run `targetvision blobs migrate` again to resume)", err)
			}
			return nil
		},
	}
	migrate.Flags().BoolVar(&keep, "keep", false, "keep the local files after copying them")
	migrate.Flags().IntVar(&workers, "workers", 8, "files copied at once")
	blobs.AddCommand(migrate)
	return blobs
}

// migrateProgress draws a bar on a terminal and a line every 500 files
// elsewhere (logs, CI).
func migrateProgress(w io.Writer) func(blob.CopyProgress) {
	if isTerminal(w) {
		bar := progressbar.NewOptions(-1, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription("files"),
			progressbar.OptionShowCount(), progressbar.OptionClearOnFinish(), progressbar.OptionThrottle(100_000_000))
		return func(p blob.CopyProgress) { bar.Set(p.Copied + p.Skipped) }
	}
	return func(p blob.CopyProgress) {
		if n := p.Copied + p.Skipped; n%500 == 0 {
			fmt.Fprintf(w, "%d files (%d copied, %.1f MB)\n", n, p.Copied, float64(p.Bytes)/1e6)
		}
	}
}
