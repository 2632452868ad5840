package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Session is one signed-in browser or client. The signed session token the
// client holds names it by ID; deleting the row ends the session at once,
// whatever the token's own expiry says.
type Session struct {
	ID         string
	UserID     int64
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	// UserAgent and IP describe where the session was started, so its owner
	// can tell their sessions apart in the list.
	UserAgent string
	IP        string
}

// sessionSeenEvery is how stale LastSeenAt may get before a request writes
// it again: the list needs minutes, not every request's write.
const sessionSeenEvery = 5 * time.Minute

const sessionCols = "id, user_id, created_at, last_seen_at, expires_at, user_agent, ip"

func scanSession(row interface{ Scan(...any) error }, x *Session) error {
	return row.Scan(&x.ID, &x.UserID, tm(&x.CreatedAt), tm(&x.LastSeenAt), tm(&x.ExpiresAt), &x.UserAgent, &x.IP)
}

// CreateSession records a new session, and forgets the user's expired ones.
func (s *DB) CreateSession(ctx context.Context, x Session) error {
	now := s.now()
	if x.CreatedAt.IsZero() {
		x.CreatedAt = now
	}
	if x.LastSeenAt.IsZero() {
		x.LastSeenAt = x.CreatedAt
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = $1 AND expires_at <= $2", x.UserID, s.ts(now)); err != nil {
			return fmt.Errorf("store: prune sessions: %w", err)
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO sessions ("+sessionCols+") VALUES ($1, $2, $3, $4, $5, $6, $7)",
			x.ID, x.UserID, s.ts(x.CreatedAt), s.ts(x.LastSeenAt), s.ts(x.ExpiresAt), x.UserAgent, x.IP)
		if isUnique(err) {
			return fmt.Errorf("store: create session: %w", ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("store: create session: %w", err)
		}
		return nil
	})
}

// SessionActive reports whether the session exists, belongs to userID,
// has not expired and its account is not disabled: false means it was
// signed out, revoked, its account disabled, or it never existed. It notes the use, at most every few minutes.
func (s *DB) SessionActive(ctx context.Context, userID int64, id string) (bool, error) {
	var seen, expires time.Time
	err := s.db.QueryRowContext(ctx, `SELECT x.last_seen_at, x.expires_at FROM sessions x JOIN users u ON u.id = x.user_id
		WHERE x.id = $1 AND x.user_id = $2 AND u.disabled_at IS NULL`, id, userID).
		Scan(tm(&seen), tm(&expires))
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: session: %w", err)
	}
	now := s.now()
	if !now.Before(expires) {
		return false, nil
	}
	if now.Sub(seen) >= sessionSeenEvery {
		if _, err := s.db.ExecContext(ctx, "UPDATE sessions SET last_seen_at = $1 WHERE id = $2", s.ts(now), id); err != nil {
			return false, fmt.Errorf("store: note session use: %w", err)
		}
	}
	return true, nil
}

// ExtendSession moves a session's expiry (a sliding session was re-issued).
func (s *DB) ExtendSession(ctx context.Context, userID int64, id string, expires time.Time) error {
	res, err := s.db.ExecContext(ctx, "UPDATE sessions SET expires_at = $1 WHERE id = $2 AND user_id = $3", s.ts(expires), id, userID)
	return affected(res, err, "extend session")
}

// Sessions lists the user's unexpired sessions, most recently used first.
func (s *DB) Sessions(ctx context.Context, userID int64) ([]Session, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+sessionCols+" FROM sessions WHERE user_id = $1 AND expires_at > $2 ORDER BY last_seen_at DESC, id",
		userID, s.ts(s.now()))
	if err != nil {
		return nil, fmt.Errorf("store: sessions: %w", err)
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		var x Session
		if err := scanSession(rows, &x); err != nil {
			return nil, fmt.Errorf("store: sessions: %w", err)
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// DeleteSession ends one of the user's sessions; another user's session id
// is ErrNotFound.
func (s *DB) DeleteSession(ctx context.Context, userID int64, id string) error {
	res, err := s.db.ExecContext(ctx, "DELETE FROM sessions WHERE id = $1 AND user_id = $2", id, userID)
	return affected(res, err, "delete session")
}

// DeleteSessions ends every session of the user except keep ("" keeps
// none) and returns how many ended.
func (s *DB) DeleteSessions(ctx context.Context, userID int64, keep string) (int, error) {
	res, err := s.db.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = $1 AND id <> $2", userID, keep)
	if err != nil {
		return 0, fmt.Errorf("store: delete sessions: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}
