package search

import (
	"cmp"
	"slices"

	"github.com/targetvision/targetvision/internal/store"
)

// fused is one photo of the fused ranking.
type fused struct {
	photoID              int64
	score                float64
	vectorRank, textRank *int
}

// fuse merges the two legs by reciprocal rank fusion: each photo scores
// Σ 1/(rrfK + rank) over the legs that found it. Ties go to the better text
// rank (a word match is evidence; the vector leg ranks every photo, relevant
// or not), then the better vector rank, then the lower id, so the order is
// stable.
func fuse(vec []vecHit, text []store.TextHit) []fused {
	byID := make(map[int64]*fused, len(vec)+len(text))
	var out []*fused
	get := func(id int64) *fused {
		f, ok := byID[id]
		if !ok {
			f = &fused{photoID: id}
			byID[id] = f
			out = append(out, f)
		}
		return f
	}
	for i, h := range vec {
		f := get(h.photoID)
		if f.vectorRank != nil {
			continue
		}
		r := i + 1
		f.vectorRank = &r
		f.score += 1 / float64(rrfK+r)
	}
	for i, h := range text {
		f := get(h.PhotoID)
		if f.textRank != nil {
			continue
		}
		r := i + 1
		f.textRank = &r
		f.score += 1 / float64(rrfK+r)
	}
	rank := func(p *int) int {
		if p == nil {
			return int(^uint(0) >> 1)
		}
		return *p
	}
	slices.SortFunc(out, func(a, b *fused) int {
		return cmp.Or(
			cmp.Compare(b.score, a.score),
			cmp.Compare(rank(a.textRank), rank(b.textRank)),
			cmp.Compare(rank(a.vectorRank), rank(b.vectorRank)),
			cmp.Compare(a.photoID, b.photoID),
		)
	})
	res := make([]fused, len(out))
	for i, f := range out {
		res[i] = *f
	}
	return res
}
