package linalg

// MatMulTransBGo runs MatMulTransB on the pure-Go tile kernel whatever the CPU,
// so benchmarks can show the fallback next to the dispatched kernel.
func MatMulTransBGo(c, a, b []float32, m, n, k int, accumulate bool) {
	checkDims(len(c), len(a), len(b), m, n, k)
	gemmTransBWith(genericTile, c, a, b, m, n, k, n, k, k, accumulate)
}
