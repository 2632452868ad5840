//go:build !(amd64 || arm64) || purego

package linalg

// asmTiles lists the assembly tile kernels this CPU can run: none in this build.
func asmTiles() []tileKernel { return nil }

// asmVec lists the assembly Dot/Axpy kernels this CPU can run: none in this build.
func asmVec() []vecKernels { return nil }

// asmTranspose8x8 returns an assembly 8×8 block transpose: none in this build.
func asmTranspose8x8() func(dst *float32, ldd int, src *float32, lds int) { return nil }

// asmPanels lists the assembly outer-product kernels: none in this build.
func asmPanels() []*panelKernel { return nil }

// asmSkinny lists the assembly small-m kernels: none in this build.
func asmSkinny() []*skinnyKernel { return nil }

// asmBatch lists the assembly panel kernels for packed batch products: none in this build.
func asmBatch() []*panelKernel { return nil }
