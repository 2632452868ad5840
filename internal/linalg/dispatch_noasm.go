//go:build !amd64 || purego

package linalg

// asmTiles lists the assembly tile kernels this CPU can run: none in this build.
func asmTiles() []tileKernel { return nil }

// asmVec lists the assembly Dot/Axpy kernels this CPU can run: none in this build.
func asmVec() []vecKernels { return nil }
