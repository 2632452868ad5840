package linalg

// MatMulTransBGo runs MatMulTransB on the pure-Go tile kernel whatever the CPU,
// so benchmarks can show the fallback next to the dispatched kernel.
func MatMulTransBGo(c, a, b []float32, m, n, k int, accumulate bool) {
	checkDims(len(c), len(a), len(b), m, n, k)
	gemmTransBWith(genericTile, c, a, b, m, n, k, n, k, k, accumulate)
}

// AsmTileKernels returns MatMulTransB bound to each assembly tile kernel this
// CPU runs, by name, for benchmarks of the paths other CPUs would take.
func AsmTileKernels() map[string]func(c, a, b []float32, m, n, k int, accumulate bool) {
	fns := map[string]func(c, a, b []float32, m, n, k int, accumulate bool){}
	for _, t := range asmTiles() {
		fns[t.name] = func(c, a, b []float32, m, n, k int, accumulate bool) {
			checkDims(len(c), len(a), len(b), m, n, k)
			gemmTransBWith(t, c, a, b, m, n, k, n, k, k, accumulate)
		}
	}
	return fns
}

// MatMulTransBTiles runs MatMulTransB on the dispatched tile kernel even for
// the few rows that go to the skinny kernel and the many that go to the
// packed path, so benchmarks can compare them.
func MatMulTransBTiles(c, a, b []float32, m, n, k int, accumulate bool) {
	checkDims(len(c), len(a), len(b), m, n, k)
	gemmTransBWith(activeTile, c, a, b, m, n, k, n, k, k, accumulate)
}

// AsmBatchKernels returns MatMulTransB on the packed path (batch.go) with each
// assembly panel kernel this CPU runs for it, by name, whatever the number of
// rows, for benchmarks of that path next to the tile kernels.
func AsmBatchKernels() map[string]func(c, a, b []float32, m, n, k int, accumulate bool) {
	fns := map[string]func(c, a, b []float32, m, n, k int, accumulate bool){}
	for _, p := range asmBatch() {
		fns[p.name] = func(c, a, b []float32, m, n, k int, accumulate bool) {
			checkDims(len(c), len(a), len(b), m, n, k)
			if m == 0 || n == 0 || k == 0 {
				gemmTransBWith(activeTile, c, a, b, m, n, k, n, k, k, accumulate) // what an empty product means
				return
			}
			gemmBatch(p, c, a, b, m, n, k, n, k, k, accumulate)
		}
	}
	return fns
}
