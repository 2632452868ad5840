package search

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkExactScan100k512 is the SQLite vector leg's scan of one user's
// 100,000 vectors of 512 floats for the top 200.
func BenchmarkExactScan100k512(b *testing.B) {
	const n, dim = 100_000, 512
	r := rand.New(rand.NewPCG(1, 1))
	p := &partition{pos: map[int64]int{}}
	p.vecs = make([]float32, n*dim)
	for i := range n {
		p.ids = append(p.ids, int64(i+1))
		copy(p.vecs[i*dim:], randVec(r, dim))
	}
	x := &modelIndex{dim: dim, users: map[int64]*partition{1: p}}
	q := randVec(r, dim)
	b.ResetTimer()
	for b.Loop() {
		x.scan(1, q, 200, 0, nil)
	}
}
