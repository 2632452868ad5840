package store

import (
	"context"
	"fmt"
	"time"
)

const sourceCols = "id, user_id, kind, name, path, token, cursor, status, last_error, last_synced_at, settings, created_at"

func scanSource(row interface{ Scan(...any) error }, src *Source) error {
	return row.Scan(&src.ID, &src.UserID, &src.Kind, &src.Name, &src.Path, &src.Token, &src.Cursor,
		&src.Status, &src.LastError, tm(&src.LastSyncedAt), &src.Settings, tm(&src.CreatedAt))
}

// CreateSource adds a source for src.UserID, or returns the existing one with
// the same kind and name (adding a folder twice is not an error).
func (s *DB) CreateSource(ctx context.Context, src Source) (Source, error) {
	if src.Status == "" {
		src.Status = SourceOK
	}
	var out Source
	err := scanSource(s.db.QueryRowContext(ctx,
		`INSERT INTO sources (user_id, kind, name, path, token, settings, status, created_at)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		 ON CONFLICT (user_id, kind, name) DO UPDATE SET path = excluded.path
		 RETURNING `+sourceCols,
		src.UserID, src.Kind, src.Name, src.Path, src.Token, src.Settings, src.Status, s.ts(s.now())), &out)
	if err != nil {
		return Source{}, fmt.Errorf("store: create source: %w", err)
	}
	return out, nil
}

// Source returns one of the user's sources.
func (s *DB) Source(ctx context.Context, userID, id int64) (Source, error) {
	var src Source
	err := scanSource(s.db.QueryRowContext(ctx, "SELECT "+sourceCols+" FROM sources WHERE user_id = $1 AND id = $2", userID, id), &src)
	if err != nil {
		return Source{}, notFound(fmt.Sprintf("source %d", id), err)
	}
	return src, nil
}

// Sources lists the user's sources, oldest first.
func (s *DB) Sources(ctx context.Context, userID int64) ([]Source, error) {
	return s.querySources(ctx, "WHERE user_id = $1 ORDER BY id", userID)
}

// AllSources lists every user's sources: the periodic sync scheduler walks
// them and acts on each with its own user id.
func (s *DB) AllSources(ctx context.Context) ([]Source, error) {
	return s.querySources(ctx, "ORDER BY id")
}

func (s *DB) querySources(ctx context.Context, tail string, args ...any) ([]Source, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+sourceCols+" FROM sources "+tail, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list sources: %w", err)
	}
	defer rows.Close()
	var out []Source
	for rows.Next() {
		var src Source
		if err := scanSource(rows, &src); err != nil {
			return nil, fmt.Errorf("store: list sources: %w", err)
		}
		out = append(out, src)
	}
	return out, rows.Err()
}

// SetSourceStatus records a source's state as the user sees it. A zero
// syncedAt leaves the last sync time as it was.
func (s *DB) SetSourceStatus(ctx context.Context, userID, id int64, status, lastError string, syncedAt time.Time) error {
	res, err := s.db.ExecContext(ctx,
		`UPDATE sources SET status = $1, last_error = $2, last_synced_at = COALESCE($3, last_synced_at)
		 WHERE user_id = $4 AND id = $5`, status, lastError, s.ts(syncedAt), userID, id)
	return affected(res, err, fmt.Sprintf("set source %d status", id))
}

// SetSourceCursor saves a source's incremental-sync state.
func (s *DB) SetSourceCursor(ctx context.Context, userID, id int64, cursor []byte) error {
	res, err := s.db.ExecContext(ctx, "UPDATE sources SET cursor = $1 WHERE user_id = $2 AND id = $3", cursor, userID, id)
	return affected(res, err, fmt.Sprintf("set source %d cursor", id))
}

// SetSourceToken saves a source's encrypted OAuth token (nil clears it).
func (s *DB) SetSourceToken(ctx context.Context, userID, id int64, token []byte) error {
	res, err := s.db.ExecContext(ctx, "UPDATE sources SET token = $1 WHERE user_id = $2 AND id = $3", token, userID, id)
	return affected(res, err, fmt.Sprintf("set source %d token", id))
}

// SetSourceSettings saves a source's settings JSON.
func (s *DB) SetSourceSettings(ctx context.Context, userID, id int64, settings []byte) error {
	res, err := s.db.ExecContext(ctx, "UPDATE sources SET settings = $1 WHERE user_id = $2 AND id = $3", settings, userID, id)
	return affected(res, err, fmt.Sprintf("set source %d settings", id))
}

// affected turns an UPDATE that touched no row into ErrNotFound.
func affected(res interface{ RowsAffected() (int64, error) }, err error, what string) error {
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("store: %s: %w", what, ErrNotFound)
	}
	return nil
}
