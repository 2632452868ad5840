package search

import (
	"context"

	"github.com/targetvision/targetvision/internal/store"
)

// What a benchmark or a diagnosis needs to see of the engine beside Search:
// its resolved settings, each leg alone, the vector index's answer to a raw
// vector, the relevance floor's statistics and the index's memory. The
// product's own paths do not call these.

// Settings are the engine's search parameters with their defaults applied.
type Settings struct {
	// Model is the embedding model the vector leg compares against.
	Model string
	// Candidates is how deep each leg ranks before fusion.
	Candidates int
	// EfSearch is pgvector's hnsw.ef_search as configured; a query runs
	// with the larger of it and the number of candidates it asks for.
	EfSearch int
	// FloorZ is the relevance floor's z for Model.
	FloorZ float64
}

// Settings returns the engine's search parameters, defaults applied.
func (e *Engine) Settings() Settings {
	return Settings{Model: e.opts.Model, Candidates: e.opts.Candidates, EfSearch: e.opts.EfSearch, FloorZ: e.floorZ()}
}

// VectorHit is a photo the vector index found and its cosine similarity to
// the query vector.
type VectorHit struct {
	PhotoID    int64
	Similarity float32
}

// NearestPhotos asks the vector index alone (no embedding, no floor, no
// fusion) for the user's k photos nearest to vec that pass the filter, best
// first, among the embeddings of the engine's model; vec must be of unit
// length. A benchmark compares it with an exact ranking (recall).
func (e *Engine) NearestPhotos(ctx context.Context, userID int64, vec []float32, k int, f store.Filter) ([]VectorHit, error) {
	hits, err := e.vec.search(ctx, vecQuery{userID: userID, model: e.opts.Model, vec: vec, k: k, filter: f})
	if err != nil {
		return nil, err
	}
	out := make([]VectorHit, len(hits))
	for i, h := range hits {
		out[i] = VectorHit{PhotoID: h.photoID, Similarity: h.sim}
	}
	return out, nil
}

// VectorLeg runs a query's vector leg alone, as Search runs it for that
// query's own filter: the query embedding (cached), the nearest Candidates
// photos, the relevance floor. It returns how many were matches and how
// many only loosely related. A benchmark times each leg with it.
func (e *Engine) VectorLeg(ctx context.Context, userID int64, query string) (matches, loose int, err error) {
	q := ParseQuery(query)
	m, l, err := e.vectorLeg(ctx, userID, q, q.Filter, e.opts.Candidates)
	return len(m), len(l), err
}

// TextLeg runs a query's text leg alone, as Search runs it for that query's
// own filter: the store's full-text search, Candidates deep. It returns how
// many photos it ranked.
func (e *Engine) TextLeg(ctx context.Context, userID int64, query string) (int, error) {
	q := ParseQuery(query)
	hits, err := e.db.SearchText(ctx, userID, store.TextQuery{Terms: q.Terms, Phrases: q.Phrases, Exclude: q.Exclude,
		Filter: q.Filter, Limit: e.opts.Candidates})
	return len(hits), err
}

// FloorStats are the statistics the relevance floor is drawn from: the
// median and robust spread (1.4826 MAD) of a query vector's similarity to a
// sample of the user's library. A hit is a match from Median + z·Spread.
type FloorStats struct {
	Median, Spread float64
}

// FloorStats returns the floor's statistics for the unit query vector vec in
// the user's library; ok is false when the library is too small to tell
// (every hit then counts as a match).
func (e *Engine) FloorStats(ctx context.Context, userID int64, vec []float32) (st FloorStats, ok bool, err error) {
	st.Median, st.Spread, ok, err = e.floorStats(ctx, userID, vec)
	return st, ok, err
}

// IndexBytes is the memory the in-process vector index (SQLite) holds for
// the engine's model as loaded so far (Warm loads it); 0 on Postgres, whose
// index lives in the database.
func (e *Engine) IndexBytes() int64 {
	m, ok := e.vec.(*memIndex)
	if !ok || e.opts.Model == "" {
		return 0
	}
	return m.model(e.opts.Model).bytes()
}
