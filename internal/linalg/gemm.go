package linalg

import (
	"runtime"
	"sync"
)

// tileKernel computes one mr×nr tile of C = A·Bᵀ: the dot products of mr rows
// of A (stride lda) with nr rows of B (stride ldb), each k long. Every one of
// the mr and nr rows must be readable. The tile is stored into C (stride ldc),
// or added to it when accumulate is true.
//
// Reading both operands along k is what lets MatMulTransB skip packing: a
// linear layer's weights are already laid out for it.
type tileKernel struct {
	name   string
	mr, nr int
	fn     func(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, accumulate bool)
}

const (
	// kcBlock bounds the k extent handled per kernel call so that the nr rows
	// of B (nr·kcBlock·4 bytes) stay in L1 while the rows of A stream past.
	// It is a multiple of 16 so that only the last block has a vector tail.
	kcBlock = 1024
	// l2Floats bounds the A block (mc rows × kc) kept hot in L2.
	l2Floats = 128 << 10
	// parallelMACs is the smallest product (m·n·k multiply-adds) that is
	// split over goroutines; below it the goroutine hand-off costs more than it saves.
	parallelMACs = 1 << 20
	// chunksPerWorker and minChunkMACs size the pieces that goroutines take
	// from a shared counter: several per goroutine, none too small to pay
	// for re-reading its share of the other operand.
	chunksPerWorker = 4
	minChunkMACs    = 1 << 18
	// maxTile bounds mr·nr over all kernels (the size of the edge scratch tile).
	maxTile = 32
)

// gemmTransB computes C = A·Bᵀ (+C) with the active kernel; ldc, lda and ldb
// are the row strides.
func gemmTransB(c, a, b []float32, m, n, k, ldc, lda, ldb int, accumulate bool) {
	if activeSkinny != nil && m <= skinnyMaxRows && m > 0 && n > 0 && k > 0 {
		gemmSkinny(*activeSkinny, c, a, b, m, n, k, ldc, lda, ldb, accumulate)
		return
	}
	if useBatch(m, n, k) {
		gemmBatch(activeBatch, c, a, b, m, n, k, ldc, lda, ldb, accumulate)
		return
	}
	gemmTransBWith(activeTile, c, a, b, m, n, k, ldc, lda, ldb, accumulate)
}

func gemmTransBWith(t tileKernel, c, a, b []float32, m, n, k, ldc, lda, ldb int, accumulate bool) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		if !accumulate {
			for i := range m {
				clear(c[i*ldc : i*ldc+n])
			}
		}
		return
	}
	workers := runtime.GOMAXPROCS(0)
	if workers <= 1 || m*n*k < parallelMACs {
		gemmSerial(t, c, a, b, m, n, k, ldc, lda, ldb, accumulate)
		return
	}
	// Split the dimension with more tiles into tile-aligned chunks, several
	// per goroutine, handed out from a shared counter: when another process
	// holds one of the cores, the goroutines that do run take more chunks
	// instead of the whole call waiting for one static half.
	// Splitting n makes every goroutine read all of A, splitting m all of B:
	// split the dimension whose other operand is the smaller, unless that
	// leaves too few chunks to balance.
	mTiles, nTiles := (m+t.mr-1)/t.mr, (n+t.nr-1)/t.nr
	splitN := nTiles >= mTiles || (m <= n && nTiles >= workers*chunksPerWorker)
	tiles, step, other := mTiles, t.mr, n
	if splitN {
		tiles, step, other = nTiles, t.nr, m
	}
	chunk := max(1, tiles/(workers*chunksPerWorker), minChunkMACs/(step*other*k))
	chunks := (tiles + chunk - 1) / chunk
	workers = min(workers, chunks)
	if workers <= 1 {
		gemmSerial(t, c, a, b, m, n, k, ldc, lda, ldb, accumulate)
		return
	}
	parallelChunks(workers, chunks, func(i int) {
		lo := i * chunk * step
		if splitN {
			hi := min(lo+chunk*step, n)
			gemmSerial(t, c[lo:], a, b[lo*ldb:], m, hi-lo, k, ldc, lda, ldb, accumulate)
		} else {
			hi := min(lo+chunk*step, m)
			gemmSerial(t, c[lo*ldc:], a[lo*lda:], b, hi-lo, n, k, ldc, lda, ldb, accumulate)
		}
	})
}

var scratchPool = sync.Pool{New: func() any { return new([]float32) }}

func getScratch(n int) *[]float32 {
	p := scratchPool.Get().(*[]float32)
	if cap(*p) < n {
		*p = make([]float32, n)
	}
	*p = (*p)[:n]
	return p
}

// gemmSerial is the blocked loop nest on one goroutine: k blocks (kcBlock),
// then row blocks of A sized for L2, then nr rows of B (kept in L1) against
// every mr rows of A in the block. Partial tiles at the bottom and right edges
// read their missing rows from zero-padded copies and write through a scratch tile.
func gemmSerial(t tileKernel, c, a, b []float32, m, n, k, ldc, lda, ldb int, accumulate bool) {
	mr, nr := t.mr, t.nr
	kc := min(k, kcBlock)
	mc := max(mr, l2Floats/kc/mr*mr)
	mFull, nFull := m/mr*mr, n/nr*nr

	var aEdge, bEdge *[]float32
	if mFull < m {
		aEdge = getScratch(mr * kc)
		clear(*aEdge)
		defer scratchPool.Put(aEdge)
	}
	if nFull < n {
		bEdge = getScratch(nr * kc)
		clear(*bEdge)
		defer scratchPool.Put(bEdge)
	}
	var tmp [maxTile]float32

	for pc := 0; pc < k; pc += kc {
		kcur := min(kc, k-pc)
		acc := accumulate || pc > 0
		if aEdge != nil {
			for i := mFull; i < m; i++ {
				copy((*aEdge)[(i-mFull)*kcur:(i-mFull+1)*kcur], a[i*lda+pc:i*lda+pc+kcur])
			}
		}
		if bEdge != nil {
			for j := nFull; j < n; j++ {
				copy((*bEdge)[(j-nFull)*kcur:(j-nFull+1)*kcur], b[j*ldb+pc:j*ldb+pc+kcur])
			}
		}
		for ic := 0; ic < m; ic += mc {
			iEnd := min(ic+mc, m)
			for jr := 0; jr < n; jr += nr {
				bp, ldbx := &b[jr*ldb+pc], ldb
				nv := nr
				if jr >= nFull {
					bp, ldbx = &(*bEdge)[0], kcur
					nv = n - jr
				}
				for ir := ic; ir < iEnd; ir += mr {
					ap, ldax := &a[ir*lda+pc], lda
					mv := mr
					if ir >= mFull {
						ap, ldax = &(*aEdge)[0], kcur
						mv = m - ir
					}
					if mv == mr && nv == nr {
						t.fn(kcur, ap, ldax, bp, ldbx, &c[ir*ldc+jr], ldc, acc)
						continue
					}
					t.fn(kcur, ap, ldax, bp, ldbx, &tmp[0], nr, false)
					flushTile(c[ir*ldc+jr:], ldc, tmp[:], nr, mv, nv, acc)
				}
			}
		}
	}
}

// flushTile stores (or, with accumulate, adds) the first rows×cols of a
// scratch tile t (stride ldt) into C (stride ldc): how a kernel's partial
// tile at an edge reaches C.
func flushTile(c []float32, ldc int, t []float32, ldt, rows, cols int, accumulate bool) {
	for i := range rows {
		ci, ti := c[i*ldc:i*ldc+cols], t[i*ldt:i*ldt+cols]
		if !accumulate {
			copy(ci, ti)
			continue
		}
		for j, v := range ti {
			ci[j] += v
		}
	}
}

// noTransRows is the number of rows of A below which MatMul does one Axpy per
// element of A rather than transposing B.
const noTransRows = 4

func gemmNoTrans(c, a, b []float32, m, n, k int, accumulate bool) {
	if m == 0 || n == 0 {
		return
	}
	if usePanel(m, n, k) {
		gemmPanel(activePanel, c, a, b, m, n, k, n, k, n, accumulate)
		return
	}
	if m < noTransRows || k == 0 {
		for i := range m {
			ci := c[i*n : i*n+n]
			if !accumulate {
				clear(ci)
			}
			for p, av := range a[i*k : i*k+k] {
				axpyImpl(av, b[p*n:p*n+n], ci)
			}
		}
		return
	}
	bt := getScratch(n * k)
	transpose(*bt, b[:k*n], k, n)
	gemmTransB(c, a, *bt, m, n, k, n, k, k, accumulate)
	scratchPool.Put(bt)
}

// transpose writes the r×c row-major src into dst as c×r, in square blocks so
// that both sides stay in cache, 8×8 blocks at a time when the CPU has a kernel for it.
func transpose(dst, src []float32, r, c int) {
	transposeWith(transpose8x8, dst, src, r, c)
}

func transposeWith(t8 func(dst *float32, ldd int, src *float32, lds int), dst, src []float32, r, c int) {
	const blk = 32
	for i0 := 0; i0 < r; i0 += blk {
		i1 := min(i0+blk, r)
		for j0 := 0; j0 < c; j0 += blk {
			j1 := min(j0+blk, c)
			i := i0
			if t8 != nil {
				for ; i+8 <= i1; i += 8 {
					j := j0
					for ; j+8 <= j1; j += 8 {
						t8(&dst[j*r+i], r, &src[i*c+j], c)
					}
					for ii := i; ii < i+8; ii++ {
						for jj := j; jj < j1; jj++ {
							dst[jj*r+ii] = src[ii*c+jj]
						}
					}
				}
			}
			for ; i < i1; i++ {
				row := src[i*c+j0 : i*c+j1]
				for j, v := range row {
					dst[(j0+j)*r+i] = v
				}
			}
		}
	}
}
