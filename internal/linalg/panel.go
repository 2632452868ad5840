package linalg

import "runtime"

// panelFunc computes C (6×cols) = A (6×k) · B (k×cols), or adds it to C when
// accumulate is true, for row-major A (stride lda), B (stride ldb) and C
// (stride ldc); bit j of mask is set for each valid column j < cols ≤ 64.
// Only the valid columns of B and C are touched; all 6 rows of A are read.
type panelFunc func(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, mask uint64, accumulate bool)

const (
	panelMR, panelNR = 6, 64
	// panelMaxB bounds the size of B (k·n floats, 64 KiB) routed to the panel
	// kernel: it reads B unpacked, row after row, so B must stay in cache.
	// (MatMulTransB does not transpose B to get here: for attention's
	// Q·Kᵀ the gain was small and for short queries it was a loss.)
	panelMaxB = 16 << 10
)

// usePanel reports whether a product with this B (k×n) goes to the panel kernel.
func usePanel(m, n, k int) bool {
	return activePanel != nil && k > 0 && m > 0 && n > 0 && k*n <= panelMaxB
}

// gemmPanel computes C = A·B (+C) with the panel kernel for row-major A (m×k,
// stride lda), B (k×n, stride ldb) and C (m×n, stride ldc); m, n, k > 0.
func gemmPanel(p panelFunc, c, a, b []float32, m, n, k, ldc, lda, ldb int, accumulate bool) {
	workers := runtime.GOMAXPROCS(0)
	if workers <= 1 || m*n*k < parallelMACs {
		gemmPanelSerial(p, c, a, b, m, n, k, ldc, lda, ldb, accumulate)
		return
	}
	tiles := (m + panelMR - 1) / panelMR
	chunk := max(1, tiles/(workers*chunksPerWorker), minChunkMACs/(panelMR*n*k))
	chunks := (tiles + chunk - 1) / chunk
	parallelChunks(workers, chunks, func(i int) {
		lo := i * chunk * panelMR
		hi := min(lo+chunk*panelMR, m)
		gemmPanelSerial(p, c[lo*ldc:], a[lo*lda:], b, hi-lo, n, k, ldc, lda, ldb, accumulate)
	})
}

func gemmPanelSerial(p panelFunc, c, a, b []float32, m, n, k, ldc, lda, ldb int, accumulate bool) {
	mFull := m / panelMR * panelMR
	var aEdge *[]float32
	if mFull < m {
		aEdge = getScratch(panelMR * k)
		clear(*aEdge)
		for i := mFull; i < m; i++ {
			copy((*aEdge)[(i-mFull)*k:(i-mFull+1)*k], a[i*lda:i*lda+k])
		}
		defer scratchPool.Put(aEdge)
	}
	var tmp [panelMR * panelNR]float32
	for jc := 0; jc < n; jc += panelNR {
		cols := min(panelNR, n-jc)
		mask := ^uint64(0) >> (panelNR - cols)
		bp, ldbp := &b[jc], ldb
		for ir := 0; ir < mFull; ir += panelMR {
			p(k, &a[ir*lda], lda, bp, ldbp, &c[ir*ldc+jc], ldc, mask, accumulate)
		}
		if aEdge == nil {
			continue
		}
		p(k, &(*aEdge)[0], k, bp, ldbp, &tmp[0], panelNR, mask, false)
		for i := range m - mFull {
			ci := c[(mFull+i)*ldc+jc : (mFull+i)*ldc+jc+cols]
			ti := tmp[i*panelNR : i*panelNR+cols]
			if accumulate {
				for j, v := range ti {
					ci[j] += v
				}
			} else {
				copy(ci, ti)
			}
		}
	}
}
