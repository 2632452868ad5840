package linalg

// The kernels in use, chosen once at start-up by the CPU's features
// (see dispatch_amd64.go); tests swap them to cover every path.
var (
	activeTile = genericTile
	// transpose8x8 transposes one 8×8 block for MatMul's copy of B; nil
	// means the pure-Go loop does the whole matrix.
	transpose8x8 func(dst *float32, ldd int, src *float32, lds int)
	// activePanel is the outer-product kernel for MatMul with a small B;
	// nil sends every product through the tile kernels.
	activePanel *panelKernel
	// activeBatch is the panel kernel for A·Bᵀ with at least batchMinRows
	// rows of A, on packed panels of B; nil sends those products through
	// the tile kernels.
	activeBatch *panelKernel
	// activeSkinny is the kernel for A·Bᵀ with at most skinnyMaxRows rows
	// of A; nil sends those products through the tile kernels.
	activeSkinny *skinnyKernel
	dotImpl      = dotGo
	axpyImpl     = axpyGo
)

// KernelName reports which tile kernel this process uses ("go", "avx512", …),
// for logs and benchmark reports.
func KernelName() string { return activeTile.name }

// vecKernels pairs a Dot and an Axpy implementation of one instruction set.
type vecKernels struct {
	name string
	dot  func(a, b []float32) float32
	axpy func(alpha float32, x, y []float32)
}

func init() {
	if t := asmTiles(); len(t) > 0 {
		activeTile = t[0]
	}
	transpose8x8 = asmTranspose8x8()
	if p := asmPanels(); len(p) > 0 {
		activePanel = p[0]
	}
	if b := asmBatch(); len(b) > 0 {
		activeBatch = b[0]
	}
	if s := asmSkinny(); len(s) > 0 {
		activeSkinny = s[0]
	}
	if v := asmVec(); len(v) > 0 {
		dotImpl, axpyImpl = v[0].dot, v[0].axpy
	}
}
