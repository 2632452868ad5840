//go:build openblas && cgo

package openblas

/*
#cgo LDFLAGS: -lopenblas
#include <cblas.h>
*/
import "C"

// SetThreads sets the number of threads OpenBLAS uses.
func SetThreads(n int) { C.openblas_set_num_threads(C.int(n)) }

// Core names the OpenBLAS kernel family in use (it honours OPENBLAS_CORETYPE).
func Core() string { return C.GoString(C.openblas_get_corename()) }

// Config describes the OpenBLAS build.
func Config() string { return C.GoString(C.openblas_get_config()) }

// SgemmTransB is cblas_sgemm for C = A·Bᵀ (+C) with the shapes of MatMulTransB.
func SgemmTransB(c, a, b []float32, m, n, k int, accumulate bool) {
	var beta C.float
	if accumulate {
		beta = 1
	}
	C.cblas_sgemm(C.CblasRowMajor, C.CblasNoTrans, C.CblasTrans, C.blasint(m), C.blasint(n), C.blasint(k),
		1, (*C.float)(&a[0]), C.blasint(k), (*C.float)(&b[0]), C.blasint(k), beta, (*C.float)(&c[0]), C.blasint(n))
}
