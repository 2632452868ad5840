package search

import (
	"math"
	"testing"

	"github.com/targetvision/targetvision/internal/store"
)

func TestFuse(t *testing.T) {
	t.Parallel()
	vec := []vecHit{{photoID: 1}, {photoID: 2}, {photoID: 3}}
	text := []store.TextHit{{PhotoID: 4}, {PhotoID: 2}, {PhotoID: 4}} // a repeat counts once
	got := fuse(vec, text)
	var order []int64
	for _, f := range got {
		order = append(order, f.photoID)
	}
	// 2 is in both legs; 4 (text 1) ties with 1 (vector 1) and wins as the
	// word match; 3 is last.
	want := []int64{2, 4, 1, 3}
	if len(order) != len(want) {
		t.Fatalf("fused %v, want %v", order, want)
	}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("fused %v, want %v", order, want)
		}
	}
	if s := got[0].score; math.Abs(s-(1.0/62+1.0/62)) > 1e-15 || *got[0].vectorRank != 2 || *got[0].textRank != 2 {
		t.Fatalf("photo 2: %+v", got[0])
	}
	if got[1].vectorRank != nil || *got[1].textRank != 1 || got[2].textRank != nil {
		t.Fatalf("ranks: %+v %+v", got[1], got[2])
	}
	if len(fuse(nil, nil)) != 0 {
		t.Fatal("empty legs fuse to something")
	}
}
