package main

import (
	"context"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/targetvision/targetvision/internal/config"
	"github.com/targetvision/targetvision/internal/search"
)

func newEvalCmd(e *env, cfg func() config.Config) *cobra.Command {
	var queries string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "eval --queries FILE",
		Short: "Measure search quality on your library with labelled queries",
		Long: `Runs each query of FILE against your library three ways — the text leg
alone, CLIP alone (above its relevance floor), and the hybrid search the
app does — and prints precision@10, recall@50 and nDCG@10 of each, averaged
over the queries.

FILE has one query per line: the query, a tab, then the file names (or
paths under the source) of the photos that are relevant, separated by
tabs. Label by looking at the photos, not at what search returns:

  red barn in snow	IMG_2041.jpg	farm/IMG_2050.jpg
  kids at the lake	DSC_7781.jpg

Lines starting with # are comments.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if queries == "" {
				return fmt.Errorf("--queries FILE is required")
			}
			f, err := os.Open(queries)
			if err != nil {
				return err
			}
			defer f.Close()
			qs, err := search.ReadEvalQueries(f)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			a, err := openApp(ctx, cmd, e, cfg())
			if err != nil {
				return err
			}
			defer a.Close()
			eng, err := a.cliEngine(ctx)
			if err != nil {
				return err
			}
			defer eng.Close(context.WithoutCancel(ctx))
			res, err := search.Eval(ctx, eng, a.user.ID, qs)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(e, res)
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "MODE\tP@10\tR@50\tNDCG@10")
			for _, s := range res.Scores {
				fmt.Fprintf(tw, "%s\t%.3f\t%.3f\t%.3f\n", s.Mode, s.PrecisionAt10, s.RecallAt50, s.NDCGAt10)
			}
			tw.Flush()
			fmt.Fprintf(e.stdout, "%d queries\n", res.Queries)
			if len(res.Unknown) > 0 {
				fmt.Fprintf(e.stdout, "note: no photo in the library is named %q\n", res.Unknown)
			}
			if !eng.Semantic().Enabled {
				fmt.Fprintln(e.stdout, "note: no CLIP model, so the vector leg finds nothing: "+search.FixPullModel)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&queries, "queries", "", "labelled queries (TSV: query, then the relevant file names)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the scores as JSON")
	return cmd
}
