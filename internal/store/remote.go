package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// RemoteSource is one remote source's rows (a SmugMug account's, today) as
// its sync sees them, in the source's own terms — albums and images with
// keys — and nothing of the remote service's API: the integration's
// adapter (package smugsync) translates. Images live twice: as photo rows
// (what listings and search show) and as remote image rows (album
// membership, the deleted mark, and Version/MD5/LastUpdated for change
// detection, which the pipeline cannot overwrite). Deletes are soft while a
// sync runs, so an image seen leaving one album before it is seen arriving
// in another keeps its photo (and its paid description); FinishSync removes
// the photo rows of images still deleted when the sync completes. (The
// table is named smugmug_images for history's sake.)
type RemoteSource struct {
	db               *DB
	userID, sourceID int64
}

// Remote binds the remote sync rows to one source.
func (s *DB) Remote(src Source) *RemoteSource {
	return &RemoteSource{db: s, userID: src.UserID, sourceID: src.ID}
}

// RemoteAlbum is an album of a remote source.
type RemoteAlbum struct {
	Key, Name, WebURL string
	// UpdatedAt is when the album or its image list last changed.
	UpdatedAt time.Time
}

// RemoteImage is an image of a remote source, as a listing gave it.
type RemoteImage struct {
	// Key is stable across albums and replacements; AlbumKey is the album
	// it was listed in (how a move is stored).
	Key, AlbumKey string
	// Version is bumped by the service when the image is replaced; MD5 is
	// its content's hash when known ("" otherwise). Either changing makes
	// the photo pending for analysis again.
	Version int
	MD5     string
	// ContentHash identifies the content across sources (the ledger's key
	// for paid descriptions).
	ContentHash string
	FileName    string
	Title       string
	Caption     string
	Keywords    []string
	Taken       time.Time // zero when unknown
	Width       int
	Height      int
	Size        int64
	Format      string
	GPS         *GPS // nil when none
	LastUpdated time.Time
	// URI is the image's address in the service's API; AnalysisURL its
	// analysis rendition when the listing had it; WebURL its public page.
	URI, AnalysisURL, WebURL string
	// OriginalURL is where the untouched original is downloaded, with the
	// owner's token; "" when the service offers none to this connection.
	OriginalURL string
}

// RemoteImageBefore is an image's row before an upsert: its album and
// deleted mark, or the zero value when it was unknown.
type RemoteImageBefore struct {
	AlbumKey string
	Deleted  bool
}

// Cursor returns the source's opaque sync state (nil when never saved).
func (m *RemoteSource) Cursor(ctx context.Context) ([]byte, error) {
	var raw []byte
	err := m.db.db.QueryRowContext(ctx, "SELECT cursor FROM sources WHERE user_id = $1 AND id = $2", m.userID, m.sourceID).Scan(&raw)
	if err != nil {
		return nil, notFound(fmt.Sprintf("cursor of source %d", m.sourceID), err)
	}
	return raw, nil
}

// SetCursor durably replaces the source's sync state.
func (m *RemoteSource) SetCursor(ctx context.Context, raw []byte) error {
	return m.db.SetSourceCursor(ctx, m.userID, m.sourceID, raw)
}

// UpsertAlbum inserts or updates the album with a.Key. A renamed album
// refreshes the search documents of its photos (the album name is searchable).
func (m *RemoteSource) UpsertAlbum(ctx context.Context, a RemoteAlbum) error {
	updated := a.UpdatedAt
	return m.db.inTx(ctx, func(tx *sql.Tx) error {
		var oldName string
		err := tx.QueryRowContext(ctx, "SELECT name FROM albums WHERE source_id = $1 AND key = $2", m.sourceID, a.Key).Scan(&oldName)
		known := err == nil
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: upsert album %q: %w", a.Key, err)
		}
		var id int64
		err = tx.QueryRowContext(ctx, `INSERT INTO albums (user_id, source_id, key, name, web_url, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (source_id, key) DO UPDATE SET name = excluded.name, web_url = excluded.web_url, updated_at = excluded.updated_at
			RETURNING id`, m.userID, m.sourceID, a.Key, a.Name, a.WebURL, m.db.ts(updated)).Scan(&id)
		if err != nil {
			return fmt.Errorf("store: upsert album %q: %w", a.Key, err)
		}
		if !known || oldName == a.Name {
			return nil
		}
		ids, err := queryIDs(ctx, tx, "SELECT id FROM photos WHERE user_id = $1 AND album_id = $2", m.userID, id)
		if err != nil {
			return fmt.Errorf("store: upsert album %q: %w", a.Key, err)
		}
		for _, pid := range ids {
			if err := m.db.refreshSearch(ctx, tx, m.userID, pid); err != nil {
				return err
			}
		}
		return nil
	})
}

// AlbumKeys returns the keys of the source's albums.
func (m *RemoteSource) AlbumKeys(ctx context.Context) ([]string, error) {
	return m.keys(ctx, "SELECT key FROM albums WHERE user_id = $1 AND source_id = $2 ORDER BY key", m.userID, m.sourceID)
}

// DeleteAlbum removes the album row (a deleted album must vanish from
// listings; unknown keys are a no-op); UpsertAlbum recreates it.
func (m *RemoteSource) DeleteAlbum(ctx context.Context, albumKey string) error {
	_, err := m.db.db.ExecContext(ctx, "DELETE FROM albums WHERE user_id = $1 AND source_id = $2 AND key = $3", m.userID, m.sourceID, albumKey)
	if err != nil {
		return fmt.Errorf("store: delete album %q: %w", albumKey, err)
	}
	return nil
}

// AlbumImageKeys returns the keys of the album's images not marked deleted.
func (m *RemoteSource) AlbumImageKeys(ctx context.Context, albumKey string) ([]string, error) {
	return m.keys(ctx, "SELECT image_key FROM smugmug_images WHERE source_id = $1 AND album_key = $2 AND deleted = FALSE ORDER BY image_key",
		m.sourceID, albumKey)
}

func (m *RemoteSource) keys(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := m.db.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: remote keys: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("store: remote keys: %w", err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// queryIDs runs a query of one id column on db (the pool or a transaction).
func queryIDs(ctx context.Context, db querier, q string, args ...any) ([]int64, error) {
	return scanColumn[int64](db.QueryContext(ctx, q, args...))
}

// DeleteImages marks the album's images deleted (their photos are removed
// by FinishSync unless they are seen again first) and says how many were.
func (m *RemoteSource) DeleteImages(ctx context.Context, albumKey string, imageKeys []string) (int, error) {
	n := 0
	for chunk := range slices.Chunk(imageKeys, 500) {
		args := []any{m.sourceID, albumKey}
		for _, k := range chunk {
			args = append(args, k)
		}
		res, err := m.db.db.ExecContext(ctx, `UPDATE smugmug_images SET deleted = TRUE, pending = 'removed'
			WHERE source_id = $1 AND album_key = $2 AND deleted = FALSE AND image_key IN (`+placeholders(3, len(chunk))+")", args...)
		if err != nil {
			return n, fmt.Errorf("store: delete remote images: %w", err)
		}
		k, err := res.RowsAffected()
		if err != nil {
			return n, fmt.Errorf("store: delete remote images: %w", err)
		}
		n += int(k)
	}
	return n, nil
}

// smugImageRow is a smugmug_images row.
type smugImageRow struct {
	albumKey    string
	photoID     int64
	deleted     bool
	serial      int
	md5         string
	lastUpdated time.Time
	uri         string
	analysisURL string
	originalURL sql.NullString
	pending     string
}

// Pending marks of smugmug_images rows.
const (
	smugPendingProcess = "process"
	smugPendingRemoved = "removed"
)

// UpsertImages inserts or updates each image (and clears its deleted mark)
// in one transaction, and returns each one's row as it was before. A new
// image gets a pending photo row; an image whose Version or MD5 changed (a
// replaced photo) has its photo marked pending for re-analysis; other
// changes (LastUpdated, album, text) only update the photo's fields and
// search document, keeping what the pipeline wrote (hash, thumbnail,
// rendition, status). Photos of images new or changed are reported by
// FinishSync.
func (m *RemoteSource) UpsertImages(ctx context.Context, images []RemoteImage) ([]RemoteImageBefore, error) {
	prev := make([]RemoteImageBefore, len(images))
	if len(images) == 0 {
		return prev, nil
	}
	now := m.db.ts(m.db.now())
	err := m.db.inTx(ctx, func(tx *sql.Tx) error {
		albums := map[string]int64{}
		for i, im := range images {
			var row smugImageRow
			known := true
			err := tx.QueryRowContext(ctx, `SELECT album_key, photo_id, deleted, serial, md5, last_updated, uri, analysis_url, original_url, pending
				FROM smugmug_images WHERE source_id = $1 AND image_key = $2`, m.sourceID, im.Key).Scan(
				&row.albumKey, &row.photoID, &row.deleted, &row.serial, &row.md5, tm(&row.lastUpdated), &row.uri, &row.analysisURL,
				&row.originalURL, &row.pending)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				known = false
			case err != nil:
				return fmt.Errorf("store: upsert remote image %q: %w", im.Key, err)
			default:
				prev[i] = RemoteImageBefore{AlbumKey: row.albumKey, Deleted: row.deleted}
			}
			var photoID int64
			err = tx.QueryRowContext(ctx, "SELECT id FROM photos WHERE source_id = $1 AND source_key = $2 AND user_id = $3",
				m.sourceID, im.Key, m.userID).Scan(&photoID)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("store: upsert remote image %q: %w", im.Key, err)
			}
			albumID, ok := albums[im.AlbumKey]
			if !ok {
				err := tx.QueryRowContext(ctx, "SELECT id FROM albums WHERE source_id = $1 AND key = $2", m.sourceID, im.AlbumKey).Scan(&albumID)
				if err != nil && !errors.Is(err, sql.ErrNoRows) {
					return fmt.Errorf("store: upsert remote image %q: %w", im.Key, err)
				}
				albums[im.AlbumKey] = albumID
			}

			contentChanged := !known || photoID == 0 || row.serial != im.Version || row.md5 != im.MD5
			fieldsChanged := contentChanged || row.deleted || row.albumKey != im.AlbumKey || !row.lastUpdated.Equal(im.LastUpdated)
			pending := row.pending
			switch {
			case contentChanged:
				pending = smugPendingProcess
			case pending == smugPendingRemoved:
				pending = "" // deleted then seen again in this sync: a move
			}
			sameOriginal := row.originalURL.Valid && row.originalURL.String == im.OriginalURL
			if !fieldsChanged && pending == row.pending && row.uri == im.URI && row.analysisURL == im.AnalysisURL && sameOriginal {
				continue // the common case of a deep sync: nothing to write
			}

			var lat, lon any
			if im.GPS != nil {
				lat, lon = im.GPS.Lat, im.GPS.Lon
			}
			hash := im.ContentHash
			switch {
			case photoID == 0:
				err = tx.QueryRowContext(ctx, `INSERT INTO photos (user_id, source_id, album_id, source_key, file_name, title, caption,
					keywords, taken_at, width, height, size, format, gps_lat, gps_lon, content_hash, web_url, remote_updated,
					status, created_at, updated_at)
					VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $20)
					RETURNING id`,
					m.userID, m.sourceID, nullInt(albumID), im.Key, im.FileName, im.Title, im.Caption, encodeList(im.Keywords),
					m.db.ts(im.Taken), im.Width, im.Height, im.Size, im.Format, lat, lon, hash, im.WebURL, m.db.ts(im.LastUpdated),
					PhotoPending, now).Scan(&photoID)
				if err != nil {
					return fmt.Errorf("store: upsert remote image %q: %w", im.Key, err)
				}
			case fieldsChanged:
				// Taken and the location are kept when SmugMug has none:
				// the pipeline may have read them from the file's EXIF.
				q := `UPDATE photos SET album_id = $1, file_name = $2, title = $3, caption = $4, keywords = $5,
					taken_at = COALESCE($6, taken_at), width = $7, height = $8, size = $9, format = $10,
					gps_lat = COALESCE($11, gps_lat), gps_lon = COALESCE($12, gps_lon), web_url = $13, remote_updated = $14,
					updated_at = $15`
				args := []any{nullInt(albumID), im.FileName, im.Title, im.Caption, encodeList(im.Keywords),
					m.db.ts(im.Taken), im.Width, im.Height, im.Size, im.Format, lat, lon, im.WebURL, m.db.ts(im.LastUpdated), now}
				if contentChanged {
					q += ", content_hash = $16, status = 'pending', error = ''"
					args = append(args, hash)
				}
				args = append(args, m.userID, photoID)
				q += fmt.Sprintf(" WHERE user_id = $%d AND id = $%d", len(args)-1, len(args))
				if _, err := tx.ExecContext(ctx, q, args...); err != nil {
					return fmt.Errorf("store: upsert remote image %q: %w", im.Key, err)
				}
			}
			if fieldsChanged {
				if err := m.db.refreshSearch(ctx, tx, m.userID, photoID); err != nil {
					return err
				}
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO smugmug_images (source_id, image_key, user_id, album_key, photo_id, deleted,
				serial, md5, last_updated, uri, analysis_url, original_url, pending)
				VALUES ($1, $2, $3, $4, $5, FALSE, $6, $7, $8, $9, $10, $11, $12)
				ON CONFLICT (source_id, image_key) DO UPDATE SET album_key = excluded.album_key, photo_id = excluded.photo_id,
				  deleted = FALSE, serial = excluded.serial, md5 = excluded.md5, last_updated = excluded.last_updated,
				  uri = excluded.uri, analysis_url = excluded.analysis_url, original_url = excluded.original_url,
				  pending = excluded.pending`,
				m.sourceID, im.Key, m.userID, im.AlbumKey, photoID, im.Version, im.MD5, m.db.ts(im.LastUpdated),
				im.URI, im.AnalysisURL, im.OriginalURL, pending)
			if err != nil {
				return fmt.Errorf("store: upsert remote image %q: %w", im.Key, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return prev, nil
}

// RemoteChanges is what a completed sync changed.
type RemoteChanges struct {
	// Process are the photos whose content is new or changed since they
	// were last reported: the pipeline analyses them (again).
	Process []int64
	// Removed are the photos deleted because their images are gone.
	Removed []int64
}

// FinishSync is called when a sync completed: it deletes the photos of the
// images still marked deleted (with their metadata, embeddings and search
// entries) and reports them with the photos to process, then clears the
// marks. Marks survive failed syncs, so what a failed sync found is
// reported by the next one that completes.
func (m *RemoteSource) FinishSync(ctx context.Context) (RemoteChanges, error) {
	var ch RemoteChanges
	err := m.db.inTx(ctx, func(tx *sql.Tx) error {
		removed, err := queryIDs(ctx, tx, `SELECT si.photo_id FROM smugmug_images si JOIN photos p ON p.id = si.photo_id
			WHERE si.source_id = $1 AND si.pending = 'removed' AND si.deleted = TRUE AND p.user_id = $2 AND p.source_id = $1
			ORDER BY si.photo_id`, m.sourceID, m.userID)
		if err != nil {
			return fmt.Errorf("store: finish remote sync: %w", err)
		}
		for _, id := range removed {
			if m.db.dialect == SQLite {
				if _, err := tx.ExecContext(ctx, "DELETE FROM photo_fts WHERE rowid = $1", id); err != nil {
					return fmt.Errorf("store: finish remote sync: delete photo %d: %w", id, err)
				}
			}
			if _, err := tx.ExecContext(ctx, "DELETE FROM photos WHERE user_id = $1 AND id = $2", m.userID, id); err != nil {
				return fmt.Errorf("store: finish remote sync: delete photo %d: %w", id, err)
			}
		}
		ch.Removed = removed
		ch.Process, err = queryIDs(ctx, tx, `SELECT si.photo_id FROM smugmug_images si JOIN photos p ON p.id = si.photo_id
			WHERE si.source_id = $1 AND si.pending = 'process' AND si.deleted = FALSE AND p.user_id = $2 AND p.source_id = $1
			ORDER BY si.photo_id`, m.sourceID, m.userID)
		if err != nil {
			return fmt.Errorf("store: finish remote sync: %w", err)
		}
		_, err = tx.ExecContext(ctx, `UPDATE smugmug_images SET pending = '',
			photo_id = CASE WHEN deleted THEN 0 ELSE photo_id END
			WHERE source_id = $1 AND pending <> ''`, m.sourceID)
		if err != nil {
			return fmt.Errorf("store: finish remote sync: %w", err)
		}
		return nil
	})
	if err != nil {
		return RemoteChanges{}, err
	}
	return ch, nil
}

// RemoteImageRef is what the store knows of a photo's remote image beyond
// the photo row: enough to fetch it and to write back to it.
type RemoteImageRef struct {
	Key         string
	AlbumKey    string
	PhotoID     int64
	Version     int
	MD5         string
	LastUpdated time.Time
	URI         string // API URI, the target of size look-ups and PATCH
	AnalysisURL string // ≤2200 px rendition, when the listing had it
	// OriginalURL is the untouched original's address ("" when the
	// service offers none); OriginalKnown is false for an image last
	// listed before originals were recorded (its next listing records it).
	OriginalURL   string
	OriginalKnown bool
}

// RemoteImage returns a source's image by key (ErrNotFound when unknown or
// deleted).
func (s *DB) RemoteImage(ctx context.Context, userID, sourceID int64, imageKey string) (RemoteImageRef, error) {
	im := RemoteImageRef{Key: imageKey}
	var orig sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT album_key, photo_id, serial, md5, last_updated, uri, analysis_url, original_url FROM smugmug_images
		WHERE user_id = $1 AND source_id = $2 AND image_key = $3 AND deleted = FALSE`, userID, sourceID, imageKey).Scan(
		&im.AlbumKey, &im.PhotoID, &im.Version, &im.MD5, tm(&im.LastUpdated), &im.URI, &im.AnalysisURL, &orig)
	if err != nil {
		return RemoteImageRef{}, notFound("remote image "+imageKey, err)
	}
	im.OriginalURL, im.OriginalKnown = orig.String, orig.Valid
	return im, nil
}

// SetRemoteAnalysisURL remembers the rendition URL found by a size look-up
// so the next fetch of the image needs no API request.
func (s *DB) SetRemoteAnalysisURL(ctx context.Context, userID, sourceID int64, imageKey, url string) error {
	res, err := s.db.ExecContext(ctx, "UPDATE smugmug_images SET analysis_url = $1 WHERE user_id = $2 AND source_id = $3 AND image_key = $4",
		url, userID, sourceID, imageKey)
	return affected(res, err, "set analysis url of remote image "+imageKey)
}

// RemoteWroteBack stores the text a write-back left on the remote image
// into the photo (and its search document), and the image's new
// LastUpdated, so the next sync does not take our own edit for the owner's.
func (s *DB) RemoteWroteBack(ctx context.Context, userID, sourceID int64, imageKey, caption string, keywords []string, lastUpdated time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE smugmug_images SET last_updated = $1 WHERE user_id = $2 AND source_id = $3 AND image_key = $4",
			s.ts(lastUpdated), userID, sourceID, imageKey)
		if err := affected(res, err, "write-back of remote image "+imageKey); err != nil {
			return err
		}
		var id int64
		err = tx.QueryRowContext(ctx, `UPDATE photos SET caption = $1, keywords = $2, remote_updated = $3, updated_at = $4
			WHERE user_id = $5 AND source_id = $6 AND source_key = $7 RETURNING id`,
			caption, encodeList(keywords), s.ts(lastUpdated), s.ts(s.now()), userID, sourceID, imageKey).Scan(&id)
		if err != nil {
			return notFound("photo "+imageKey, err)
		}
		return s.refreshSearch(ctx, tx, userID, id)
	})
}

// SaveRemoteAuth keeps a web sign-in's OAuth request token secret (sealed
// by the caller) until the callback or expires, and drops expired ones.
func (s *DB) SaveRemoteAuth(ctx context.Context, requestToken string, userID int64, sealedSecret []byte, expires time.Time) error {
	if _, err := s.db.ExecContext(ctx, "DELETE FROM smugmug_auth WHERE expires_at < $1", s.ts(s.now())); err != nil {
		return fmt.Errorf("store: save remote sign-in: %w", err)
	}
	_, err := s.db.ExecContext(ctx, "INSERT INTO smugmug_auth (request_token, user_id, secret, expires_at) VALUES ($1, $2, $3, $4)",
		requestToken, userID, sealedSecret, s.ts(expires))
	if err != nil {
		if isUnique(err) {
			return fmt.Errorf("store: save remote sign-in: %w", ErrConflict)
		}
		return fmt.Errorf("store: save remote sign-in: %w", err)
	}
	return nil
}

// TakeRemoteAuth returns and forgets userID's sign-in in progress: a request
// token is exchanged once. ErrNotFound when unknown, another user's, or expired.
func (s *DB) TakeRemoteAuth(ctx context.Context, userID int64, requestToken string) (sealedSecret []byte, err error) {
	var expires time.Time
	err = s.db.QueryRowContext(ctx, "DELETE FROM smugmug_auth WHERE request_token = $1 AND user_id = $2 RETURNING secret, expires_at",
		requestToken, userID).Scan(&sealedSecret, tm(&expires))
	if err != nil {
		return nil, notFound("remote sign-in", err)
	}
	if !s.now().Before(expires) {
		return nil, fmt.Errorf("store: remote sign-in expired: %w", ErrNotFound)
	}
	return sealedSecret, nil
}

// RemoteText is an image's owner-visible text on the remote service.
type RemoteText struct {
	Caption  string
	Keywords []string
}

// RemoteWrite is one recorded write-back (or dry run) to a remote source:
// the audit trail of every change TargetVision made there.
type RemoteWrite struct {
	ID       int64
	UserID   int64
	SourceID int64
	PhotoID  int64
	ImageKey string
	Before   RemoteText
	After    RemoteText        // planned (dry run) or as the service stored it
	Fields   map[string]string // the request's changed fields; empty when nothing changed
	DryRun   bool
	Written  bool
	At       time.Time
}

// RecordRemoteWrite appends a write-back to the source's audit trail.
func (s *DB) RecordRemoteWrite(ctx context.Context, w RemoteWrite) (RemoteWrite, error) {
	if w.At.IsZero() {
		w.At = s.now()
	}
	w.At = w.At.UTC()
	before, _ := json.Marshal(w.Before) // plain strings always marshal
	after, _ := json.Marshal(w.After)
	fields, _ := json.Marshal(w.Fields)
	err := s.db.QueryRowContext(ctx, `INSERT INTO smugmug_writes (user_id, source_id, photo_id, image_key, before, after, fields, dry_run, written, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		w.UserID, w.SourceID, w.PhotoID, w.ImageKey, string(before), string(after), string(fields), w.DryRun, w.Written, s.ts(w.At)).Scan(&w.ID)
	if err != nil {
		return RemoteWrite{}, fmt.Errorf("store: record remote write: %w", err)
	}
	return w, nil
}

// RemoteWrites lists a source's write-backs, newest first; limit ≤ 0 means all.
func (s *DB) RemoteWrites(ctx context.Context, userID, sourceID int64, limit int) ([]RemoteWrite, error) {
	q, args := withLimit(`SELECT id, user_id, source_id, photo_id, image_key, before, after, fields, dry_run, written, at
		FROM smugmug_writes WHERE user_id = $1 AND source_id = $2 ORDER BY id DESC`, []any{userID, sourceID}, limit)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list remote writes: %w", err)
	}
	defer rows.Close()
	var out []RemoteWrite
	for rows.Next() {
		var w RemoteWrite
		var before, after, fields string
		if err := rows.Scan(&w.ID, &w.UserID, &w.SourceID, &w.PhotoID, &w.ImageKey, &before, &after, &fields, &w.DryRun, &w.Written, tm(&w.At)); err != nil {
			return nil, fmt.Errorf("store: list remote writes: %w", err)
		}
		if err := errors.Join(json.Unmarshal([]byte(before), &w.Before), json.Unmarshal([]byte(after), &w.After),
			json.Unmarshal([]byte(fields), &w.Fields)); err != nil {
			return nil, fmt.Errorf("store: list remote writes: %w", err)
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// withLimit appends a LIMIT of limit to q (none for limit ≤ 0), numbered
// after args.
func withLimit(q string, args []any, limit int) (string, []any) {
	if limit <= 0 {
		return q, args
	}
	args = append(args, limit)
	return q + fmt.Sprintf(" LIMIT $%d", len(args)), args
}
