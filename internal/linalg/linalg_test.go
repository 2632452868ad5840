package linalg

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// refMatMulTransB is the naive definition, in float64, that every kernel is
// checked against; bound is an error bound for float32 summation in any order.
func refMatMulTransB(c, a, b []float32, m, n, k int, accumulate bool) (want, bound []float64) {
	want, bound = make([]float64, m*n), make([]float64, m*n)
	const eps = 1.0 / (1 << 23)
	for i := range m {
		for j := range n {
			var s, abs float64
			for p := range k {
				t := float64(a[i*k+p]) * float64(b[j*k+p])
				s += t
				abs += math.Abs(t)
			}
			if accumulate {
				s += float64(c[i*n+j])
				abs += math.Abs(float64(c[i*n+j]))
			}
			want[i*n+j] = s
			bound[i*n+j] = float64(k+4)*eps*abs + 1e-30
		}
	}
	return want, bound
}

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

// placed returns a copy of s at offset off inside a larger slice whose other
// elements are sentinels, so writes outside the matrix are detected.
func placed(s []float32, off int, sentinel float32) (whole, sub []float32) {
	whole = make([]float32, off+len(s)+5)
	for i := range whole {
		whole[i] = sentinel
	}
	copy(whole[off:], s)
	return whole, whole[off : off+len(s)]
}

func tileKernels() []tileKernel { return append([]tileKernel{genericTile}, asmTiles()...) }

type shape struct{ m, n, k int }

func testShapes() []shape {
	var ss []shape
	for _, m := range []int{1, 2, 3, 4, 5, 7, 9, 13} {
		for _, n := range []int{1, 2, 3, 4, 5, 6, 8, 11} {
			for _, k := range []int{1, 2, 3, 15, 16, 17, 31, 33, 64, 100} {
				ss = append(ss, shape{m, n, k})
			}
		}
	}
	return append(ss,
		shape{50, 67, 768},  // CLIP's 50 tokens, odd n
		shape{33, 29, 1030}, // k crosses kcBlock with a vector tail
		shape{5, 7, 2049},   // several k blocks
		shape{64, 96, 300},  // split over n between goroutines
		shape{301, 9, 400},  // split over m, several L2 row blocks
		shape{0, 3, 4}, shape{3, 0, 4}, shape{3, 4, 0},
	)
}

func checkMatMul(t *testing.T, name string, s shape, acc bool, got []float32, want, bound []float64) {
	t.Helper()
	for i, w := range want {
		if d := math.Abs(float64(got[i]) - w); !(d <= bound[i]) {
			t.Fatalf("%s %dx%dx%d acc=%v: C[%d,%d] = %g, want %g (bound %g)",
				name, s.m, s.n, s.k, acc, i/s.n, i%s.n, got[i], w, bound[i])
		}
	}
}

func checkSentinels(t *testing.T, whole []float32, off, n int, sentinel float32, what string) {
	t.Helper()
	for i, v := range whole {
		if (i < off || i >= off+n) && v != sentinel {
			t.Fatalf("%s: element %d outside the matrix was overwritten", what, i)
		}
	}
}

func TestMatMulTransBKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, tk := range tileKernels() {
		for _, s := range testShapes() {
			for _, acc := range []bool{false, true} {
				off := (s.m + s.n + s.k) % 4 // misaligned by 0–3 floats
				a, b, c0 := randSlice(r, s.m*s.k), randSlice(r, s.n*s.k), randSlice(r, s.m*s.n)
				want, bound := refMatMulTransB(c0, a, b, s.m, s.n, s.k, acc)
				_, as := placed(a, off, 7)
				_, bs := placed(b, (off+1)%4, 7)
				cw, cs := placed(c0, (off+2)%4, -99)
				gemmTransBWith(tk, cs, as, bs, s.m, s.n, s.k, s.n, s.k, s.k, acc)
				name := fmt.Sprintf("%s off=%d", tk.name, off)
				checkMatMul(t, name, s, acc, cs, want, bound)
				checkSentinels(t, cw, (off+2)%4, s.m*s.n, -99, name)
			}
		}
	}
}

func TestMatMulTransBPublic(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	s := shape{50, 200, 768}
	a, b, c := randSlice(r, s.m*s.k), randSlice(r, s.n*s.k), randSlice(r, s.m*s.n)
	want, bound := refMatMulTransB(c, a, b, s.m, s.n, s.k, true)
	MatMulTransB(c, a, b, s.m, s.n, s.k, true)
	checkMatMul(t, KernelName(), s, true, c, want, bound)
}

// dispatchConfigs runs fn once for every tile kernel this CPU can run, each
// with every panel kernel and with none, set as the active ones, then with
// each skinny kernel and each batch kernel. It swaps
// package globals, which is why the tests of this package do not run in
// parallel.
func dispatchConfigs(t *testing.T, fn func(name string)) {
	savedTile, savedPanel, savedSkinny, savedBatch := activeTile, activePanel, activeSkinny, activeBatch
	defer func() {
		activeTile, activePanel, activeSkinny, activeBatch = savedTile, savedPanel, savedSkinny, savedBatch
	}()
	panels := append([]*panelKernel{nil}, asmPanels()...)
	activeSkinny, activeBatch = nil, nil
	for _, tk := range tileKernels() {
		for _, p := range panels {
			activeTile, activePanel = tk, p
			name := "none"
			if p != nil {
				name = p.name
			}
			fn(fmt.Sprintf("%s panel=%s skinny=none", tk.name, name))
		}
	}
	// Each skinny kernel takes the small-m products, next to the default
	// tile and panel kernels.
	activeTile, activePanel = savedTile, savedPanel
	for _, sk := range skinnyKernels() {
		activeSkinny = &sk
		fn(fmt.Sprintf("%s skinny=%s", activeTile.name, sk.name))
	}
	// Each batch kernel takes the products with many rows.
	activeSkinny = savedSkinny
	for _, bk := range batchKernels() {
		activeBatch = &bk
		fn(fmt.Sprintf("%s batch=%s", activeTile.name, bk.name))
	}
}

func skinnyKernels() []skinnyKernel {
	ks := []skinnyKernel{genericSkinny}
	for _, s := range asmSkinny() {
		ks = append(ks, *s)
	}
	return ks
}

// TestSkinnyKernelsEveryLength runs each skinny kernel alone for every k up
// to 80 (every vector tail several times over) and some long ones, every
// count of rows of A up to 9 (odd and even), every count of rows of B up to
// nr, and every misalignment of A, B and C.
func TestSkinnyKernelsEveryLength(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	ks := []int{}
	for k := 1; k <= 80; k++ {
		ks = append(ks, k)
	}
	ks = append(ks, 255, 512, 513, 1031)
	for _, sk := range skinnyKernels() {
		for _, k := range ks {
			for m := 1; m <= 9; m++ {
				for nv := 1; nv <= sk.nr; nv++ {
					if k > 80 && nv != sk.nr && nv != 1 {
						continue
					}
					off := (k + m + nv) % 4
					acc := (k+m+nv)%2 == 0
					s := shape{m, nv, k}
					a, b, c0 := randSlice(r, m*k), randSlice(r, nv*k), randSlice(r, m*nv)
					want, bound := refMatMulTransB(c0, a, b, m, nv, k, acc)
					_, as := placed(a, off, 7)
					_, bs := placed(b, 3-off, 7)
					cw, cs := placed(c0, (off+1)%4, -99)
					sk.fn(k, &as[0], k, m, &bs[0], k, nv, &cs[0], nv, acc)
					name := fmt.Sprintf("%s skinny off=%d", sk.name, off)
					checkMatMul(t, name, s, acc, cs, want, bound)
					checkSentinels(t, cw, (off+1)%4, m*nv, -99, name)
				}
			}
		}
	}
}

// TestSkinnyRoutes runs gemmSkinny with each skinny kernel on shapes that
// reach its edges: partial groups of B rows, k longer than skinnyKC, and
// products big enough to be split over goroutines.
func TestSkinnyRoutes(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	shapes := []shape{
		{1, 1, 1}, {1, 9, 17}, {2, 8, 512}, {3, 17, 513}, {10, 23, 1030},
		{10, 1536, 512}, {11, 512, 2048}, {1, 512, 512}, {7, 301, 700},
		{skinnyMaxRows, 100, 96}, {5, 2049, 70}, {3, 20, skinnyKC + 100},
	}
	for _, sk := range skinnyKernels() {
		for _, s := range shapes {
			for _, acc := range []bool{false, true} {
				a, b, c := randSlice(r, s.m*s.k), randSlice(r, s.n*s.k), randSlice(r, s.m*s.n)
				want, bound := refMatMulTransB(c, a, b, s.m, s.n, s.k, acc)
				_, as := placed(a, 1, 7)
				_, bs := placed(b, 2, 7)
				cw, cs := placed(c, 3, -99)
				gemmSkinny(sk, cs, as, bs, s.m, s.n, s.k, s.n, s.k, s.k, acc)
				name := "gemmSkinny " + sk.name
				checkMatMul(t, name, s, acc, cs, want, bound)
				checkSentinels(t, cw, 3, s.m*s.n, -99, name)
			}
		}
	}
}

// publicShapes adds products that take the panel kernel's route (small B,
// several panels, row chunks over goroutines) and large ones that do not.
func publicShapes() []shape {
	return append(testShapes(),
		shape{50, 64, 50}, shape{50, 50, 64}, shape{3, 40, 70}, shape{13, 130, 64},
		shape{800, 64, 50}, shape{400, 200, 65}, shape{7, 300, 60}, shape{20, 600, 30},
		// The packed path: rows from batchMinRows, k past batchKC.
		shape{batchMinRows, 50, 70}, shape{137, 97, 400}, shape{200, 300, 31})
}

// panelKernels lists the pure-Go panel kernel and every assembly one this
// CPU runs: MatMul's and the packed path's.
func panelKernels() []panelKernel {
	ps := []panelKernel{genericPanel}
	for _, p := range append(asmPanels(), asmBatch()...) {
		ps = append(ps, *p)
	}
	return ps
}

// TestPanelKernels runs each panel kernel alone on one tile for every k up
// to 40 and some long ones (both parities of the unrolled loops), every
// column count up to nr (masked kernels) and every misalignment of A, B and
// C. A packedB kernel gets B as the packed path lays it out: rows nr floats
// apart, zero past the valid columns.
func TestPanelKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	ks := []int{}
	for k := 1; k <= 40; k++ {
		ks = append(ks, k)
	}
	ks = append(ks, 383, 384, 385, 1031)
	for _, p := range panelKernels() {
		for _, k := range ks {
			for cols := 1; cols <= p.nr; cols += 1 + cols%5 {
				if !p.masked {
					cols = p.nr
				}
				if k > 40 && cols != p.nr && cols != 1 {
					continue
				}
				for _, acc := range []bool{false, true} {
					off := (k + cols) % 4
					s := shape{p.mr, cols, k}
					a, b, c0 := randSlice(r, s.m*k), randSlice(r, k*cols), randSlice(r, s.m*cols)
					bt := make([]float32, cols*k)
					transposeWith(nil, bt, b, k, cols)
					want, bound := refMatMulTransB(c0, a, bt, s.m, cols, k, acc)
					ldb := cols
					if p.packedB {
						ldb = p.nr
						bp := make([]float32, k*p.nr)
						for q := range k {
							copy(bp[q*p.nr:], b[q*cols:(q+1)*cols])
						}
						b = bp
					}
					_, as := placed(a, off, 7)
					_, bs := placed(b, 3-off, 7)
					cw, cs := placed(c0, (off+1)%4, -99)
					p.fn(k, &as[0], k, &bs[0], ldb, &cs[0], cols, ^uint64(0)>>(64-cols), acc)
					name := fmt.Sprintf("%s panel off=%d", p.name, off)
					checkMatMul(t, name, s, acc, cs, want, bound)
					checkSentinels(t, cw, (off+1)%4, s.m*cols, -99, name)
				}
			}
		}
	}
}

// batchKernels lists the kernels the packed path can run here: the pure-Go
// panel kernel and the assembly ones.
func batchKernels() []panelKernel {
	ps := []panelKernel{genericPanel}
	for _, p := range asmBatch() {
		ps = append(ps, *p)
	}
	return ps
}

// TestBatchRoutes runs the packed path with each kernel, planned for 1 to 3
// goroutines, on shapes that reach its edges: rows past the last full mr,
// columns past the last full panel and past a block, k past batchKC and not
// a multiple of 8 (the transpose's remainder), blocks of rows when the
// columns are too few, all with misaligned A, B and C.
func TestBatchRoutes(t *testing.T) {
	r := rand.New(rand.NewPCG(25, 26))
	shapes := []shape{
		{1, 1, 1}, {8, 48, 384}, {9, 49, 385}, {17, 100, 13}, {130, 97, 50},
		{131, 400, 30}, {200, 130, 771}, {300, 40, 100}, {64, 1000, 20},
	}
	for _, p := range batchKernels() {
		for _, s := range shapes {
			for _, workers := range []int{1, 2, 3} {
				acc := (s.m+workers)%2 == 0
				a, b, c := randSlice(r, s.m*s.k), randSlice(r, s.n*s.k), randSlice(r, s.m*s.n)
				want, bound := refMatMulTransB(c, a, b, s.m, s.n, s.k, acc)
				_, as := placed(a, 1, 7)
				_, bs := placed(b, 2, 7)
				cw, cs := placed(c, 3, -99)
				gemmBatchOn(workers, &p, cs, as, bs, s.m, s.n, s.k, s.n, s.k, s.k, acc)
				name := fmt.Sprintf("batch %s workers=%d", p.name, workers)
				checkMatMul(t, name, s, acc, cs, want, bound)
				checkSentinels(t, cw, 3, s.m*s.n, -99, name)
			}
		}
	}
}

// TestPlanBatch checks that the blocks of planBatch cover C exactly, are
// whole tiles and panels, stay within L2's width, and give every goroutine
// at least one block once the product is big enough to share.
func TestPlanBatch(t *testing.T) {
	for _, nr := range []int{16, 48} {
		for _, mr := range []int{6, 8} {
			for _, m := range []int{1, 7, 128, 200, 800, 3000} {
				for _, n := range []int{1, 47, 48, 200, 768, 2304, 3072, 5000} {
					for workers := 1; workers <= 4; workers++ {
						g := planBatch(m, n, mr, nr, workers)
						what := fmt.Sprintf("planBatch(%d, %d, %d, %d, %d) = %+v", m, n, mr, nr, workers, g)
						if g.cols%nr != 0 || g.rows%mr != 0 {
							t.Fatalf("%s: blocks are not whole tiles", what)
						}
						if g.nBlocks*g.cols < n || (g.nBlocks-1)*g.cols >= n || g.mBlocks*g.rows < m || (g.mBlocks-1)*g.rows >= m {
							t.Fatalf("%s: blocks do not cover C exactly", what)
						}
						if g.cols > (batchMaxCols+nr-1)/nr*nr {
							t.Fatalf("%s: blocks wider than batchMaxCols", what)
						}
						if m >= batchMinRows && n >= 2*batchMinCols && g.nBlocks*g.mBlocks < workers {
							t.Fatalf("%s: fewer blocks than goroutines", what)
						}
					}
				}
			}
		}
	}
}

// TestPublicRoutes runs MatMulTransB and MatMul through every route (tile
// kernel × panel kernel) on shapes that reach each of them, against a
// reference computed once per shape.
func TestPublicRoutes(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, s := range publicShapes() {
		for _, acc := range []bool{false, true} {
			a, b, c := randSlice(r, s.m*s.k), randSlice(r, s.n*s.k), randSlice(r, s.m*s.n)
			bkn := make([]float32, s.k*s.n) // B as k×n for MatMul
			transposeWith(nil, bkn, b, s.n, s.k)
			want, bound := refMatMulTransB(c, a, b, s.m, s.n, s.k, acc)
			dispatchConfigs(t, func(name string) {
				cw, cs := placed(c, 2, -99)
				MatMulTransB(cs, a, b, s.m, s.n, s.k, acc)
				checkMatMul(t, "MatMulTransB "+name, s, acc, cs, want, bound)
				checkSentinels(t, cw, 2, s.m*s.n, -99, "MatMulTransB "+name)

				cw, cs = placed(c, 1, -99)
				MatMul(cs, a, bkn, s.m, s.n, s.k, acc)
				checkMatMul(t, "MatMul "+name, s, acc, cs, want, bound)
				checkSentinels(t, cw, 1, s.m*s.n, -99, "MatMul "+name)
			})
		}
	}
}

func TestPanicsOnShortSlices(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for a short slice")
		}
	}()
	MatMulTransB(make([]float32, 6), make([]float32, 6), make([]float32, 5), 2, 3, 3, false)
}

func vecKernelSets() []vecKernels {
	return append([]vecKernels{{name: "go", dot: dotGo, axpy: axpyGo}}, asmVec()...)
}

func TestDotAxpy(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	const eps = 1.0 / (1 << 23)
	for _, vk := range vecKernelSets() {
		for n := 0; n <= 300; n++ {
			for off := range 4 {
				x, y := randSlice(r, n), randSlice(r, n)
				_, xs := placed(x, off, 5)
				yw, ys := placed(y, (off+3)%4, 5)

				var want, abs float64
				for i := range n {
					want += float64(x[i]) * float64(y[i])
					abs += math.Abs(float64(x[i]) * float64(y[i]))
				}
				if got := vk.dot(xs, ys); math.Abs(float64(got)-want) > float64(n+2)*eps*abs {
					t.Fatalf("%s Dot n=%d off=%d: got %g, want %g", vk.name, n, off, got, want)
				}

				alpha := float32(r.NormFloat64())
				vk.axpy(alpha, xs, ys)
				for i := range n {
					w := float64(y[i]) + float64(alpha)*float64(x[i])
					bound := 2 * eps * (math.Abs(float64(y[i])) + math.Abs(float64(alpha)*float64(x[i])))
					if math.Abs(float64(ys[i])-w) > bound {
						t.Fatalf("%s Axpy n=%d off=%d: y[%d] = %g, want %g", vk.name, n, off, i, ys[i], w)
					}
				}
				checkSentinels(t, yw, (off+3)%4, n, 5, vk.name+" Axpy")
			}
		}
	}
	if Dot([]float32{1, 2, 3}, []float32{4, 5, 6}) != 32 {
		t.Fatal("Dot([1 2 3], [4 5 6]) != 32")
	}
	y := []float32{1, 1}
	Axpy(2, []float32{3, 4}, y)
	if y[0] != 7 || y[1] != 9 {
		t.Fatalf("Axpy: got %v, want [7 9]", y)
	}
}

// TestTileKernelsEveryLength runs each tile kernel alone on one full tile for
// every k up to 80 (every vector tail of 8 and 16 several times over) and every
// misalignment of A, B and C.
func TestTileKernelsEveryLength(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, tk := range tileKernels() {
		for k := 1; k <= 80; k++ {
			for off := range 4 {
				for _, acc := range []bool{false, true} {
					s := shape{tk.mr, tk.nr, k}
					a, b, c0 := randSlice(r, s.m*k), randSlice(r, s.n*k), randSlice(r, s.m*s.n)
					want, bound := refMatMulTransB(c0, a, b, s.m, s.n, k, acc)
					_, as := placed(a, off, 7)
					_, bs := placed(b, 3-off, 7)
					cw, cs := placed(c0, (off+1)%4, -99)
					tk.fn(k, &as[0], k, &bs[0], k, &cs[0], s.n, acc)
					name := fmt.Sprintf("%s tile off=%d", tk.name, off)
					checkMatMul(t, name, s, acc, cs, want, bound)
					checkSentinels(t, cw, (off+1)%4, s.m*s.n, -99, name)
				}
			}
		}
	}
}

func TestTranspose(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	kernels := map[string]func(dst *float32, ldd int, src *float32, lds int){"go": nil}
	if transpose8x8 != nil {
		kernels["asm"] = transpose8x8
	}
	for name, t8 := range kernels {
		for rows := 1; rows <= 42; rows++ {
			for cols := 1; cols <= 42; cols += 1 + cols/8 {
				off := (rows + cols) % 4
				src := randSlice(r, rows*cols)
				_, ss := placed(src, off, 3)
				dw, ds := placed(make([]float32, rows*cols), 3-off, -99)
				transposeWith(t8, ds, ss, rows, cols)
				for i := range rows {
					for j := range cols {
						if ds[j*rows+i] != src[i*cols+j] {
							t.Fatalf("%s %dx%d: dst[%d,%d] = %g, want %g", name, rows, cols, j, i, ds[j*rows+i], src[i*cols+j])
						}
					}
				}
				checkSentinels(t, dw, 3-off, rows*cols, -99, name+" transpose")
			}
		}
	}
}

// FuzzMatMul checks MatMulTransB and MatMul (up to 159 rows: every path), on every kernel this CPU runs,
// against the reference for fuzzed shapes; plain go test runs the seeds.
func FuzzMatMul(f *testing.F) {
	f.Add(uint8(1), uint8(1), uint8(1), false, uint64(1))
	f.Add(uint8(50), uint8(67), uint8(33), true, uint64(2))
	f.Add(uint8(7), uint8(130), uint8(200), false, uint64(3))
	f.Add(uint8(150), uint8(100), uint8(140), true, uint64(4))
	f.Fuzz(func(t *testing.T, m8, n8, k8 uint8, acc bool, seed uint64) {
		m, n, k := int(m8)%160, int(n8)+int(m8)/160, int(k8)*3%250
		r := rand.New(rand.NewPCG(seed, seed))
		s := shape{m, n, k}
		a, b, c := randSlice(r, m*k), randSlice(r, n*k), randSlice(r, m*n)
		want, bound := refMatMulTransB(c, a, b, m, n, k, acc)
		bkn := make([]float32, k*n) // B as k×n for MatMul
		transposeWith(nil, bkn, b, n, k)
		dispatchConfigs(t, func(name string) {
			got := append([]float32(nil), c...)
			MatMulTransB(got, a, b, m, n, k, acc)
			checkMatMul(t, "MatMulTransB "+name, s, acc, got, want, bound)
			got = append(got[:0], c...)
			MatMul(got, a, bkn, m, n, k, acc)
			checkMatMul(t, "MatMul "+name, s, acc, got, want, bound)
		})
	})
}

func TestNormalized(t *testing.T) {
	v := []float32{3, 0, 4}
	got := Normalized(v)
	if got[0] != 0.6 || got[1] != 0 || got[2] != 0.8 || v[0] != 3 {
		t.Fatalf("Normalized([3 0 4]) = %v (input now %v), want [0.6 0 0.8] and the input untouched", got, v)
	}
	r := rand.New(rand.NewPCG(31, 32))
	u := Normalized(randSlice(r, 512))
	if n := Dot(u, u); math.Abs(float64(n)-1) > 1e-6 {
		t.Fatalf("|Normalized(v)|² = %v, want 1", n)
	}
	if z := Normalized(make([]float32, 4)); len(z) != 4 || z[0] != 0 || z[3] != 0 {
		t.Fatalf("Normalized(0) = %v, want zeros", z)
	}
}
