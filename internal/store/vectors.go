package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// VectorQuery asks for a user's photos nearest to a vector under one
// embedding model.
type VectorQuery struct {
	UserID int64
	Model  string
	// Vec is the query, unit length; its length picks the index (dim).
	Vec []float32
	// K is how many photos to return at most, best first.
	K      int
	Filter Filter
	// Exclude leaves one photo out (a similar-photos query's own); 0 none.
	Exclude int64
}

// VectorHit is one neighbour: a photo and its cosine similarity.
type VectorHit struct {
	PhotoID int64
	Sim     float32
}

// VectorPlan says how NearestPhotos walks Postgres's vectors.
type VectorPlan struct {
	// Exact scans the rows that pass the filter instead of walking the
	// HNSW graph: exact, and cheaper where few rows pass.
	Exact bool
	// EfSearch is the graph walk's candidate list (≥ K; at most 1000).
	EfSearch int
	// MaxScanTuples bounds the walk's iterative scan.
	MaxScanTuples int
}

// errNotPostgres refuses a Postgres-only query on SQLite, whose vectors are
// searched in process (see EachEmbedding).
var errNotPostgres = errors.New("store: nearest photos by index is Postgres only")

// NearestPhotos returns the user's photos nearest to q.Vec, best first,
// only those passing q.Filter, on Postgres — by pgvector's HNSW index or,
// with plan.Exact, an exact scan. The migrations index each model dimension
// with a partial expression index, USING hnsw ((vec::vector(512))
// vector_cosine_ops) WHERE dim = 512, which the planner only uses when the
// query repeats that expression and predicate literally. Filters are checked
// on the embedding row itself (it carries a trigger-kept copy of its photo's
// filterable columns), and pgvector 0.8's iterative scan keeps reading the
// graph until K rows pass; relaxed_order lets it return rows slightly out of
// order, so the outer query sorts them again. The walk runs with sorting off
// (a low row estimate for a filter would otherwise make the planner sort
// every match exactly) and JIT off (disabling a node prices it at 1e10,
// which would trip JIT compilation).
func (s *DB) NearestPhotos(ctx context.Context, q VectorQuery, plan VectorPlan) ([]VectorHit, error) {
	if s.dialect != Postgres {
		return nil, errNotPostgres
	}
	query, args, err := s.nearestSQL(ctx, q, plan.Exact)
	if err != nil {
		return nil, err
	}
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("store: nearest photos: %w", err)
	}
	defer tx.Rollback()
	if !plan.Exact {
		set, sargs := annSettings(q.K, plan)
		if _, err := tx.ExecContext(ctx, set, sargs...); err != nil {
			return nil, fmt.Errorf("store: nearest photos: hnsw options: %w", err)
		}
	}
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: nearest photos: %w", err)
	}
	defer rows.Close()
	hits := make([]VectorHit, 0, q.K)
	for rows.Next() {
		var h VectorHit
		var dist float64
		if err := rows.Scan(&h.PhotoID, &dist); err != nil {
			return nil, fmt.Errorf("store: nearest photos: %w", err)
		}
		h.Sim = float32(1 - dist)
		hits = append(hits, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: nearest photos: %w", err)
	}
	return hits, tx.Commit()
}

// annSettings are the transaction-local settings of the graph walk.
func annSettings(k int, plan VectorPlan) (string, []any) {
	ef := min(max(plan.EfSearch, k), 1000)
	return `SELECT set_config('hnsw.ef_search', $1, true), set_config('hnsw.iterative_scan', 'relaxed_order', true),
		set_config('hnsw.max_scan_tuples', $2, true), set_config('enable_sort', 'off', true), set_config('jit', 'off', true)`,
		[]any{strconv.Itoa(ef), strconv.Itoa(max(plan.MaxScanTuples, 1))}
}

// nearestSQL builds the nearest-neighbour query and its arguments: the
// index-shaped walk, or (exact) the same with an ORDER BY the index cannot
// serve — driven from the photos that pass the filter when there is one.
func (s *DB) nearestSQL(ctx context.Context, q VectorQuery, exact bool) (string, []any, error) {
	dim := len(q.Vec)
	if exact && q.Filter != (Filter{}) {
		return s.exactFilteredSQL(ctx, q)
	}
	// The filter is checked on the embedding's copy of its photo's
	// columns, so the graph walk tests each candidate on the row it has
	// just read.
	cond, args, err := s.copiedFilterSQL(ctx, "e", q.UserID, q.Filter)
	if err != nil {
		return "", nil, err
	}
	args = append(args, q.Model, vectorLiteral(q.Vec), q.K)
	nModel, nVec, nK := len(args)-2, len(args)-1, len(args)
	if q.Exclude != 0 {
		args = append(args, q.Exclude)
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
func (s *DB) exactFilteredSQL(ctx context.Context, q VectorQuery) (string, []any, error) {
	dim := len(q.Vec)
	cond, args, err := s.resolvedFilterSQL(ctx, q.UserID, q.Filter)
	if err != nil {
		return "", nil, err
	}
	args = append(args, q.Model, vectorLiteral(q.Vec), q.K)
	nModel, nVec, nK := len(args)-2, len(args)-1, len(args)
	exclude := ""
	if q.Exclude != 0 {
		args = append(args, q.Exclude)
		exclude = fmt.Sprintf(" AND p.id <> $%d", len(args))
	}
	query := fmt.Sprintf(`SELECT e.photo_id, (e.vec::vector(%[3]d)) <=> $%[1]d::vector(%[3]d) AS dist
FROM photos p JOIN embeddings e ON e.photo_id = p.id AND e.model = $%[2]d AND e.dim = %[3]d
WHERE %[4]s%[5]s
ORDER BY dist, e.photo_id LIMIT $%[6]d`, nVec, nModel, dim, cond, exclude, nK)
	return query, args, nil
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

// VectorCount says how many vectors of the model and dimension the user has
// — counted up to upTo, past which the exact number does not matter — and
// about how many the table holds (Postgres's estimate; SQLite counts).
func (s *DB) VectorCount(ctx context.Context, userID int64, model string, dim, upTo int) (n, total int, err error) {
	tableSize := "(SELECT GREATEST(reltuples, 0)::bigint FROM pg_class WHERE oid = 'embeddings'::regclass)"
	if s.dialect == SQLite {
		tableSize = "(SELECT COUNT(*) FROM embeddings)"
	}
	err = s.db.QueryRowContext(ctx, fmt.Sprintf(`SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM embeddings
		WHERE user_id = $1 AND model = $2 AND dim = %d LIMIT %d) x), %s`, dim, upTo, tableSize),
		userID, model).Scan(&n, &total)
	if err != nil {
		return 0, 0, fmt.Errorf("store: count vectors: %w", err)
	}
	return n, total, nil
}

// CountPhotosUpTo counts the user's photos passing f, up to upTo.
func (s *DB) CountPhotosUpTo(ctx context.Context, userID int64, f Filter, upTo int) (int, error) {
	cond, args, err := s.resolvedFilterSQL(ctx, userID, f)
	if err != nil {
		return 0, err
	}
	var n int
	err = s.db.QueryRowContext(ctx, fmt.Sprintf("SELECT COUNT(*) FROM (SELECT 1 FROM photos p WHERE %s LIMIT %d) x", cond, upTo), args...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count photos: %w", err)
	}
	return n, nil
}

// SampleVectors returns up to limit of the user's vectors of the model and
// dimension, every step-th photo id, spread over the library (Postgres; it
// reads the user's index entries once, not every vector).
func (s *DB) SampleVectors(ctx context.Context, userID int64, model string, dim, step, limit int) ([][]float32, error) {
	if s.dialect != Postgres {
		return nil, errNotPostgres
	}
	rows, err := s.db.QueryContext(ctx, fmt.Sprintf(`SELECT vec::text FROM embeddings
		WHERE user_id = $1 AND model = $2 AND dim = %d AND photo_id %% $3 = 0 LIMIT $4`, dim), userID, model, max(step, 1), limit)
	if err != nil {
		return nil, fmt.Errorf("store: sample vectors: %w", err)
	}
	defer rows.Close()
	var out [][]float32
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, fmt.Errorf("store: sample vectors: %w", err)
		}
		v, err := parseVector(t)
		if err != nil {
			return nil, fmt.Errorf("store: sample vectors: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// EmbeddingLogHead is the newest entry of the embedding change log (0 when
// empty): an in-process index that has applied changes up to it is current.
func (s *DB) EmbeddingLogHead(ctx context.Context) (int64, error) {
	var last int64
	if err := s.db.QueryRowContext(ctx, "SELECT COALESCE(MAX(seq), 0) FROM embedding_log").Scan(&last); err != nil {
		return 0, fmt.Errorf("store: embedding log: %w", err)
	}
	return last, nil
}

// EmbeddingChanges calls fn for each photo whose vector of the model
// changed in the log entries (after, upTo]: with its current vector (stored
// as little-endian float32), or present false when it is gone.
func (s *DB) EmbeddingChanges(ctx context.Context, model string, after, upTo int64, fn func(photoID, userID int64, present bool, blob []byte)) error {
	rows, err := s.db.QueryContext(ctx, `SELECT c.photo_id, e.user_id, e.vec
		FROM (SELECT DISTINCT photo_id FROM embedding_log WHERE model = $1 AND seq > $2 AND seq <= $3) c
		LEFT JOIN embeddings e ON e.photo_id = c.photo_id AND e.model = $1`, model, after, upTo)
	if err != nil {
		return fmt.Errorf("store: embedding changes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var pid int64
		var uid sql.NullInt64
		var blob []byte
		if err := rows.Scan(&pid, &uid, &blob); err != nil {
			return fmt.Errorf("store: embedding changes: %w", err)
		}
		fn(pid, uid.Int64, uid.Valid, blob)
	}
	return rows.Err()
}

// EachEmbedding calls fn for every stored vector of the model (as
// little-endian float32 bytes, valid only during the call), in one pass
// over the table, and returns how many there were.
func (s *DB) EachEmbedding(ctx context.Context, model string, fn func(userID, photoID int64, blob []byte)) (int, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT user_id, photo_id, vec FROM embeddings WHERE model = $1", model)
	if err != nil {
		return 0, fmt.Errorf("store: embeddings of %s: %w", model, err)
	}
	defer rows.Close()
	n := 0
	var uid, pid int64
	var blob sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&uid, &pid, &blob); err != nil {
			return n, fmt.Errorf("store: embeddings of %s: %w", model, err)
		}
		fn(uid, pid, blob)
		n++
	}
	return n, rows.Err()
}

// CountEmbeddings counts the stored vectors of the model and dimension.
func (s *DB) CountEmbeddings(ctx context.Context, model string, dim int) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM embeddings WHERE model = $1 AND dim = $2", model, dim).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count embeddings: %w", err)
	}
	return n, nil
}

// PhotosPassing returns which of ids — all of the user's photos when ids
// is nil — pass the filter.
func (s *DB) PhotosPassing(ctx context.Context, userID int64, f Filter, ids []int64) (map[int64]bool, error) {
	cond, args, err := s.resolvedFilterSQL(ctx, userID, f)
	if err != nil {
		return nil, err
	}
	query := "SELECT p.id FROM photos p WHERE " + cond
	if ids != nil {
		if len(ids) == 0 {
			return map[int64]bool{}, nil
		}
		// NOT INDEXED (SQLite) leaves the planner only the rowid lookups of
		// the id list: otherwise it prefers an index on user_id and walks
		// all the user's photos, checking each against the list (15 ms
		// instead of 1 for 1,200 ids of a 20k library). Ids are integers
		// from the index: inlined rather than hundreds of parameters.
		table := "photos p"
		if s.dialect == SQLite {
			table = "photos p NOT INDEXED"
		}
		query = "SELECT p.id FROM " + table + " WHERE " + cond + " AND " + inList("p.id", ids)
	}
	got, err := queryIDs(ctx, s.db, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: photos passing a filter: %w", err)
	}
	out := make(map[int64]bool, len(got))
	for _, id := range got {
		out[id] = true
	}
	return out, nil
}

// Optimize refreshes the planner's statistics where the store keeps them
// itself: SQLite's PRAGMA optimize with a sampling limit (milliseconds).
// Without them its planner can drive the text leg's FTS join from the
// photos_user_taken index and run the match once per photo.
func (s *DB) Optimize(ctx context.Context) error {
	if s.dialect != SQLite {
		return nil
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: optimize: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA analysis_limit = 1000"); err != nil {
		return fmt.Errorf("store: optimize: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "PRAGMA optimize = 0x10002"); err != nil {
		return fmt.Errorf("store: optimize: %w", err)
	}
	return nil
}
