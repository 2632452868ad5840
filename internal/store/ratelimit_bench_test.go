package store_test

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/ratelimit"
	"github.com/targetvision/targetvision/internal/store"
	"github.com/targetvision/targetvision/internal/store/storetest"
)

// BenchmarkRateBuckets measures what one rate-limited request pays for its
// token: in memory, on SQLite, and on the shared Postgres bucket (one
// UPSERT), from 8 goroutines over 100 keys (the API budget's per-user keys)
// and over one key (a SmugMug account, every request on one row).
func BenchmarkRateBuckets(b *testing.B) {
	l := ratelimit.Limit{Every: time.Microsecond, Burst: 1 << 30} // never refuses: the cost of a grant
	stores := []struct {
		name string
		open func(b *testing.B) ratelimit.Buckets
	}{
		{"local", func(*testing.B) ratelimit.Buckets { return ratelimit.NewLocal(0, nil) }},
		{"sqlite", func(b *testing.B) ratelimit.Buckets { return storetest.OpenSQLite(b, store.Options{}).RateBuckets() }},
		{"postgres", func(b *testing.B) ratelimit.Buckets { return storetest.OpenPostgres(b, store.Options{}).RateBuckets() }},
	}
	for _, st := range stores {
		for _, keys := range []int{100, 1} {
			b.Run(fmt.Sprintf("%s/keys=%d", st.name, keys), func(b *testing.B) {
				bk := st.open(b)
				var n atomic.Int64
				b.SetParallelism(4) // 8 goroutines on 2 cores
				b.ResetTimer()
				start := time.Now()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						key := fmt.Sprintf("api:u:%d", n.Add(1)%int64(keys))
						if ok, _, err := bk.Take(b.Context(), key, l); err != nil || !ok {
							b.Errorf("take: %v %v", ok, err)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "takes/s")
			})
		}
	}
}
