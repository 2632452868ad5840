package linalg

import (
	"math/bits"
	"runtime"
)

// Products with many rows of A — the vision tower's linear layers on a batch
// of images (16 images × 50 tokens = 800 rows) — go through packed panels of
// B and an outer-product kernel, the blocking of BLIS and OpenBLAS, where the
// tile kernels' dot products cannot keep up: per step of k a tile kernel
// loads one vector of each of its mr + nr rows for mr·nr FMAs, the panel
// kernel one broadcast per row of A and nr/16 vectors of B for mr·nr/16.
//
// C is cut into blocks of at most batchMaxCols columns (and, when that gives
// too few blocks for the goroutines, of rows too); each block, on one
// goroutine, copies its rows of B k block by k block (batchKC) into panels
// of the kernel's nr columns laid out along k — the copy is a transpose,
// O(n·k) against the product's O(m·n·k) — and runs the kernel on mr rows of
// A at a time against each panel in turn: those rows of A stay in L1 while
// the panels (batchMaxCols × batchKC floats, 576 KiB) come from L2.
const (
	// batchMinRows is the fewest rows of A that take the packed path. The
	// copy of B is paid once per batchMaxCols columns whatever m is: at
	// 50 rows (one image) the packed path was a quarter slower than the
	// tiles, at 64 and 100 about even, from 128 (160, 200, 800) ahead
	// (docs/benchmarks.md).
	batchMinRows = 128
	// batchKC is the k extent of a packed panel.
	batchKC = 384
	// batchMaxCols and batchMinCols bound the columns of a block: one
	// block's panels stay in L2 (batchMaxCols·batchKC·4 bytes), and a block
	// is wide enough that A's rows, read once per block, are reused.
	// 192 to 576 measured the same on one core.
	batchMaxCols = 384
	batchMinCols = 192
	// batchBlocksPerWorker is how many blocks each goroutine should get, so
	// that when another process takes a core the other goroutine takes more.
	batchBlocksPerWorker = 3
)

// useBatch reports whether A·Bᵀ of this shape takes the packed path.
func useBatch(m, n, k int) bool {
	return activeBatch != nil && m >= batchMinRows && n > 0 && k > 0
}

// batchGrid cuts C (m×n) into nBlocks blocks of cols columns (a multiple of
// the kernel's nr; the last may be narrower) times mBlocks blocks of rows
// rows (a multiple of mr; the last may be shorter).
type batchGrid struct {
	cols, nBlocks int
	rows, mBlocks int
}

// planBatch chooses the blocks of an m×n product for the given number of
// goroutines: as wide as L2 allows when alone; with others, at least
// batchBlocksPerWorker each, a multiple of their number (so that on a quiet
// machine they finish together), no narrower than batchMinCols; and when
// the columns give fewer blocks than that, row blocks as well (each of
// which copies its columns of B again).
func planBatch(m, n, mr, nr, workers int) batchGrid {
	blocks := ceilDiv(n, batchMaxCols)
	if workers > 1 {
		want := ceilDiv(max(blocks, workers*batchBlocksPerWorker), workers) * workers
		blocks = max(blocks, min(want, n/batchMinCols))
	}
	g := batchGrid{cols: ceilDiv(ceilDiv(n, blocks), nr) * nr}
	g.nBlocks = ceilDiv(n, g.cols)
	g.mBlocks = 1
	if workers > 1 && g.nBlocks < workers*batchBlocksPerWorker {
		g.mBlocks = min(ceilDiv(workers*batchBlocksPerWorker, g.nBlocks), max(1, m/(batchMinRows/2)))
	}
	g.rows = ceilDiv(ceilDiv(m, g.mBlocks), mr) * mr
	g.mBlocks = ceilDiv(m, g.rows)
	return g
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// gemmBatch computes C = A·Bᵀ (+C) with panel kernel p on packed panels of
// B, the blocks of planBatch shared among GOMAXPROCS goroutines; m, n, k > 0.
func gemmBatch(p *panelKernel, c, a, b []float32, m, n, k, ldc, lda, ldb int, accumulate bool) {
	gemmBatchOn(runtime.GOMAXPROCS(0), p, c, a, b, m, n, k, ldc, lda, ldb, accumulate)
}

// gemmBatchOn is gemmBatch planned for the given number of goroutines.
func gemmBatchOn(workers int, p *panelKernel, c, a, b []float32, m, n, k, ldc, lda, ldb int, accumulate bool) {
	if m*n*k < parallelMACs {
		workers = 1
	}
	g := planBatch(m, n, p.mr, p.nr, workers)
	blocks := g.nBlocks * g.mBlocks
	parallelChunks(min(workers, blocks), blocks, func(i int) {
		i0, j0 := i%g.mBlocks*g.rows, i/g.mBlocks*g.cols
		i1, j1 := min(i0+g.rows, m), min(j0+g.cols, n)
		batchSerial(p, c[i0*ldc+j0:], a[i0*lda:], b[j0*ldb:], i1-i0, j1-j0, k, ldc, lda, ldb, accumulate)
	})
}

// batchSerial is one block on one goroutine: per k block, pack B's n rows
// into panels, then every mr rows of A against every panel. Rows of A past
// the last full mr come from a zero-padded copy; partial tiles (those rows,
// and the last panel's columns for an unmasked kernel) go through a scratch
// tile.
func batchSerial(p *panelKernel, c, a, b []float32, m, n, k, ldc, lda, ldb int, accumulate bool) {
	mr, nr := p.mr, p.nr
	// The slices are checked once here; the kernel gets pointers.
	_, _, _ = a[(m-1)*lda+k-1], b[(n-1)*ldb+k-1], c[(m-1)*ldc+n-1]
	kc := min(k, batchKC)
	panels := ceilDiv(n, nr)
	packed := getScratch(panels * nr * kc)
	defer scratchPool.Put(packed)
	var aEdge *[]float32
	if m%mr != 0 {
		aEdge = getScratch(mr * kc)
		defer scratchPool.Put(aEdge)
	}
	var tmp [maxPanelTile]float32
	for pc := 0; pc < k; pc += kc {
		kcur := min(kc, k-pc)
		acc := accumulate || pc > 0
		size := nr * kcur // floats per panel
		for q := range panels {
			packPanel((*packed)[q*size:(q+1)*size], b[q*nr*ldb+pc:], ldb, min(nr, n-q*nr), kcur, nr)
		}
		for ir := 0; ir < m; ir += mr {
			rows := min(mr, m-ir)
			ap, ldap := &a[ir*lda+pc], lda
			if rows < mr {
				e := (*aEdge)[:mr*kcur]
				clear(e)
				for i := range rows {
					copy(e[i*kcur:(i+1)*kcur], a[(ir+i)*lda+pc:(ir+i)*lda+pc+kcur])
				}
				ap, ldap = &e[0], kcur
			}
			for q := range panels {
				j := q * nr
				cols := min(nr, n-j)
				bp := &(*packed)[q*size]
				mask := ^uint64(0) >> (64 - nr)
				if p.masked {
					mask >>= nr - cols
				}
				if rows == mr && (cols == nr || p.masked) {
					p.fn(kcur, ap, ldap, bp, nr, &c[ir*ldc+j], ldc, mask, acc)
					continue
				}
				p.fn(kcur, ap, ldap, bp, nr, &tmp[0], nr, mask, false)
				flushTile(c[ir*ldc+j:], ldc, tmp[:], nr, rows, cols, acc)
			}
		}
	}
}

// packPanel writes rows ≤ nr rows of B (stride ldb), kc floats each, into
// dst transposed: kc groups of nr floats, group p holding element p of
// every row, zero past the rows'. Whole 8×8 blocks go through the
// assembly transpose where the CPU has one.
func packPanel(dst, b []float32, ldb, rows, kc, nr int) {
	dst = dst[:kc*nr]
	j := 0
	if transpose8x8 != nil && kc >= 8 {
		_ = b[(rows-1)*ldb+kc-1]
		for ; j+8 <= rows; j += 8 {
			p := 0
			for ; p+8 <= kc; p += 8 {
				transpose8x8(&dst[p*nr+j], nr, &b[j*ldb+p], ldb)
			}
			for ; p < kc; p++ {
				for jj := j; jj < j+8; jj++ {
					dst[p*nr+jj] = b[jj*ldb+p]
				}
			}
		}
	}
	for ; j < rows; j++ {
		for p, v := range b[j*ldb : j*ldb+kc] {
			dst[p*nr+j] = v
		}
	}
	if rows < nr {
		for p := range kc {
			clear(dst[p*nr+rows : p*nr+nr])
		}
	}
}

// genericPanel is the pure-Go panel kernel: the reference that the assembly
// panel kernels are tested against.
var genericPanel = panelKernel{name: "go", mr: 4, nr: 16, masked: true, fn: panelGo}

func panelGo(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, mask uint64, accumulate bool) {
	const mr, nr = 4, 16
	cols := min(nr, bits.TrailingZeros64(^mask)) // mask is contiguous from bit 0
	var t [mr][nr]float32
	for i := range mr {
		ai := row(a, i, lda, k)
		for p, av := range ai {
			for j, bv := range row(b, p, ldb, cols) {
				t[i][j] += av * bv
			}
		}
	}
	for i := range mr {
		ci := row(c, i, ldc, cols)
		if accumulate {
			for j := range ci {
				ci[j] += t[i][j]
			}
		} else {
			copy(ci, t[i][:cols])
		}
	}
}
