package main

import (
	"context"
	"time"
)

// tidyEvery is how often `serve` prunes finished jobs and full rate buckets.
const tidyEvery = 10 * time.Minute

// tidyPeriodically keeps the shared tables bounded: finished jobs older
// than retention are pruned into per-day counts (in batches, so no
// statement holds many rows for long), and rate buckets that are full
// again are forgotten. Several serve processes may do it at once: a batch
// another process is pruning is skipped.
func (a *app) tidyPeriodically(ctx context.Context, retention time.Duration) error {
	t := time.NewTicker(tidyEvery)
	defer t.Stop()
	for {
		a.tidy(ctx, retention)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (a *app) tidy(ctx context.Context, retention time.Duration) {
	const batch = 10000
	if retention > 0 {
		total := 0
		for ctx.Err() == nil {
			n, err := a.db.PruneJobs(ctx, time.Now().Add(-retention), batch)
			if err != nil {
				if ctx.Err() == nil {
					a.log.ErrorContext(ctx, "prune finished jobs", "err", err)
				}
				break
			}
			total += n
			if n < batch {
				break
			}
		}
		if total > 0 {
			a.log.InfoContext(ctx, "pruned finished jobs into daily counts", "count", total, "older_than", retention)
		}
	}
	if n, err := a.db.RateBuckets().Prune(ctx); err != nil && ctx.Err() == nil {
		a.log.ErrorContext(ctx, "prune rate buckets", "err", err)
	} else if n > 0 {
		a.log.DebugContext(ctx, "pruned full rate buckets", "count", n)
	}
}
