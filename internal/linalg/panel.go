package linalg

import "runtime"

// panelKernel is an outer-product kernel for C = A·B with B row-major k×n:
// fn computes C (mr×cols) = A (mr×k) · B (k×cols), or adds it to C when
// accumulate is true, for row-major A (stride lda), B (stride ldb) and C
// (stride ldc), accumulating the whole tile in registers. All mr rows of A
// are read. A masked kernel takes cols ≤ nr from mask (bit j set for each
// valid column j) and touches only those columns of C, and of B unless it
// is packedB; an unmasked one always reads and writes nr columns (mask is
// then all ones).
type panelKernel struct {
	name   string
	mr, nr int
	masked bool
	// packedB marks a kernel for the packed path's panels only (batch.go):
	// it takes B's rows as nr floats apart whatever ldb says, and reads all
	// nr columns of each, the panel's zero padding included.
	packedB bool
	fn      panelFunc
}

type panelFunc func(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, mask uint64, accumulate bool)

const (
	// panelMaxB bounds the size of B (k·n floats, 64 KiB) routed to the panel
	// kernel: it reads B unpacked, row after row, so B must stay in cache.
	// (MatMulTransB does not transpose B to get here: for attention's
	// Q·Kᵀ the gain was small and for short queries it was a loss.)
	panelMaxB = 16 << 10
	// maxPanelTile bounds mr·nr over the panel kernels (6×64).
	maxPanelTile = 6 * 64
)

// usePanel reports whether a product with this B (k×n) goes to the panel kernel.
func usePanel(m, n, k int) bool {
	return activePanel != nil && k > 0 && m > 0 && n > 0 && k*n <= panelMaxB
}

// gemmPanel computes C = A·B (+C) with panel kernel p for row-major A (m×k,
// stride lda), B (k×n, stride ldb) and C (m×n, stride ldc); m, n, k > 0.
func gemmPanel(p *panelKernel, c, a, b []float32, m, n, k, ldc, lda, ldb int, accumulate bool) {
	workers := runtime.GOMAXPROCS(0)
	if workers <= 1 || m*n*k < parallelMACs {
		gemmPanelSerial(p, c, a, b, m, n, k, ldc, lda, ldb, accumulate)
		return
	}
	tiles := (m + p.mr - 1) / p.mr
	chunk := max(1, tiles/(workers*chunksPerWorker), minChunkMACs/(p.mr*n*k))
	chunks := (tiles + chunk - 1) / chunk
	parallelChunks(workers, chunks, func(i int) {
		lo := i * chunk * p.mr
		hi := min(lo+chunk*p.mr, m)
		gemmPanelSerial(p, c[lo*ldc:], a[lo*lda:], b, hi-lo, n, k, ldc, lda, ldb, accumulate)
	})
}

func gemmPanelSerial(p *panelKernel, c, a, b []float32, m, n, k, ldc, lda, ldb int, accumulate bool) {
	mr, nr := p.mr, p.nr
	mFull := m / mr * mr
	var aEdge *[]float32
	if mFull < m {
		aEdge = getScratch(mr * k)
		clear(*aEdge)
		for i := mFull; i < m; i++ {
			copy((*aEdge)[(i-mFull)*k:(i-mFull+1)*k], a[i*lda:i*lda+k])
		}
		defer scratchPool.Put(aEdge)
	}
	var tmp [maxPanelTile]float32
	// flush copies the first rows×cols of tmp into C at row i, column j.
	flush := func(i, j, rows, cols int) { flushTile(c[i*ldc+j:], ldc, tmp[:], nr, rows, cols, accumulate) }
	for jc := 0; jc < n; jc += nr {
		cols := min(nr, n-jc)
		mask := ^uint64(0) >> (64 - cols)
		bp, ldbp := &b[jc], ldb
		direct := cols == nr || p.masked // C written in place
		if !direct {
			// An unmasked kernel gets a partial panel of B as nr-wide,
			// zero-padded rows, and writes through tmp.
			bEdge := getScratch(k * nr)
			defer scratchPool.Put(bEdge)
			clear(*bEdge)
			for q := range k {
				copy((*bEdge)[q*nr:q*nr+cols], b[q*ldb+jc:q*ldb+jc+cols])
			}
			bp, ldbp, mask = &(*bEdge)[0], nr, ^uint64(0)
		}
		for ir := 0; ir < mFull; ir += mr {
			if direct {
				p.fn(k, &a[ir*lda], lda, bp, ldbp, &c[ir*ldc+jc], ldc, mask, accumulate)
				continue
			}
			p.fn(k, &a[ir*lda], lda, bp, ldbp, &tmp[0], nr, mask, false)
			flush(ir, jc, mr, cols)
		}
		if aEdge != nil {
			p.fn(k, &(*aEdge)[0], k, bp, ldbp, &tmp[0], nr, mask, false)
			flush(mFull, jc, m-mFull, cols)
		}
	}
}
