package linalg

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestParallelChunks checks that every chunk runs exactly once and that
// parallelChunks returns only after all have finished, with several callers
// sharing the helpers at once (a Model is used concurrently) and with
// pauses long enough for the helpers to fall asleep and be woken; then again
// in the mode for a busy machine.
func TestParallelChunks(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	for _, busy := range []bool{false, true} {
		// busy: as after a helper was found descheduled (spawnChunks).
		if busy {
			pool.backoff.Store(time.Now().Add(time.Hour).UnixNano())
			defer pool.backoff.Store(0)
		}
		testParallelChunks(t)
	}
}

func testParallelChunks(t *testing.T) {
	var wg sync.WaitGroup
	for caller := range 4 {
		wg.Go(func() {
			for round := range 60 {
				chunks := 1 + (caller*7+round*3)%23
				counts := make([]atomic.Int32, chunks)
				parallelChunks(1+round%4, chunks, func(i int) {
					for range 200 * (i%3 + 1) {
						runtime.Gosched()
					}
					counts[i].Add(1)
				})
				for i := range counts {
					if n := counts[i].Load(); n != 1 {
						t.Errorf("caller %d round %d: chunk %d of %d ran %d times", caller, round, i, chunks, n)
						return
					}
				}
				if round%20 == 19 {
					// Let the helpers stop polling, so the next round wakes them.
					for range 1000 {
						runtime.Gosched()
					}
				}
			}
		})
	}
	wg.Wait()
}
