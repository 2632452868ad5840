package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"
)

const sourceCols = "id, user_id, kind, name, path, token, cursor, status, last_error, last_synced_at, settings, created_at, " +
	"writeback_keywords, writeback_captions, writeback_dry_run, writeback_albums"

func scanSource(row interface{ Scan(...any) error }, src *Source) error {
	return row.Scan(&src.ID, &src.UserID, &src.Kind, &src.Name, &src.Path, &src.Token, &src.Cursor,
		&src.Status, &src.LastError, tm(&src.LastSyncedAt), &src.Settings, tm(&src.CreatedAt),
		&src.WriteBack.Keywords, &src.WriteBack.Captions, &src.WriteBack.DryRun, &src.WriteBack.Albums)
}

// CreateSource adds a source for src.UserID, or returns the existing one with
// the same kind and name (adding a folder twice is not an error).
func (s *DB) CreateSource(ctx context.Context, src Source) (Source, error) {
	if src.Status == "" {
		src.Status = SourceOK
	}
	var out Source
	err := scanSource(s.db.QueryRowContext(ctx,
		`INSERT INTO sources (user_id, kind, name, path, token, settings, status, created_at,
			writeback_keywords, writeback_captions, writeback_dry_run, writeback_albums)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		 ON CONFLICT (user_id, kind, name) DO UPDATE SET path = excluded.path
		 RETURNING `+sourceCols,
		src.UserID, src.Kind, src.Name, src.Path, src.Token, src.Settings, src.Status, s.ts(s.now()),
		src.WriteBack.Keywords, src.WriteBack.Captions, src.WriteBack.DryRun, src.WriteBack.Albums), &out)
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

// SetSourceSettings saves a source's kind-specific settings JSON (a
// folder's exclude patterns); write-back has its own SetSourceWriteBack.
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

// DeleteSource removes one of the user's sources with everything that came
// from it: its albums, photos, AI metadata, embeddings, full-text entries,
// skipped-file records, SmugMug state (the sealed OAuth token is on the
// source row) and the jobs queued for it. The describe ledger is kept, so
// adding the same photos again costs nothing. It returns the ids of the
// photos removed, so the caller can delete their thumbnails and renditions.
// A job already running for one of them finds its photo gone and stops.
func (s *DB) DeleteSource(ctx context.Context, userID, id int64) ([]int64, error) {
	var ids []int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, "SELECT 1 FROM sources WHERE user_id = $1 AND id = $2", userID, id).Scan(&one); err != nil {
			return notFound(fmt.Sprintf("source %d", id), err)
		}
		var err error
		ids, err = queryIDs(ctx, tx, "SELECT id FROM photos WHERE user_id = $1 AND source_id = $2 ORDER BY id", userID, id)
		if err != nil {
			return fmt.Errorf("store: delete source %d: %w", id, err)
		}
		stmts := []string{
			`DELETE FROM jobs WHERE user_id = $1 AND state <> 'running' AND
			   (photo_id IN (SELECT id FROM photos WHERE user_id = $1 AND source_id = $2) OR dedupe_key = $3)`,
		}
		if s.dialect == SQLite {
			stmts = append(stmts, "DELETE FROM photo_fts WHERE rowid IN (SELECT id FROM photos WHERE user_id = $1 AND source_id = $2)")
		}
		stmts = append(stmts, "DELETE FROM sources WHERE user_id = $1 AND id = $2")
		for _, q := range stmts {
			args := []any{userID, id}
			if strings.Contains(q, "$3") {
				args = append(args, "sync:"+strconv.FormatInt(id, 10))
			}
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return fmt.Errorf("store: delete source %d: %w", id, err)
			}
		}
		return nil
	})
	if err == nil {
		s.jobsChanged(userID)
	}
	return ids, err
}

// SetSkippedFiles replaces the record of the files a sync of the source
// found and did not make photos of.
func (s *DB) SetSkippedFiles(ctx context.Context, userID, sourceID int64, files []SkippedFile) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM skipped_files WHERE user_id = $1 AND source_id = $2", userID, sourceID); err != nil {
			return fmt.Errorf("store: skipped files: %w", err)
		}
		for _, f := range files {
			if _, err := tx.ExecContext(ctx, `INSERT INTO skipped_files (source_id, user_id, path, reason) VALUES ($1, $2, $3, $4)
				ON CONFLICT (source_id, path) DO UPDATE SET reason = excluded.reason`, sourceID, userID, f.Path, f.Reason); err != nil {
				return fmt.Errorf("store: skipped files: %w", err)
			}
		}
		return nil
	})
}

// FileIssue is one file of a source that is not a complete photo: skipped
// by the sync, failed, or a photo without pixels.
type FileIssue struct {
	Path   string
	Reason string // an Issue constant
	// Detail is the full error of a failed photo; empty for skipped files.
	Detail string
	// PhotoID is set when the file is a photo (failed or without preview).
	PhotoID int64
}

// FileIssues lists every file of the user's source that is not a complete
// photo, by path: the sync's skipped files and the photos with an issue.
func (s *DB) FileIssues(ctx context.Context, userID, sourceID int64) ([]FileIssue, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT path, reason, '', 0 FROM skipped_files WHERE user_id = $1 AND source_id = $2
		UNION ALL SELECT source_key, issue, error, id FROM photos WHERE user_id = $1 AND source_id = $2 AND issue <> ''
		ORDER BY 1`, userID, sourceID)
	if err != nil {
		return nil, fmt.Errorf("store: file issues: %w", err)
	}
	defer rows.Close()
	var out []FileIssue
	for rows.Next() {
		var f FileIssue
		if err := rows.Scan(&f.Path, &f.Reason, &f.Detail, &f.PhotoID); err != nil {
			return nil, fmt.Errorf("store: file issues: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// AbsorbSource moves every album and photo of the user's source from into
// source to, whose folder contains from's at prefix (a slash-separated
// path relative to to's root), and deletes from. Photos keep their ids,
// descriptions and embeddings, so adding a folder above an indexed one
// costs nothing and duplicates nothing.
func (s *DB) AbsorbSource(ctx context.Context, userID, fromID, toID int64, prefix string) error {
	prefix = strings.Trim(prefix, "/")
	if prefix == "" || fromID == toID {
		return fmt.Errorf("store: absorb source %d into %d: %w", fromID, toID, ErrConflict)
	}
	defer s.jobsChanged(userID)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		n := 0
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM sources WHERE user_id = $1 AND id IN ($2, $3)", userID, fromID, toID).Scan(&n); err != nil {
			return fmt.Errorf("store: absorb source %d: %w", fromID, err)
		}
		if n != 2 {
			return fmt.Errorf("store: absorb source %d into %d: %w", fromID, toID, ErrNotFound)
		}
		// The key a moved album or photo gets in the target, as SQL on
		// the column k.
		at := func(k string) string { return "CASE WHEN " + k + " = '.' THEN $4 ELSE $4 || '/' || " + k + " END" }
		type stmt struct {
			q    string
			args []any
		}
		all := []any{userID, fromID, toID, prefix}
		stmts := []stmt{
			// An album the target already has under the same key (an
			// earlier sync of the parent) takes the moved photos; the moved
			// album goes.
			{`UPDATE photos SET album_id = (SELECT t.id FROM albums t, albums f WHERE f.id = photos.album_id AND t.source_id = $3
			   AND t.key = ` + at("f.key") + `)
			 WHERE user_id = $1 AND source_id = $2 AND album_id IN (SELECT f.id FROM albums f WHERE f.source_id = $2 AND EXISTS
			   (SELECT 1 FROM albums t WHERE t.source_id = $3 AND t.key = ` + at("f.key") + `))`, all},
			{`DELETE FROM albums WHERE user_id = $1 AND source_id = $2 AND EXISTS (SELECT 1 FROM albums t WHERE t.source_id = $3
			   AND t.key = ` + at("albums.key") + `)`, all},
			{`UPDATE albums SET source_id = $3, key = ` + at("key") + ` WHERE user_id = $1 AND source_id = $2`, all},
		}
		// Photos the target already has at the same key are the same files
		// seen twice: the target's copies go, the moved ones (with their
		// descriptions) stay.
		dup := `SELECT id FROM photos WHERE user_id = $1 AND source_id = $3 AND source_key IN
			   (SELECT $4 || '/' || source_key FROM photos WHERE user_id = $1 AND source_id = $2)`
		if s.dialect == SQLite {
			stmts = append(stmts, stmt{"DELETE FROM photo_fts WHERE rowid IN (" + dup + ")", all})
		}
		stmts = append(stmts,
			stmt{"DELETE FROM photos WHERE id IN (" + dup + ")", all},
			stmt{`UPDATE photos SET source_id = $3, source_key = $4 || '/' || source_key WHERE user_id = $1 AND source_id = $2`, all},
			stmt{`DELETE FROM jobs WHERE user_id = $1 AND state <> 'running' AND dedupe_key = $2`,
				[]any{userID, "sync:" + strconv.FormatInt(fromID, 10)}},
			stmt{`DELETE FROM sources WHERE user_id = $1 AND id = $2`, []any{userID, fromID}},
		)
		for _, st := range stmts {
			if _, err := tx.ExecContext(ctx, st.q, st.args...); err != nil {
				return fmt.Errorf("store: absorb source %d into %d: %w", fromID, toID, err)
			}
		}
		return nil
	})
}

// SourceStats is what the source list shows of each source's contents.
type SourceStats struct {
	Photos int
	// Issues counts the files that are not complete photos, by reason.
	Issues map[string]int
}

// SourceStats counts the photos and file issues of every source of the
// user, in one pass each, for the source list (not a query per source).
func (s *DB) SourceStats(ctx context.Context, userID int64) (map[int64]SourceStats, error) {
	out := map[int64]SourceStats{}
	get := func(id int64) SourceStats {
		st, ok := out[id]
		if !ok {
			st = SourceStats{Issues: map[string]int{}}
		}
		return st
	}
	rows, err := s.db.QueryContext(ctx, `SELECT source_id, '', COUNT(*) FROM photos WHERE user_id = $1 GROUP BY source_id
		UNION ALL SELECT source_id, issue, COUNT(*) FROM photos WHERE user_id = $1 AND issue <> '' GROUP BY source_id, issue
		UNION ALL SELECT source_id, reason, COUNT(*) FROM skipped_files WHERE user_id = $1 GROUP BY source_id, reason`, userID)
	if err != nil {
		return nil, fmt.Errorf("store: source stats: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var reason string
		var n int
		if err := rows.Scan(&id, &reason, &n); err != nil {
			return nil, fmt.Errorf("store: source stats: %w", err)
		}
		st := get(id)
		if reason == "" {
			st.Photos = n
		} else {
			st.Issues[reason] += n
		}
		out[id] = st
	}
	return out, rows.Err()
}
