package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// The describe ledger: what Claude was paid for, so nothing is paid twice.
// Values are opaque JSON owned by the claude package; the store only keys,
// orders and scopes them. User ids are the payer's id as the claude package
// writes it (the decimal user id).

// LedgerLookup returns the recorded result for a key, and whether there is one.
func (s *DB) LedgerLookup(ctx context.Context, key string) ([]byte, bool, error) {
	var v string
	err := s.db.QueryRowContext(ctx, "SELECT result FROM describe_results WHERE key = $1", key).Scan(&v)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("store: ledger lookup: %w", err)
	}
	return []byte(v), true, nil
}

// LedgerRecord stores a paid result under key (replacing any) and charges
// its cost to the user, in one transaction.
func (s *DB) LedgerRecord(ctx context.Context, key string, result []byte, userID string, at time.Time, usd float64) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: ledger record: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO describe_results (key, result, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (key) DO UPDATE SET result = excluded.result, created_at = excluded.created_at`, key, string(result), s.ts(at)); err != nil {
		return fmt.Errorf("store: ledger record: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO ai_spend (user_id, at, usd) VALUES ($1, $2, $3)", userID, s.ts(at), usd); err != nil {
		return fmt.Errorf("store: ledger record: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: ledger record: %w", err)
	}
	return nil
}

// LedgerCharge records money spent without a usable result.
func (s *DB) LedgerCharge(ctx context.Context, userID string, at time.Time, usd float64) error {
	if _, err := s.db.ExecContext(ctx, "INSERT INTO ai_spend (user_id, at, usd) VALUES ($1, $2, $3)", userID, s.ts(at), usd); err != nil {
		return fmt.Errorf("store: ledger charge: %w", err)
	}
	return nil
}

// LedgerSpent sums the user's spend at or after since.
func (s *DB) LedgerSpent(ctx context.Context, userID string, since time.Time) (float64, error) {
	if since.IsZero() {
		since = time.Unix(0, 0) // the zero time means "ever", not NULL
	}
	var usd float64
	if err := s.db.QueryRowContext(ctx, "SELECT COALESCE(SUM(usd), 0) FROM ai_spend WHERE user_id = $1 AND at >= $2",
		userID, s.ts(since)).Scan(&usd); err != nil {
		return 0, fmt.Errorf("store: ledger spent: %w", err)
	}
	return usd, nil
}

// LedgerSaveBatch stores (or replaces) a submitted batch before it is polled.
func (s *DB) LedgerSaveBatch(ctx context.Context, id string, userID string, submitted time.Time, batch []byte) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO describe_batches (id, user_id, submitted_at, batch) VALUES ($1, $2, $3, $4)
		ON CONFLICT (id) DO UPDATE SET batch = excluded.batch, submitted_at = excluded.submitted_at`, id, userID, s.ts(submitted), string(batch))
	if err != nil {
		return fmt.Errorf("store: save batch %s: %w", id, err)
	}
	return nil
}

// LedgerPendingBatches returns the user's unfinished batches, oldest first.
func (s *DB) LedgerPendingBatches(ctx context.Context, userID string) ([][]byte, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT batch FROM describe_batches WHERE user_id = $1 AND finished = $2
		ORDER BY submitted_at, id`, userID, false)
	if err != nil {
		return nil, fmt.Errorf("store: pending batches: %w", err)
	}
	defer rows.Close()
	out := [][]byte{}
	for rows.Next() {
		var b string
		if err := rows.Scan(&b); err != nil {
			return nil, fmt.Errorf("store: pending batches: %w", err)
		}
		out = append(out, []byte(b))
	}
	return out, rows.Err()
}

// LedgerFinishBatch marks a batch collected; unknown ids are not an error.
func (s *DB) LedgerFinishBatch(ctx context.Context, id string) error {
	if _, err := s.db.ExecContext(ctx, "UPDATE describe_batches SET finished = $1 WHERE id = $2", true, id); err != nil {
		return fmt.Errorf("store: finish batch %s: %w", id, err)
	}
	return nil
}
