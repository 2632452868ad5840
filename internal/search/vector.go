package search

import (
	"context"

	"github.com/targetvision/targetvision/internal/store"
)

// vecQuery is one nearest-neighbour query of the vector leg.
type vecQuery struct {
	userID int64
	model  string
	vec    []float32 // unit length
	k      int
	filter store.Filter
	// exclude is a photo id left out (the photo itself, for Similar); 0 for none.
	exclude int64
}

// vecHit is one neighbour: a photo and its cosine similarity to the query.
type vecHit struct {
	photoID int64
	sim     float32
}

// vectorIndex is the vector leg of one store dialect. Hits come best first,
// at most k, only of the query's user and model, and only photos that pass
// the filter.
type vectorIndex interface {
	search(ctx context.Context, q vecQuery) ([]vecHit, error)
	warm(ctx context.Context, model string) error
	// sample returns about n of the user's vectors of the model (and
	// dimension), spread over the library.
	sample(ctx context.Context, userID int64, model string, dim, n int) ([][]float32, error)
}

func filterEmpty(f store.Filter) bool { return f == (store.Filter{}) }
