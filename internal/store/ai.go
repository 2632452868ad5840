package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math"
	"time"

	"github.com/pgvector/pgvector-go"
)

const aiCols = `photo_id, user_id, model, prompt_version, description, keywords, objects, scene, text_in_image,
	people_count, colors, input_tokens, output_tokens, cost_usd, created_at`

// SaveAIMetadata stores (or replaces) a photo's description and refreshes its
// full-text document at once, so a described photo is searchable by its
// description the moment the job finishes.
func (s *DB) SaveAIMetadata(ctx context.Context, m AIMetadata) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var owner int64
		if err := tx.QueryRowContext(ctx, "SELECT user_id FROM photos WHERE user_id = $1 AND id = $2", m.UserID, m.PhotoID).Scan(&owner); err != nil {
			return notFound(fmt.Sprintf("ai metadata of photo %d", m.PhotoID), err)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO ai_metadata (`+aiCols+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
			ON CONFLICT (photo_id) DO UPDATE SET model = excluded.model, prompt_version = excluded.prompt_version,
			  description = excluded.description, keywords = excluded.keywords, objects = excluded.objects,
			  scene = excluded.scene, text_in_image = excluded.text_in_image, people_count = excluded.people_count,
			  colors = excluded.colors, input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens,
			  cost_usd = excluded.cost_usd, created_at = excluded.created_at`,
			m.PhotoID, m.UserID, m.Model, m.PromptVersion, m.Description, encodeList(m.Keywords), encodeList(m.Objects),
			m.Scene, m.TextInImage, m.PeopleCount, encodeList(m.Colors), m.InputTokens, m.OutputTokens, m.CostUSD, s.ts(s.now()))
		if err != nil {
			return fmt.Errorf("store: save ai metadata of photo %d: %w", m.PhotoID, err)
		}
		return s.refreshSearch(ctx, tx, m.UserID, m.PhotoID)
	})
}

// AIMetadata returns the description of one of the user's photos.
func (s *DB) AIMetadata(ctx context.Context, userID, photoID int64) (AIMetadata, error) {
	ms, err := s.AIMetadataFor(ctx, userID, []int64{photoID})
	if err != nil {
		return AIMetadata{}, err
	}
	m, ok := ms[photoID]
	if !ok {
		return AIMetadata{}, fmt.Errorf("store: ai metadata of photo %d: %w", photoID, ErrNotFound)
	}
	return m, nil
}

// AIMetadataFor returns the descriptions of the given photos of the user that
// have one, by photo id.
func (s *DB) AIMetadataFor(ctx context.Context, userID int64, photoIDs []int64) (map[int64]AIMetadata, error) {
	out := map[int64]AIMetadata{}
	if len(photoIDs) == 0 {
		return out, nil
	}
	args := []any{userID}
	for _, id := range photoIDs {
		args = append(args, id)
	}
	rows, err := s.db.QueryContext(ctx, "SELECT "+aiCols+" FROM ai_metadata WHERE user_id = $1 AND photo_id IN ("+placeholders(2, len(photoIDs))+")", args...)
	if err != nil {
		return nil, fmt.Errorf("store: ai metadata: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var m AIMetadata
		var kw, obj, col string
		if err := rows.Scan(&m.PhotoID, &m.UserID, &m.Model, &m.PromptVersion, &m.Description, &kw, &obj, &m.Scene,
			&m.TextInImage, &m.PeopleCount, &col, &m.InputTokens, &m.OutputTokens, &m.CostUSD, tm(&m.CreatedAt)); err != nil {
			return nil, fmt.Errorf("store: ai metadata: %w", err)
		}
		for _, l := range []struct {
			s   string
			dst *[]string
		}{{kw, &m.Keywords}, {obj, &m.Objects}, {col, &m.Colors}} {
			if err := decodeList(l.s, l.dst); err != nil {
				return nil, err
			}
		}
		out[m.PhotoID] = m
	}
	return out, rows.Err()
}

// SaveEmbedding stores (or replaces) a photo's vector for a model.
func (s *DB) SaveEmbedding(ctx context.Context, e Embedding) error {
	res, err := s.db.ExecContext(ctx, `INSERT INTO embeddings (photo_id, model, user_id, dim, vec)
		SELECT id, $1, user_id, $2, $3 FROM photos WHERE user_id = $4 AND id = $5
		ON CONFLICT (photo_id, model) DO UPDATE SET dim = excluded.dim, vec = excluded.vec`,
		e.Model, len(e.Vector), s.vec(e.Vector), e.UserID, e.PhotoID)
	return affected(res, err, fmt.Sprintf("save embedding of photo %d", e.PhotoID))
}

// Embedding returns a photo's vector for a model.
func (s *DB) Embedding(ctx context.Context, userID, photoID int64, model string) ([]float32, error) {
	var raw any
	err := s.db.QueryRowContext(ctx, "SELECT vec FROM embeddings WHERE user_id = $1 AND photo_id = $2 AND model = $3",
		userID, photoID, model).Scan(&raw)
	if err != nil {
		return nil, notFound(fmt.Sprintf("embedding of photo %d", photoID), err)
	}
	return s.unvec(raw)
}

// ScanEmbeddings calls fn for every stored vector of a model, across users
// (the in-process vector index loads itself with it; it keeps the user id
// with each vector and filters by it at query time).
func (s *DB) ScanEmbeddings(ctx context.Context, model string, fn func(userID, photoID int64, vec []float32) error) error {
	rows, err := s.db.QueryContext(ctx, "SELECT user_id, photo_id, vec FROM embeddings WHERE model = $1 ORDER BY photo_id", model)
	if err != nil {
		return fmt.Errorf("store: scan embeddings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var uid, pid int64
		var raw any
		if err := rows.Scan(&uid, &pid, &raw); err != nil {
			return fmt.Errorf("store: scan embeddings: %w", err)
		}
		v, err := s.unvec(raw)
		if err != nil {
			return err
		}
		if err := fn(uid, pid, v); err != nil {
			return err
		}
	}
	return rows.Err()
}

// vec encodes a vector: little-endian float32 bytes on SQLite, a pgvector
// value on Postgres.
func (s *DB) vec(v []float32) any {
	if s.dialect == SQLite {
		b := make([]byte, 4*len(v))
		for i, x := range v {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
		}
		return b
	}
	return pgvector.NewVector(v)
}

func (s *DB) unvec(raw any) ([]float32, error) {
	var b []byte
	switch x := raw.(type) {
	case []byte:
		b = x
	case string:
		b = []byte(x)
	default:
		return nil, fmt.Errorf("store: cannot decode vector of type %T", raw)
	}
	if s.dialect == SQLite {
		if len(b)%4 != 0 {
			return nil, fmt.Errorf("store: vector blob of %d bytes", len(b))
		}
		v := make([]float32, len(b)/4)
		for i := range v {
			v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
		return v, nil
	}
	var pv pgvector.Vector
	if err := pv.Scan(b); err != nil {
		return nil, fmt.Errorf("store: decode vector: %w", err)
	}
	return pv.Slice(), nil
}

// AICostSince sums the user's description spend and counts described
// photos since a time (the month-to-date figure the UI shows).
func (s *DB) AICostSince(ctx context.Context, userID int64, since time.Time) (float64, int, error) {
	var cost float64
	var n int
	err := s.db.QueryRowContext(ctx, "SELECT COALESCE(SUM(cost_usd), 0), COUNT(*) FROM ai_metadata WHERE user_id = $1 AND created_at >= $2",
		userID, s.ts(since)).Scan(&cost, &n)
	if err != nil {
		return 0, 0, fmt.Errorf("store: ai cost: %w", err)
	}
	return cost, n, nil
}
