package main

import (
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/targetvision/targetvision/internal/config"
	"github.com/targetvision/targetvision/internal/loadbench"
)

func newBenchHTTPCmd(e *env, cfg func() config.Config) *cobra.Command {
	var o loadbench.Options
	var bases, rates string
	c := &cobra.Command{
		Use:   "http --base URL[,URL…] --users N --streams N",
		Short: "Load-test running serve processes with simulated users",
		Long: `Drives N simulated users against one or more running serve processes
(--base, comma-separated; a user keeps to one of them) on the database and
data directory of this configuration (DATABASE_URL, TARGETVISION_DATA). It
creates the users bench-I@bench.invalid, each with a small library, signs them
in (each from its own X-Forwarded-For address: start the processes with
TARGETVISION_TRUSTED_PROXIES=127.0.0.1), and holds --streams Activity streams
open. First it measures what the open streams cost with no traffic (the
processes' CPU through /metrics with TARGETVISION_METRICS_TOKEN, and the
database's transactions); then it runs visits — a search typed letter by
letter, its second page, six thumbnails and a photo — at each --rates step
of searches per second (vegeta), and prints the searches per second
achieved, search latency percentiles, errors and CPU, and the highest rate
sustained with a search p95 ≤ 100 ms. With --fresh-queries a visit's four
typed searches are its word with descriptions not typed before in the run
("barn misty sheep dawn"), so a process searching by meaning embeds each
one (its query cache cannot answer them). Run it against a scratch
database: it adds users.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			c := cfg()
			a, err := openApp(ctx, cmd, e, c)
			if err != nil {
				return err
			}
			defer a.Close()
			o.Bases = splitList(bases)
			for _, r := range splitList(rates) {
				n, err := strconv.Atoi(r)
				if err != nil || n <= 0 {
					return fmt.Errorf("--rates: %q is not a positive number", r)
				}
				o.Rates = append(o.Rates, n)
			}
			o.DB, o.DataDir, o.MetricsToken, o.Out, o.Logger = a.db, c.DataDir, c.MetricsToken, e.stdout, a.log
			return loadbench.Run(ctx, o)
		},
	}
	c.Flags().StringVar(&bases, "base", "http://127.0.0.1:8080", "serve processes, comma-separated")
	c.Flags().IntVar(&o.Users, "users", 100, "simulated users")
	c.Flags().IntVar(&o.Streams, "streams", 0, "open Activity streams (default one per user)")
	c.Flags().IntVar(&o.PhotosPerUser, "photos-per-user", 200, "each user's library")
	c.Flags().StringVar(&rates, "rates", "10,20,40,80", "searches per second of each step, comma-separated")
	c.Flags().DurationVar(&o.Step, "step", 20*time.Second, "how long each step runs")
	c.Flags().BoolVar(&o.FreshQueries, "fresh-queries", false,
		"make every typed search a text not typed before in the run (the visit's word and a new description), which no query-embedding cache answers")
	return c
}
