package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/targetvision/targetvision/internal/ratelimit"
)

// RateBuckets are token buckets kept in the database (table rate_limits),
// so every process on one Postgres spends from the same budget. Each call is
// one statement: an UPSERT that runs GCRA's step on the key's row under the
// row's lock, so concurrent callers of any process see each other's tokens
// (a refused Take costs a second, reading statement). The clock is the
// store's (Options.Now), so processes on several hosts need synchronised
// clocks, as the job queue's leases already do.
type RateBuckets struct{ s *DB }

var _ ratelimit.Buckets = (*RateBuckets)(nil)

// RateBuckets returns the database's token buckets.
func (s *DB) RateBuckets() *RateBuckets { return &RateBuckets{s: s} }

// greatest is the dialect's two-argument maximum.
func (s *DB) greatest() string {
	if s.dialect == SQLite {
		return "MAX"
	}
	return "GREATEST"
}

// Take implements ratelimit.Buckets.
func (b *RateBuckets) Take(ctx context.Context, key string, l ratelimit.Limit) (bool, time.Duration, error) {
	if err := l.Validate(); err != nil {
		return false, 0, err
	}
	s := b.s
	now := s.now().UnixMicro()
	every, tol := l.Every.Microseconds(), l.Tolerance().Microseconds()
	var tat int64
	err := s.db.QueryRowContext(ctx, `INSERT INTO rate_limits (key, tat) VALUES ($1, $3)
		ON CONFLICT (key) DO UPDATE SET tat = `+s.greatest()+`(rate_limits.tat, $2) + $4
		WHERE rate_limits.tat - $2 <= $5
		RETURNING tat`, key, now, now+every, every, tol).Scan(&tat)
	if err == nil {
		return true, 0, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return false, 0, fmt.Errorf("store: take a token of %s: %w", key, err)
	}
	// Refused: say when the next token is due.
	if err := s.db.QueryRowContext(ctx, "SELECT tat FROM rate_limits WHERE key = $1", key).Scan(&tat); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return false, 0, nil // reset meanwhile: try again at once
		}
		return false, 0, fmt.Errorf("store: take a token of %s: %w", key, err)
	}
	return false, max(0, time.Duration(tat-now-tol)*time.Microsecond), nil
}

// Reserve implements ratelimit.Buckets.
func (b *RateBuckets) Reserve(ctx context.Context, key string, l ratelimit.Limit) (time.Duration, error) {
	if err := l.Validate(); err != nil {
		return 0, err
	}
	s := b.s
	now := s.now().UnixMicro()
	every, tol := l.Every.Microseconds(), l.Tolerance().Microseconds()
	var tat int64
	err := s.db.QueryRowContext(ctx, `INSERT INTO rate_limits (key, tat) VALUES ($1, $3)
		ON CONFLICT (key) DO UPDATE SET tat = `+s.greatest()+`(rate_limits.tat, $2) + $4
		RETURNING tat`, key, now, now+every, every).Scan(&tat)
	if err != nil {
		return 0, fmt.Errorf("store: reserve a token of %s: %w", key, err)
	}
	return max(0, time.Duration(tat-every-now-tol)*time.Microsecond), nil
}

// Hold implements ratelimit.Buckets.
func (b *RateBuckets) Hold(ctx context.Context, key string, l ratelimit.Limit, until time.Time) error {
	if err := l.Validate(); err != nil {
		return err
	}
	s := b.s
	_, err := s.db.ExecContext(ctx, `INSERT INTO rate_limits (key, tat) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET tat = `+s.greatest()+`(rate_limits.tat, $2)`, key, ratelimit.HoldTAT(l, until).UnixMicro())
	if err != nil {
		return fmt.Errorf("store: hold %s: %w", key, err)
	}
	return nil
}

// Reset implements ratelimit.Buckets.
func (b *RateBuckets) Reset(ctx context.Context, key string) error {
	if _, err := b.s.db.ExecContext(ctx, "DELETE FROM rate_limits WHERE key = $1", key); err != nil {
		return fmt.Errorf("store: reset %s: %w", key, err)
	}
	return nil
}

// Prune deletes the buckets that are full again (a full bucket and no row
// are the same), so the table holds only the keys active within their
// refill period, and returns how many it deleted.
func (b *RateBuckets) Prune(ctx context.Context) (int64, error) {
	res, err := b.s.db.ExecContext(ctx, "DELETE FROM rate_limits WHERE tat < $1", b.s.now().UnixMicro())
	if err != nil {
		return 0, fmt.Errorf("store: prune rate limits: %w", err)
	}
	return res.RowsAffected()
}
