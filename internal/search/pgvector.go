package search

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/targetvision/targetvision/internal/store"
)

// pgIndex is the vector leg on Postgres: pgvector's HNSW index.
//
// The migrations index each model dimension with a partial expression index,
// USING hnsw ((vec::vector(512)) vector_cosine_ops) WHERE dim = 512. The
// planner only uses it when the query repeats that expression and predicate
// literally: ORDER BY (vec::vector(512)) <=> $q LIMIT k with dim = 512 in
// the WHERE clause. Filters on photos go in an EXISTS, which keeps the index
// scan as the ordered outer side, and pgvector 0.8's iterative scan keeps
// reading the graph until k rows pass the filters (without it a selective
// filter would leave the list short). relaxed_order lets the scan return
// slightly out of order, so the outer query sorts the k rows again.
type pgIndex struct {
	db       *store.DB
	efSearch int
}

func (x *pgIndex) warm(context.Context, string) error { return nil }

// vectorSQL builds the nearest-neighbour query and its arguments.
func (x *pgIndex) vectorSQL(q vecQuery) (string, []any) {
	dim := len(q.vec)
	cond, args := x.db.FilterSQL(q.userID, q.filter)
	args = append(args, q.model, vectorLiteral(q.vec), q.k)
	nModel, nVec, nK := len(args)-2, len(args)-1, len(args)
	var extra string
	if !filterEmpty(q.filter) {
		extra += " AND EXISTS (SELECT 1 FROM photos p WHERE p.id = e.photo_id AND " + cond + ")"
	}
	if q.exclude != 0 {
		args = append(args, q.exclude)
		extra += fmt.Sprintf(" AND e.photo_id <> $%d", len(args))
	}
	dist := fmt.Sprintf("(e.vec::vector(%d)) <=> $%d::vector(%d)", dim, nVec, dim)
	query := fmt.Sprintf(`WITH nn AS MATERIALIZED (
	SELECT e.photo_id, %[1]s AS dist FROM embeddings e
	WHERE e.dim = %[2]d AND e.model = $%[3]d AND e.user_id = $1%[4]s
	ORDER BY %[1]s LIMIT $%[5]d)
SELECT photo_id, dist FROM nn ORDER BY dist, photo_id`, dist, dim, nModel, extra, nK)
	return query, args
}

func (x *pgIndex) search(ctx context.Context, q vecQuery) ([]vecHit, error) {
	if len(q.vec) == 0 || q.k <= 0 {
		return nil, nil
	}
	query, args := x.vectorSQL(q)
	tx, err := x.db.SQL().BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	ef := max(x.efSearch, q.k)
	if _, err := tx.ExecContext(ctx, `SELECT set_config('hnsw.ef_search', $1, true), set_config('hnsw.iterative_scan', 'relaxed_order', true)`,
		strconv.Itoa(min(ef, 1000))); err != nil {
		return nil, fmt.Errorf("set hnsw options: %w", err)
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
