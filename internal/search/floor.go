package search

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/targetvision/targetvision/internal/linalg"
)

// The relevance floor of the vector leg.
//
// CLIP ranks every photo for every query: the nearest photos to
// "zebracorn" are still a list, however unlike a zebracorn they look. So a
// vector hit counts as a match only when its similarity stands out from how
// similar the query is to the user's library as a whole: above
//
//	floor = median + z·1.4826·MAD
//
// of the query's similarities to a sample of the library's own vectors
// under the same model (the median absolute deviation, scaled to be the
// standard deviation of a normal distribution: a robust mean and spread,
// which the photos that do match — a cluster well above the rest — cannot
// pull up, as they would a plain mean and standard deviation). The sample makes the floor per model and per
// library: CLIP's similarities sit in a narrow band whose place differs by
// model (and text–image similarities sit far below image–image ones), and
// standardising against the library takes that band out. Hits below the
// floor are returned apart, as "loosely related".
//
// docs/search-quality.md has the floor's precision and recall on the
// benchmark's synthetic library, by z.

// DefaultFloorZ is the floor's height in (robust) standard deviations of
// the query's similarity to the library, for a model FloorZ does not name (see
// docs/search-quality.md for how it was chosen).
const DefaultFloorZ = 3.0

// floorSample is how many of a user's vectors the floor is measured on.
const floorSample = 1024

// floorMinSample is the fewest vectors a floor is drawn from: a library
// smaller than this has every hit count as a match.
const floorMinSample = 8

// floorTTL is how long a user's sample is kept before it is drawn again;
// floorTTLSmall, when the sample is the whole (small) library.
const (
	floorTTL      = 10 * time.Minute
	floorTTLSmall = 30 * time.Second
)

type floorKey struct {
	userID int64
	model  string
	dim    int
}

// floorSet is a drawn sample: row-major, dim floats a vector.
type floorSet struct {
	vecs []float32
	n    int
	at   time.Time
}

type floorCache struct {
	mu   sync.Mutex
	sets map[floorKey]*floorSet
}

// floorZ is the z of the engine's model.
func (e *Engine) floorZ() float64 {
	if z, ok := e.opts.FloorZ[e.opts.Model]; ok {
		return z
	}
	return DefaultFloorZ
}

// vectorFloor is the similarity a hit of the query vector qv needs to
// count as a match in the user's library; ok is false when the library is
// too small to tell (every hit then counts).
func (e *Engine) vectorFloor(ctx context.Context, userID int64, qv []float32) (floor float32, ok bool, err error) {
	med, spread, ok, err := e.floorStats(ctx, userID, qv)
	return float32(med + e.floorZ()*spread), ok, err
}

// floorStats are the median and the robust standard deviation (1.4826 MAD)
// of qv's similarity to the user's sample.
func (e *Engine) floorStats(ctx context.Context, userID int64, qv []float32) (med, spread float64, ok bool, err error) {
	set, err := e.floorSet(ctx, userID, len(qv))
	if err != nil || set.n < floorMinSample {
		return 0, 0, false, err
	}
	dim := len(qv)
	sims := make([]float64, set.n)
	for i := range set.n {
		sims[i] = float64(linalg.Dot(qv, set.vecs[i*dim:(i+1)*dim]))
	}
	med = median(sims)
	for i, s := range sims {
		sims[i] = math.Abs(s - med)
	}
	return med, 1.4826 * median(sims), true, nil
}

// median sorts xs and returns its median.
func median(xs []float64) float64 {
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

// floorSet returns the user's sample, drawing it when missing or stale.
func (e *Engine) floorSet(ctx context.Context, userID int64, dim int) (*floorSet, error) {
	key := floorKey{userID, e.opts.Model, dim}
	e.floors.mu.Lock()
	set := e.floors.sets[key]
	e.floors.mu.Unlock()
	// A library still smaller than the sample is drawn again sooner: it is
	// probably being indexed, and a floor from its first few photos (or
	// none, under floorMinSample) should not last ten minutes.
	if set != nil && (time.Since(set.at) < floorTTLSmall || set.n >= floorSample && time.Since(set.at) < floorTTL) {
		return set, nil
	}
	vs, err := e.vec.sample(ctx, userID, e.opts.Model, dim, floorSample)
	if err != nil {
		return nil, fmt.Errorf("search: relevance floor: %w", err)
	}
	set = &floorSet{at: time.Now()}
	for _, v := range vs {
		if len(v) == dim {
			set.vecs = append(set.vecs, linalg.Normalized(v)...)
			set.n++
		}
	}
	e.floors.mu.Lock()
	if e.floors.sets == nil {
		e.floors.sets = map[floorKey]*floorSet{}
	}
	e.floors.sets[key] = set
	e.floors.mu.Unlock()
	return set, nil
}
