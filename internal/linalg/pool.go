package linalg

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// The products of a text query are a few hundred microseconds each, and on a
// virtual machine an idle CPU takes about 100 µs to wake (measured: a new
// goroutine typically started only once the caller blocked). So the chunks
// of a split product go to helper goroutines that, once started, keep
// polling for the next product for helperSpin before they sleep: during a
// forward pass they stay awake, and the product is shared within a microsecond.
// Polling keeps the goroutine on its processor (runtime.Gosched would let
// both ends of the hand-off share one processor while the other sleeps); the
// runtime preempts a poller like any long-running goroutine, and an idle
// processor steals the goroutines queued behind it. But each poll yields the
// thread's CPU to the OS (osYield): when other processes want the CPUs, a
// poller that just spun would take CPU time from them and from this
// process's own threads (measured: p50 18 ms instead of 13 with one core busy).

// helperSpin is how long an idle helper keeps polling for work before it
// sleeps until the next product wakes it.
const helperSpin = 200 * time.Microsecond

// waitSpin bounds how long the caller polls for the helpers' last chunks
// before it sleeps; a text query's chunks take 10–60 µs.
const waitSpin = 300 * time.Microsecond

// pickupLate is how long after it was posted a polling helper may first see
// a product; later means the OS had descheduled the helper.
const pickupLate = 50 * time.Microsecond

// backoffFor is how long products are split without the helpers once one
// of them was found descheduled.
const backoffFor = 100 * time.Millisecond

// poolJob is one split product: chunks 0…chunks-1 of fn, taken in turn from next.
type poolJob struct {
	fn     func(i int)
	chunks int
	posted time.Time
	next   atomic.Int64
	done   atomic.Int64  // chunks finished
	over   chan struct{} // closed when the last chunk finishes
}

// run takes chunks until none is left.
func (j *poolJob) run() {
	for {
		i := int(j.next.Add(1) - 1)
		if i >= j.chunks {
			return
		}
		j.fn(i)
		if j.done.Add(1) == int64(j.chunks) {
			close(j.over)
		}
	}
}

var pool struct {
	mu      sync.Mutex
	helpers int                     // goroutines started
	current atomic.Pointer[poolJob] // the latest product
	asleep  atomic.Int32            // helpers blocked on wake
	backoff atomic.Int64            // UnixNano until which spawnChunks is used
	wake    chan struct{}
}

// parallelChunks runs fn(0) … fn(chunks-1) on up to workers goroutines (the
// caller being one of them), each taking the next chunk from a shared
// counter, and returns when all are done.
func parallelChunks(workers, chunks int, fn func(i int)) {
	if workers <= 1 || chunks <= 1 {
		for i := range chunks {
			fn(i)
		}
		return
	}
	if time.Now().UnixNano() < pool.backoff.Load() {
		spawnChunks(workers, chunks, fn)
		return
	}
	ensureHelpers(workers - 1)
	j := &poolJob{fn: fn, chunks: chunks, over: make(chan struct{}), posted: time.Now()}
	pool.current.Store(j)
	for range min(int(pool.asleep.Load()), workers-1) {
		select {
		case pool.wake <- struct{}{}:
		default:
		}
	}
	j.run()
	// What is left is at most one chunk per helper: poll for it (sleeping
	// would cost this thread's wake-up, longer than a chunk), but not for
	// longer than waitSpin. A chunk that takes that long means the OS has
	// descheduled its helper for another process: then sleep, and split
	// the next products with fresh goroutines for backoffFor.
	start := time.Now()
	for spins := 0; j.done.Load() < int64(chunks); spins++ {
		if spins%64 == 63 && time.Since(start) > waitSpin {
			pool.backoff.Store(time.Now().Add(backoffFor).UnixNano())
			<-j.over
			return
		}
	}
}

// spawnChunks is parallelChunks with goroutines started for the call, which
// sleep as soon as they are done: the way to share a busy machine.
func spawnChunks(workers, chunks int, fn func(i int)) {
	var next atomic.Int64
	work := func() {
		for {
			i := int(next.Add(1) - 1)
			if i >= chunks {
				return
			}
			fn(i)
		}
	}
	var wg sync.WaitGroup
	for range min(workers, chunks) - 1 {
		wg.Go(work)
	}
	work()
	wg.Wait()
}

func ensureHelpers(n int) {
	pool.mu.Lock()
	defer pool.mu.Unlock()
	if pool.wake == nil {
		pool.wake = make(chan struct{}, runtime.NumCPU())
	}
	for ; pool.helpers < n; pool.helpers++ {
		go helper()
	}
}

// helper works on every product it sees, polling for the next one for
// helperSpin and then sleeping until woken.
func helper() {
	var last *poolJob
	idle := time.Now()
	polling := false // since before the current product was posted
	for spins := 0; ; spins++ {
		if j := pool.current.Load(); j != last {
			last = j
			if polling && time.Since(j.posted) > pickupLate {
				// This thread was not running while it polled: the
				// CPUs are busy with other processes.
				pool.backoff.Store(time.Now().Add(backoffFor).UnixNano())
			}
			j.run()
			idle = time.Now()
			polling = true
			continue
		}
		if spins%64 != 0 || time.Since(idle) < helperSpin {
			osYield()
			continue
		}
		pool.asleep.Add(1)
		if pool.current.Load() == last {
			<-pool.wake
		}
		pool.asleep.Add(-1)
		idle = time.Now()
		polling = false
	}
}
