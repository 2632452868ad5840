package main

import (
	"errors"
	"os"
	"runtime/pprof"

	"github.com/spf13/cobra"

	"github.com/targetvision/targetvision/internal/config"
	"github.com/targetvision/targetvision/internal/indexbench"
	"github.com/targetvision/targetvision/internal/searchbench"
)

func newBenchCmd(e *env, cfg func() config.Config) *cobra.Command {
	b := &cobra.Command{Use: "bench", Short: "Measure search and indexing speed on synthetic data"}
	var o searchbench.Options
	var cpuProfile string
	sc := &cobra.Command{
		Use:   "search --photos N --store sqlite|postgres",
		Short: "Benchmark search on a scratch store with N synthetic photos",
		Long: `Fills a scratch store with N synthetic photos (clustered unit vectors of the
model's dimension shaped like CLIP image embeddings, generated text, albums of
event size), runs a fixed query set through the real search engine with the
query embedding cached, and prints p50/p95/p99 latency (overall, per kind of
query and per leg), recall@10 of the vector leg against an exact scan, and
the index's build time and size. For Postgres, DATABASE_URL (or --database-url) must let
its user create databases: the benchmark works in a scratch database it drops
afterwards (or keeps, with --keep). Your own data is never touched.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.Store == "postgres" {
				o.DatabaseURL = cfg().DatabaseURL
				if o.DatabaseURL == "" {
					return errors.New("bench search --store postgres needs DATABASE_URL (a server where the user may create databases)")
				}
			}
			o.Out = e.stdout
			return withCPUProfile(cpuProfile, func() error {
				_, err := searchbench.Run(cmd.Context(), o)
				return err
			})
		},
	}
	sc.Flags().IntVar(&o.Photos, "photos", 100_000, "synthetic library size")
	sc.Flags().StringVar(&o.Store, "store", "sqlite", "sqlite or postgres")
	sc.Flags().IntVar(&o.Dim, "dim", 512, "embedding dimension")
	sc.Flags().IntVar(&o.Queries, "queries", 500, "timed queries")
	sc.Flags().IntVar(&o.RecallQueries, "recall-queries", 100, "queries whose vector leg is checked against an exact scan")
	sc.Flags().IntVar(&o.Candidates, "candidates", 0, "how deep each leg ranks before fusion (default: the engine's, 200)")
	sc.Flags().IntVar(&o.EfSearch, "ef-search", 0, "pgvector hnsw.ef_search (default: the engine's)")
	sc.Flags().StringVar(&o.Layout, "layout", "compositional", "synthetic vectors: compositional (shaped like CLIP's) or islands (independent clusters, a graph index's worst case)")
	sc.Flags().StringVar(&o.HNSWParams, "hnsw-params", "", `postgres: build the HNSW index WITH these parameters, e.g. "m = 32, ef_construction = 128" (default: as the migrations build it)`)
	sc.Flags().BoolVar(&o.VectorOnly, "vector-only", false, "fill vectors only, no text (quicker at 1M; measures the vector leg)")
	sc.Flags().StringVar(&o.Keep, "keep", "", "postgres: name the scratch database and keep it; a later run with the same name and options measures it again without filling")
	sc.Flags().StringVar(&cpuProfile, "cpuprofile", "", "write a Go CPU profile of the whole run to this file")
	b.AddCommand(sc, newBenchIndexCmd(e), newBenchHTTPCmd(e, cfg))
	return b
}

func newBenchIndexCmd(e *env) *cobra.Command {
	var o indexbench.Options
	var cpuProfile string
	c := &cobra.Command{
		Use:   "index --photos N --megapixels M",
		Short: "Benchmark indexing full-size JPEGs against libjpeg-turbo's djpeg",
		Long: `Generates N realistic M-megapixel JPEGs deterministically (a smooth random
scene upscaled with Catmull-Rom plus ±8 noise, quality 90), then prints the
CPU milliseconds per photo of: djpeg (libjpeg-turbo, Debian package
libjpeg-turbo-progs) at full size, 1/2 and 1/4 on the same files; Go's
image/jpeg; TargetVision's decoder at full size, 1/2 and 3/8; photo.Process
(hash, EXIF, decode, rendition and thumbnail); and a whole index through
the pipeline into a scratch SQLite store (no CLIP, no Claude). Each step is
also given as a multiple of djpeg's full decode. Nothing of yours is read
or written; --dir keeps the generated photos for another run.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.Out = e.stdout
			return withCPUProfile(cpuProfile, func() error {
				_, err := indexbench.Run(cmd.Context(), o)
				return err
			})
		},
	}
	c.Flags().IntVar(&o.Photos, "photos", 12, "how many photos")
	c.Flags().Float64Var(&o.Megapixels, "megapixels", 24, "size of each photo (3:2)")
	c.Flags().IntVar(&o.Workers, "workers", 1, "pipeline workers for the index step")
	c.Flags().StringVar(&o.Dir, "dir", "", "keep the generated photos here (default: a temporary folder)")
	c.Flags().StringVar(&cpuProfile, "cpuprofile", "", "write a Go CPU profile of the whole run to this file")
	return c
}

// withCPUProfile runs fn, writing a Go CPU profile of it to path ("" = none).
func withCPUProfile(path string, fn func() error) error {
	if path == "" {
		return fn()
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		return err
	}
	defer pprof.StopCPUProfile()
	return fn()
}
