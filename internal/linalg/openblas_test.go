//go:build openblas && cgo

package linalg_test

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/targetvision/targetvision/internal/linalg"
	"github.com/targetvision/targetvision/internal/linalg/openblas"
)

// With -tags openblas, BenchmarkMatMulTransB also runs cblas_sgemm on the same
// shapes in the same run, with as many threads as we use (GOMAXPROCS, which
// -cpu sets per run). OPENBLAS_CORETYPE is left as the environment sets it.
func init() {
	benchImpls = append(benchImpls, gemmImpl{
		name:  "openblas",
		fn:    openblas.SgemmTransB,
		setup: func() { openblas.SetThreads(runtime.GOMAXPROCS(0)) },
	})
}

func TestOpenBLASAgrees(t *testing.T) {
	openblas.SetThreads(runtime.GOMAXPROCS(0))
	t.Logf("OpenBLAS %s, core %s, %d threads", openblas.Config(), openblas.Core(), runtime.GOMAXPROCS(0))
	r := rand.New(rand.NewPCG(9, 9))
	m, n, k := 37, 45, 300
	a, b, c := randSlice(r, m*k), randSlice(r, n*k), randSlice(r, m*n)
	ours := append([]float32(nil), c...)
	openblas.SgemmTransB(c, a, b, m, n, k, true)
	linalg.MatMulTransB(ours, a, b, m, n, k, true)
	for i := range c {
		if math.Abs(float64(c[i]-ours[i])) > 1e-3 {
			t.Fatalf("C[%d]: openblas %g, ours %g", i, c[i], ours[i])
		}
	}
}
