package clip

import "testing"

func BenchmarkActivate(b *testing.B) {
	const rows, f = 100, 3072
	src := make([]float32, rows*f)
	mid := make([]float32, rows*f)
	bias := make([]float32, f)
	for i := range src {
		src[i] = float32(i%200)/40 - 2.5
	}
	for _, act := range []Activation{QuickGELU, GELU} {
		b.Run([]string{"quick", "gelu"}[act], func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				copy(mid, src)
				activate(mid, bias, rows, act)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows*f), "ns/elem")
		})
	}
}
