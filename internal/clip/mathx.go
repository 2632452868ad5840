package clip

import (
	"math"
	"runtime"
	"sync"
	"sync/atomic"
)

// expf is a float32 exp accurate to about 2 ulp, several times faster than
// math.Exp; the activations call it tens of millions of times per batch.
func expf(x float32) float32 {
	const (
		log2e = 1.44269504088896341
		ln2hi = 0.693359375
		ln2lo = -2.12194440e-4
		magic = 12582912 // 1.5·2^23: adding and subtracting rounds to an integer
	)
	// Plain comparisons: the min/max builtins handle NaN and signed zero
	// with extra branches this hot loop does not need.
	if x < -87.3 {
		x = -87.3
	}
	if x > 88.7 {
		x = 88.7
	}
	t := x*log2e + magic
	n := t - magic
	r := x - n*ln2hi - n*ln2lo
	p := 1 + r*(1+r*(0.5+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720))))))
	// t's low mantissa bits hold n; build 2^n directly in the exponent.
	e := math.Float32bits(t) - math.Float32bits(magic) + 127
	return p * math.Float32frombits(e<<23)
}

// erff is erf with absolute error below 2e-7 (Abramowitz & Stegun 7.1.26).
func erff(x float32) float32 {
	sign := float32(1)
	if x < 0 {
		sign, x = -1, -x
	}
	t := 1 / (1 + 0.3275911*x)
	y := 1 - (((((1.061405429*t-1.453152027)*t)+1.421413741)*t-0.284496736)*t+0.254829592)*t*expf(-x*x)
	return sign * y
}

// parallelFor splits [0, n) into at most GOMAXPROCS contiguous ranges and
// runs fn on each concurrently. Work below grain items runs inline.
func parallelFor(n, grain int, fn func(lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), (n+grain-1)/max(grain, 1))
	if workers <= 1 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	wg.Wait()
}

// parallelTasks runs fn(i) for i in [0, n) on up to GOMAXPROCS goroutines,
// handing out tasks one at a time (for uneven, coarse tasks).
func parallelTasks(n int, fn func(i int)) {
	parallelWorkers(n, func(_, i int) { fn(i) })
}

// parallelWorkers is parallelTasks that also tells fn which worker
// (0 ≤ worker < GOMAXPROCS) runs the task, so workers can keep scratch space.
func parallelWorkers(n int, fn func(worker, i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			fn(0, i)
		}
		return
	}
	var (
		wg   sync.WaitGroup
		next atomic.Int64
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				fn(w, i)
			}
		}()
	}
	wg.Wait()
}

// bufPool recycles the large activation buffers of a forward pass (tens of
// megabytes per image batch) so steady-state embedding does not churn the GC.
var bufPool sync.Pool

// getBuf returns a slice of length n with unspecified contents.
func getBuf(n int) []float32 {
	if p, ok := bufPool.Get().(*[]float32); ok && cap(*p) >= n {
		return (*p)[:n]
	}
	return make([]float32, n)
}

// putBuf makes b available to getBuf; b must not be used afterwards.
func putBuf(b []float32) {
	bufPool.Put(&b)
}
