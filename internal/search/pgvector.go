package search

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
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

// vectorSQL builds the nearest-neighbour query and its arguments: the
// index-shaped ANN query, or (exact) the same with an ORDER BY the index
// cannot serve.
func (x *pgIndex) vectorSQL(ctx context.Context, q vecQuery, exact bool) (string, []any, error) {
	dim := len(q.vec)
	if exact && !filterEmpty(q.filter) {
		return x.exactFilteredSQL(ctx, q)
	}
	// The filter is checked on the embedding's copy of its photo's
	// columns, so the graph walk tests each candidate on the row it has
	// just read.
	cond, args, err := x.db.CopiedFilterSQL(ctx, "e", q.userID, q.filter)
	if err != nil {
		return "", nil, err
	}
	args = append(args, q.model, vectorLiteral(q.vec), q.k)
	nModel, nVec, nK := len(args)-2, len(args)-1, len(args)
	if q.exclude != 0 {
		args = append(args, q.exclude)
		cond += fmt.Sprintf(" AND e.photo_id <> $%d", len(args))
	}
	dist := fmt.Sprintf("(e.vec::vector(%d)) <=> $%d::vector(%d)", dim, nVec, dim)
	order := dist
	if exact {
		order = "(" + dist + ") + 0, e.photo_id"
	}
	query := fmt.Sprintf(`WITH nn AS MATERIALIZED (
	SELECT e.photo_id, %[1]s AS dist FROM embeddings e
	WHERE e.dim = %[2]d AND e.model = $%[3]d AND %[4]s
	ORDER BY %[6]s LIMIT $%[5]d)
SELECT photo_id, dist FROM nn ORDER BY dist, photo_id`, dist, dim, nModel, cond, nK, order)
	return query, args, nil
}

// exactFilteredSQL is the exact scan of a filtered query, driven from the
// photos that pass the filter (an album's index, say), not from every
// vector of the user.
func (x *pgIndex) exactFilteredSQL(ctx context.Context, q vecQuery) (string, []any, error) {
	dim := len(q.vec)
	cond, args, err := x.db.ResolvedFilterSQL(ctx, q.userID, q.filter)
	if err != nil {
		return "", nil, err
	}
	args = append(args, q.model, vectorLiteral(q.vec), q.k)
	nModel, nVec, nK := len(args)-2, len(args)-1, len(args)
	exclude := ""
	if q.exclude != 0 {
		args = append(args, q.exclude)
		exclude = fmt.Sprintf(" AND p.id <> $%d", len(args))
	}
	query := fmt.Sprintf(`SELECT e.photo_id, (e.vec::vector(%[3]d)) <=> $%[1]d::vector(%[3]d) AS dist
FROM photos p JOIN embeddings e ON e.photo_id = p.id AND e.model = $%[2]d AND e.dim = %[3]d
WHERE %[4]s%[5]s
ORDER BY dist, e.photo_id LIMIT $%[6]d`, nVec, nModel, dim, cond, exclude, nK)
	return query, args, nil
}

// annSettings are the transaction-local settings of the ANN query.
func (x *pgIndex) annSettings(k int) (string, []any) {
	ef := min(max(x.efSearch, k), 1000)
	return `SELECT set_config('hnsw.ef_search', $1, true), set_config('hnsw.iterative_scan', 'relaxed_order', true),
		set_config('hnsw.max_scan_tuples', $2, true), set_config('enable_sort', 'off', true), set_config('jit', 'off', true)`,
		[]any{strconv.Itoa(ef), strconv.Itoa(maxScanTuples)}
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
	err = x.db.SQL().QueryRowContext(ctx, fmt.Sprintf(`SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM embeddings
		WHERE user_id = $1 AND model = $2 AND dim = %d LIMIT %d) x),
		(SELECT GREATEST(reltuples, 0)::bigint FROM pg_class WHERE oid = 'embeddings'::regclass)`, len(q.vec), countCap),
		q.userID, q.model).Scan(&n, &total)
	if err != nil {
		return 0, 0, fmt.Errorf("count vectors: %w", err)
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
	query, args, err := x.vectorSQL(ctx, q, exact)
	if err != nil {
		return nil, err
	}
	tx, err := x.db.SQL().BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if !exact {
		set, sargs := x.annSettings(q.k)
		if _, err := tx.ExecContext(ctx, set, sargs...); err != nil {
			return nil, fmt.Errorf("set hnsw options: %w", err)
		}
	}
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("nearest photos: %w", err)
	}
	defer rows.Close()
	hits := make([]vecHit, 0, q.k)
	for rows.Next() {
		var h vecHit
		var dist float64
		if err := rows.Scan(&h.photoID, &dist); err != nil {
			return nil, fmt.Errorf("nearest photos: %w", err)
		}
		h.sim = float32(1 - dist)
		hits = append(hits, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("nearest photos: %w", err)
	}
	return hits, tx.Commit()
}

// vectorLiteral renders v in pgvector's text form.
func vectorLiteral(v []float32) string {
	var b strings.Builder
	b.Grow(len(v) * 12)
	b.WriteByte('[')
	for i, x := range v {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatFloat(float64(x), 'g', -1, 32))
	}
	b.WriteByte(']')
	return b.String()
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
	cond, args, err := x.db.ResolvedFilterSQL(ctx, q.userID, q.filter)
	if err != nil {
		return false, err
	}
	var n int
	err = x.db.SQL().QueryRowContext(ctx, fmt.Sprintf("SELECT COUNT(*) FROM (SELECT 1 FROM photos p WHERE %s LIMIT %d) x",
		cond, albumExactBelow), args...).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("count album photos: %w", err)
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
	rows, err := x.db.SQL().QueryContext(ctx, fmt.Sprintf(`SELECT vec::text FROM embeddings
		WHERE user_id = $1 AND model = $2 AND dim = %d AND photo_id %% $3 = 0 LIMIT $4`, dim), userID, model, step, 2*n)
	if err != nil {
		return nil, fmt.Errorf("sample vectors: %w", err)
	}
	defer rows.Close()
	var out [][]float32
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, fmt.Errorf("sample vectors: %w", err)
		}
		v, err := parseVector(s)
		if err != nil {
			return nil, fmt.Errorf("sample vectors: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// parseVector reads pgvector's text form, [1,2.5,…].
func parseVector(s string) ([]float32, error) {
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	fs := strings.Split(s, ",")
	out := make([]float32, len(fs))
	for i, f := range fs {
		x, err := strconv.ParseFloat(f, 32)
		if err != nil {
			return nil, err
		}
		out[i] = float32(x)
	}
	return out, nil
}
