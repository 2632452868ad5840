package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/targetvision/targetvision/internal/config"
	"github.com/targetvision/targetvision/internal/pipeline"
	"github.com/targetvision/targetvision/internal/store"
)

func newSourcesCmd(e *env, cfg func() config.Config) *cobra.Command {
	sources := &cobra.Command{Use: "sources", Short: "List or remove the places photos come from"}
	list := &cobra.Command{
		Use:   "list",
		Short: "List the sources with their photo counts and the files not indexed, by reason",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			a, err := openApp(ctx, cmd, e, cfg())
			if err != nil {
				return err
			}
			defer a.Close()
			srcs, err := a.db.Sources(ctx, a.user.ID)
			if err != nil {
				return err
			}
			if len(srcs) == 0 {
				fmt.Fprintln(e.stdout, "no sources yet: add a folder with `targetvision index DIR`")
				return nil
			}
			for _, src := range srcs {
				counts, err := a.db.CountPhotosBySource(ctx, a.user.ID, []int64{src.ID})
				if err != nil {
					return err
				}
				n := 0
				for _, c := range counts {
					n += c
				}
				fmt.Fprintf(e.stdout, "%d\t%s\t%s\t%d photos\t%s\n", src.ID, src.Kind, src.Name, n, src.Status)
				issues, err := a.db.FileIssues(ctx, a.user.ID, src.ID)
				if err != nil {
					return err
				}
				printFileIssues(e.stdout, issues)
			}
			return nil
		},
	}
	remove := &cobra.Command{
		Use:   "remove ID...",
		Short: "Remove sources with their photos, thumbnails, descriptions, embeddings and queued jobs",
		Long: `Removes each source and everything indexed from it: photos, thumbnails,
renditions, descriptions, embeddings and queued jobs; a SmugMug source's
tokens are deleted. The photo files themselves are not touched. Claude's
answers stay in the ledger, so adding the same photos again costs nothing.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var ids []int64
			for _, s := range args {
				id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
				if err != nil || id <= 0 {
					return fmt.Errorf("%q is not a source id (see `targetvision sources list`)", s)
				}
				ids = append(ids, id)
			}
			ctx := cmd.Context()
			a, err := openApp(ctx, cmd, e, cfg())
			if err != nil {
				return err
			}
			defer a.Close()
			p := pipeline.New(a.db, pipeline.Options{DataDir: a.cfg.DataDir, Logger: a.log})
			for _, id := range ids {
				src, err := a.db.Source(ctx, a.user.ID, id)
				if err != nil {
					return fmt.Errorf("source %d: %w", id, err)
				}
				n, err := p.RemoveSource(ctx, a.user.ID, id)
				if err != nil {
					return fmt.Errorf("remove source %d: %w", id, err)
				}
				what := "photos"
				if src.Kind == store.SourceSmugMug {
					what = "photos; its SmugMug tokens are deleted"
				}
				fmt.Fprintf(e.stdout, "removed source %d (%s): %d %s\n", id, src.Name, n, what)
			}
			return nil
		},
	}
	sources.AddCommand(list, remove)
	return sources
}
