package search

import (
	"math"
	"strings"
	"testing"
)

func TestScoreRanking(t *testing.T) {
	t.Parallel()
	rel := map[int64]bool{1: true, 2: true, 3: true}
	// 1 and 2 found at ranks 1 and 3, 3 never: P@10 = 2/10, R@50 = 2/3,
	// nDCG@10 = (1/log2 2 + 1/log2 4) / (1/log2 2 + 1/log2 3 + 1/log2 4).
	p, r, n := scoreRanking([]int64{1, 9, 2}, rel)
	want := 1.5 / (1 + 1/math.Log2(3) + 0.5)
	if math.Abs(p-0.2) > 1e-12 || math.Abs(r-2.0/3) > 1e-12 || math.Abs(n-want) > 1e-12 {
		t.Fatalf("scoreRanking = %v %v %v, want 0.2 0.667 %v", p, r, n, want)
	}
	if _, _, n := scoreRanking([]int64{1, 2, 3}, rel); math.Abs(n-1) > 1e-12 {
		t.Fatalf("a perfect ranking has nDCG %v", n)
	}
	// Found only past the 50th result: no recall.
	long := make([]int64, 60)
	long[55] = 1
	if _, r, _ := scoreRanking(long, map[int64]bool{1: true}); r != 0 {
		t.Fatalf("recall@50 counts rank 56: %v", r)
	}
}

func TestReadEvalQueries(t *testing.T) {
	t.Parallel()
	qs, err := ReadEvalQueries(strings.NewReader("# comment\n\nred barn\ta.jpg\tdir/b.jpg\r\nlake\tc.png\n"))
	if err != nil || len(qs) != 2 || qs[0].Query != "red barn" || len(qs[0].Relevant) != 2 || qs[0].Relevant[1] != "dir/b.jpg" || qs[1].Relevant[0] != "c.png" {
		t.Fatalf("ReadEvalQueries = %+v, %v", qs, err)
	}
	if _, err := ReadEvalQueries(strings.NewReader("no labels\n")); err == nil {
		t.Fatal("a query without relevant photos was accepted")
	}
}
