package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Results of a RemoteAlbumWrite.
const (
	// RemoteAlbumCreated: the album was made and every photo collected.
	RemoteAlbumCreated = "created"
	// RemoteAlbumPartial: the album was made, some photos were not collected.
	RemoteAlbumPartial = "partial"
	// RemoteAlbumFailed: no album was made (or it is not known to be).
	RemoteAlbumFailed = "failed"
)

// RemoteAlbumWrite is one album TargetVision created, or tried to create,
// on a remote source from a selection of its photos: the audit trail of
// those writes, shown to the source's owner.
type RemoteAlbumWrite struct {
	ID       int64
	UserID   int64
	SourceID int64
	// Actor is who asked: the account, and the API token when one was used.
	Actor string
	Name  string
	// AlbumKey and WebURL name the album made; empty when none was.
	AlbumKey, WebURL string
	// Photos is how many photos were asked for; Collected how many the
	// service put in the album.
	Photos, Collected int
	// Result is RemoteAlbumCreated, RemoteAlbumPartial or RemoteAlbumFailed;
	// Error says why when it is not created.
	Result, Error string
	At            time.Time
}

// RecordRemoteAlbumWrite appends an album write to the trail of one of the
// user's sources (ErrNotFound when the source is not the user's).
func (s *DB) RecordRemoteAlbumWrite(ctx context.Context, w RemoteAlbumWrite) (RemoteAlbumWrite, error) {
	if w.At.IsZero() {
		w.At = s.now()
	}
	w.At = w.At.UTC()
	err := s.db.QueryRowContext(ctx, `INSERT INTO smugmug_album_writes (user_id, source_id, actor, name, album_key, web_url,
			photo_count, collected, result, error, at)
		SELECT user_id, id, $3, $4, $5, $6, $7, $8, $9, $10, $11 FROM sources WHERE user_id = $1 AND id = $2
		RETURNING id`,
		w.UserID, w.SourceID, w.Actor, w.Name, w.AlbumKey, w.WebURL, w.Photos, w.Collected, w.Result, w.Error, s.ts(w.At)).Scan(&w.ID)
	if err != nil {
		return RemoteAlbumWrite{}, notFound(fmt.Sprintf("source %d for an album write", w.SourceID), err)
	}
	return w, nil
}

// RemoteAlbumWrites lists the album writes of one of the user's sources,
// newest first; limit ≤ 0 means all.
func (s *DB) RemoteAlbumWrites(ctx context.Context, userID, sourceID int64, limit int) ([]RemoteAlbumWrite, error) {
	q, args := withLimit(`SELECT id, user_id, source_id, actor, name, album_key, web_url, photo_count, collected, result, error, at
		FROM smugmug_album_writes WHERE user_id = $1 AND source_id = $2 ORDER BY id DESC`, []any{userID, sourceID}, limit)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list remote album writes: %w", err)
	}
	defer rows.Close()
	var out []RemoteAlbumWrite
	for rows.Next() {
		var w RemoteAlbumWrite
		if err := rows.Scan(&w.ID, &w.UserID, &w.SourceID, &w.Actor, &w.Name, &w.AlbumKey, &w.WebURL, &w.Photos, &w.Collected,
			&w.Result, &w.Error, tm(&w.At)); err != nil {
			return nil, fmt.Errorf("store: list remote album writes: %w", err)
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// RemoteImagesOfPhotos returns the remote images of the user's photos
// among ids in one source, by photo id; photos of other sources or users,
// and deleted images, are absent.
func (s *DB) RemoteImagesOfPhotos(ctx context.Context, userID, sourceID int64, ids []int64) (map[int64]RemoteImageRef, error) {
	out := make(map[int64]RemoteImageRef, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT image_key, album_key, photo_id, serial, md5, last_updated, uri, analysis_url, original_url
		FROM smugmug_images WHERE user_id = $1 AND source_id = $2 AND deleted = FALSE AND `+inList("photo_id", ids), userID, sourceID)
	if err != nil {
		return nil, fmt.Errorf("store: remote images of photos: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var im RemoteImageRef
		var orig sql.NullString
		if err := rows.Scan(&im.Key, &im.AlbumKey, &im.PhotoID, &im.Version, &im.MD5, tm(&im.LastUpdated), &im.URI, &im.AnalysisURL, &orig); err != nil {
			return nil, fmt.Errorf("store: remote images of photos: %w", err)
		}
		im.OriginalURL, im.OriginalKnown = orig.String, orig.Valid
		out[im.PhotoID] = im
	}
	return out, rows.Err()
}
