package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// APIToken is a token a script authenticates with. Only the digest of the
// token is stored; the token itself is shown once, when it is made.
type APIToken struct {
	ID     int64
	UserID int64
	// Name says what the token is for ("backup script").
	Name string
	// Digest is the token's SHA-256 (auth.APITokenDigest), how it is found.
	Digest string
	// Hint is the token's first characters, so its owner can tell tokens
	// apart without the store keeping the token.
	Hint string
	// ReadOnly tokens may only read (GET); others may also change things.
	ReadOnly   bool
	CreatedAt  time.Time
	LastUsedAt time.Time // zero if never used
}

// tokenUsedEvery is how stale LastUsedAt may get before a use writes it again.
const tokenUsedEvery = time.Minute

const tokenCols = "id, user_id, name, digest, hint, read_only, created_at, last_used_at"

func scanToken(row interface{ Scan(...any) error }, x *APIToken) error {
	return row.Scan(&x.ID, &x.UserID, &x.Name, &x.Digest, &x.Hint, &x.ReadOnly, tm(&x.CreatedAt), tm(&x.LastUsedAt))
}

// CreateAPIToken records a token of x.UserID (its digest, never the
// token). A digest already taken is ErrConflict.
func (s *DB) CreateAPIToken(ctx context.Context, x APIToken) (APIToken, error) {
	var out APIToken
	err := scanToken(s.db.QueryRowContext(ctx,
		"INSERT INTO api_tokens (user_id, name, digest, hint, read_only, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING "+tokenCols,
		x.UserID, x.Name, x.Digest, x.Hint, x.ReadOnly, s.ts(s.now())), &out)
	switch {
	case isUnique(err):
		return APIToken{}, fmt.Errorf("store: create API token: %w", ErrConflict)
	case isForeignKey(err):
		return APIToken{}, fmt.Errorf("store: create API token of user %d: %w", x.UserID, ErrNotFound)
	case err != nil:
		return APIToken{}, fmt.Errorf("store: create API token: %w", err)
	}
	return out, nil
}

// APITokens lists the user's tokens, newest first.
func (s *DB) APITokens(ctx context.Context, userID int64) ([]APIToken, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+tokenCols+" FROM api_tokens WHERE user_id = $1 ORDER BY id DESC", userID)
	if err != nil {
		return nil, fmt.Errorf("store: list API tokens: %w", err)
	}
	defer rows.Close()
	var out []APIToken
	for rows.Next() {
		var x APIToken
		if err := scanToken(rows, &x); err != nil {
			return nil, fmt.Errorf("store: list API tokens: %w", err)
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// DeleteAPIToken revokes one of the user's tokens: it stops working at
// once. Another user's token is ErrNotFound.
func (s *DB) DeleteAPIToken(ctx context.Context, userID, id int64) error {
	res, err := s.db.ExecContext(ctx, "DELETE FROM api_tokens WHERE id = $1 AND user_id = $2", id, userID)
	return affected(res, err, fmt.Sprintf("revoke API token %d", id))
}

// APITokenByDigest finds the token with this digest, if its account is
// not disabled, and notes the use (at most every minute). An unknown or
// revoked token, or one of a disabled account, is ErrNotFound.
func (s *DB) APITokenByDigest(ctx context.Context, digest string) (APIToken, error) {
	var x APIToken
	err := scanToken(s.db.QueryRowContext(ctx, "SELECT "+prefixed("t.", tokenCols)+
		" FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.digest = $1 AND u.disabled_at IS NULL", digest), &x)
	if errors.Is(err, sql.ErrNoRows) {
		return APIToken{}, fmt.Errorf("store: API token: %w", ErrNotFound)
	}
	if err != nil {
		return APIToken{}, fmt.Errorf("store: API token: %w", err)
	}
	if now := s.now(); now.Sub(x.LastUsedAt) >= tokenUsedEvery {
		if _, err := s.db.ExecContext(ctx, "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2", s.ts(now), x.ID); err != nil {
			return APIToken{}, fmt.Errorf("store: note API token use: %w", err)
		}
		x.LastUsedAt = now
	}
	return x, nil
}

// prefixed qualifies each of the comma-separated columns with p.
func prefixed(p, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}
