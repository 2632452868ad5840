package search

import (
	"context"
	"sync"
	"time"

	"github.com/targetvision/targetvision/internal/store"
)

// pgIndex is the vector leg on Postgres: pgvector's HNSW index, or an exact
// scan where that is both faster and exact.
//
// The migrations index each model dimension with a partial expression index,
// USING hnsw ((vec::vector(512)) vector_cosine_ops) WHERE dim = 512. The
// planner only uses it when the query repeats that expression and predicate
// literally: ORDER BY (vec::vector(512)) <=> $q LIMIT k with dim = 512 in
// the WHERE clause. Filters are checked on the embedding row itself — it
// carries a trigger-kept copy of its photo's source, album, date, camera and
// GPS (only a keyword or status looks the photo up, in an EXISTS) — and
// pgvector 0.8's iterative scan keeps reading the graph until k rows pass
// (without it a filter would leave the list short). relaxed_order lets the
// scan return rows slightly out of order, so the outer query sorts the k
// rows again.
//
// The planner's row estimates for the filters (a camera substring, a JSON
// keyword) are guesses, and a low guess makes it sort every matching
// row exactly instead — 100× slower on a large library. So the ANN query
// runs with sorting disabled for its transaction, which leaves the index as
// the only sensible plan. (Disabling a node type prices it at 1e10, which
// would also trip JIT compilation — a quarter second per query — so JIT is
// off for the transaction too.) Two cases go exact on purpose: a user with fewer
// than defaultExactBelow vectors or so small a share of the table that the
// graph walk would have to skip nearly every row, and a filter so selective
// that the graph walk ends before finding k rows.
type pgIndex struct {
	db       *store.DB
	efSearch int
	// exactBelow is the partition size under which the exact scan is used;
	// 0 means defaultExactBelow (tests lower it).
	exactBelow int

	mu     sync.Mutex
	counts map[countKey]countEntry
}

// defaultExactBelow is the partition size under which the exact scan is
// used. Exact is dearer per row than it looks: a 512-float vector is over
// Postgres's 2 kB TOAST threshold, so each one is fetched out of line.
const defaultExactBelow = 1000

// maxScanTuples bounds an iterative index scan (pgvector's default is 20000).
const maxScanTuples = 40000

type countKey struct {
	userID int64
	model  string
	dim    int
}

type countEntry struct {
	n, total int
	at       time.Time
}

// countCap bounds the count of a user's vectors: past it, the user's share
// of the table is large enough for the graph walk anyway.
const countCap = 50000

func (x *pgIndex) warm(context.Context, string) error { return nil }

func (x *pgIndex) exactLimit() int {
	if x.exactBelow > 0 {
		return x.exactBelow
	}
	return defaultExactBelow
}

func (x *pgIndex) search(ctx context.Context, q vecQuery) ([]vecHit, error) {
	if len(q.vec) == 0 || q.k <= 0 {
		return nil, nil
	}
	n, total, err := x.partitionSize(ctx, q)
	if err != nil {
		return nil, err
	}
	switch {
	case n == 0:
		return nil, nil
	case n < x.exactLimit():
		return x.run(ctx, q, true)
	case float64(n)/float64(max(total, n))*maxScanTuples < float64(2*q.k):
		// The user owns so small a share of the table that a graph walk
		// bounded by maxScanTuples would not meet k of their rows.
		return x.run(ctx, q, true)
	}
	if small, err := x.smallAlbum(ctx, q); err != nil {
		return nil, err
	} else if small {
		return x.run(ctx, q, true)
	}
	hits, err := x.run(ctx, q, false)
	if err != nil || len(hits) >= q.k {
		return hits, err
	}
	// The graph walk gave up before finding k rows that pass the filters:
	// the filter is selective, and an exact scan of what passes is cheap.
	return x.run(ctx, q, true)
}

// partitionSize is how many vectors of the model the user has (counted up
// to countCap) and about how many the table holds, remembered for a minute:
// they only choose between exact and ANN.
func (x *pgIndex) partitionSize(ctx context.Context, q vecQuery) (n, total int, err error) {
	key := countKey{q.userID, q.model, len(q.vec)}
	x.mu.Lock()
	c, ok := x.counts[key]
	x.mu.Unlock()
	if ok && time.Since(c.at) < time.Minute {
		return c.n, c.total, nil
	}
	n, total, err = x.db.VectorCount(ctx, q.userID, q.model, len(q.vec), countCap)
	if err != nil {
		return 0, 0, err
	}
	x.mu.Lock()
	if x.counts == nil {
		x.counts = map[countKey]countEntry{}
	}
	x.counts[key] = countEntry{n: n, total: total, at: time.Now()}
	x.mu.Unlock()
	return n, total, nil
}

func (x *pgIndex) run(ctx context.Context, q vecQuery, exact bool) ([]vecHit, error) {
	hits, err := x.db.NearestPhotos(ctx, store.VectorQuery{UserID: q.userID, Model: q.model, Vec: q.vec, K: q.k, Filter: q.filter, Exclude: q.exclude},
		store.VectorPlan{Exact: exact, EfSearch: x.efSearch, MaxScanTuples: maxScanTuples})
	if err != nil {
		return nil, err
	}
	out := make([]vecHit, len(hits))
	for i, h := range hits {
		out[i] = vecHit{photoID: h.PhotoID, sim: h.Sim}
	}
	return out, nil
}

// albumExactBelow is the number of photos under which an album-filtered
// query scans the album exactly rather than walking the graph: an album is
// usually a small share of a library, so the walk would give up (at
// maxScanTuples) and fall back to the exact scan anyway, paying twice.
const albumExactBelow = 20000

// smallAlbum reports whether q is filtered to an album (an indexed lookup)
// holding fewer than albumExactBelow photos.
func (x *pgIndex) smallAlbum(ctx context.Context, q vecQuery) (bool, error) {
	if q.filter.Album == "" && q.filter.AlbumID == 0 {
		return false, nil
	}
	n, err := x.db.CountPhotosUpTo(ctx, q.userID, q.filter, albumExactBelow)
	if err != nil {
		return false, err
	}
	return n < albumExactBelow, nil
}

// sample returns about n of the user's vectors of the model and dimension,
// spread over the library: every step-th photo id, the step from the
// partition's size (or, past countCap, the table's), for the relevance
// floor. It reads the user's index entries once, not their vectors.
func (x *pgIndex) sample(ctx context.Context, userID int64, model string, dim, n int) ([][]float32, error) {
	size, total, err := x.partitionSize(ctx, vecQuery{userID: userID, model: model, vec: make([]float32, dim)})
	if err != nil || size == 0 {
		return nil, err
	}
	if size >= countCap {
		size = max(size, total)
	}
	step := max(1, (size+n-1)/n)
	return x.db.SampleVectors(ctx, userID, model, dim, step, 2*n)
}
