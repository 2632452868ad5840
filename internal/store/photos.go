package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/targetvision/targetvision/internal/place"
)

// UpsertAlbum inserts or updates the album with (SourceID, Key) and returns it.
func (s *DB) UpsertAlbum(ctx context.Context, a Album) (Album, error) {
	err := s.db.QueryRowContext(ctx,
		`INSERT INTO albums (user_id, source_id, key, name, web_url, updated_at)
		 VALUES ($1, $2, $3, $4, $5, $6)
		 ON CONFLICT (source_id, key) DO UPDATE SET name = excluded.name, web_url = excluded.web_url, updated_at = excluded.updated_at
		 RETURNING id`, a.UserID, a.SourceID, a.Key, a.Name, a.WebURL, s.ts(a.UpdatedAt)).Scan(&a.ID)
	if err != nil {
		return Album{}, fmt.Errorf("store: upsert album %q: %w", a.Key, err)
	}
	return a, nil
}

// Albums lists the user's albums with photo counts, by name.
func (s *DB) Albums(ctx context.Context, userID int64) ([]AlbumSummary, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT a.id, a.user_id, a.source_id, a.key, a.name, a.web_url, a.updated_at,
		        (SELECT COUNT(*) FROM photos p WHERE p.album_id = a.id AND p.user_id = a.user_id)
		 FROM albums a WHERE a.user_id = $1 ORDER BY a.name, a.id`, userID)
	if err != nil {
		return nil, fmt.Errorf("store: list albums: %w", err)
	}
	defer rows.Close()
	var out []AlbumSummary
	for rows.Next() {
		var a AlbumSummary
		if err := rows.Scan(&a.ID, &a.UserID, &a.SourceID, &a.Key, &a.Name, &a.WebURL, tm(&a.UpdatedAt), &a.PhotoCount); err != nil {
			return nil, fmt.Errorf("store: list albums: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// DeleteAlbum removes an album of the user; its photos stay, album-less.
func (s *DB) DeleteAlbum(ctx context.Context, userID, id int64) error {
	res, err := s.db.ExecContext(ctx, "DELETE FROM albums WHERE user_id = $1 AND id = $2", userID, id)
	return affected(res, err, fmt.Sprintf("delete album %d", id))
}

const photoCols = `p.id, p.user_id, p.source_id, COALESCE(p.album_id, 0), p.source_key, p.file_name, p.title, p.caption, p.keywords,
	p.taken_at, p.width, p.height, p.size, p.format, p.camera_make, p.camera_model, p.lens, p.exposure_time,
	p.f_number, p.iso, p.focal_length, p.gps_lat, p.gps_lon, p.content_hash, p.thumb_path, p.rendition_path,
	p.web_url, p.remote_updated, p.status, p.error, p.created_at, p.updated_at, COALESCE(a.name, ''),
	p.issue, p.companions, p.rating, p.label, p.user_caption, p.user_keywords, p.user_rating, p.favorite, COALESCE(p.place, '')`

const photoFrom = " FROM photos p LEFT JOIN albums a ON a.id = p.album_id "

func scanPhoto(row interface{ Scan(...any) error }, p *Photo) error {
	var kw, comp string
	var lat, lon sql.NullFloat64
	var uCaption, uKeywords sql.NullString
	var uRating sql.NullInt64
	err := row.Scan(&p.ID, &p.UserID, &p.SourceID, &p.AlbumID, &p.SourceKey, &p.FileName, &p.Title, &p.Caption, &kw,
		tm(&p.TakenAt), &p.Width, &p.Height, &p.Size, &p.Format, &p.CameraMake, &p.CameraModel, &p.Lens, &p.ExposureTime,
		&p.FNumber, &p.ISO, &p.FocalLength, &lat, &lon, &p.ContentHash, &p.ThumbPath, &p.RenditionPath,
		&p.WebURL, tm(&p.RemoteUpdated), &p.Status, &p.Error, tm(&p.CreatedAt), tm(&p.UpdatedAt), &p.AlbumName,
		&p.Issue, &comp, &p.Rating, &p.Label, &uCaption, &uKeywords, &uRating, &p.Favorite, &p.Place)
	if err != nil {
		return err
	}
	p.Edits = PhotoEdits{}
	if uCaption.Valid {
		p.Edits.Caption = &uCaption.String
	}
	if uKeywords.Valid {
		kws := []string{}
		if err := decodeList(uKeywords.String, &kws); err != nil {
			return err
		}
		if kws == nil {
			kws = []string{}
		}
		p.Edits.Keywords = &kws
	}
	if uRating.Valid {
		r := int(uRating.Int64)
		p.Edits.Rating = &r
	}
	if lat.Valid && lon.Valid {
		p.GPS = &GPS{Lat: lat.Float64, Lon: lon.Float64}
	}
	p.Companions = nil
	if comp != "" && comp != "[]" {
		if err := json.Unmarshal([]byte(comp), &p.Companions); err != nil {
			return fmt.Errorf("store: bad companions %q: %w", comp, err)
		}
	}
	return decodeList(kw, &p.Keywords)
}

func encodeList(l []string) string {
	if len(l) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(l) // a []string always marshals
	return string(b)
}

func decodeList(s string, dst *[]string) error {
	*dst = nil
	if s == "" || s == "[]" {
		return nil
	}
	if err := json.Unmarshal([]byte(s), dst); err != nil {
		return fmt.Errorf("store: bad list %q: %w", s, err)
	}
	return nil
}

func encodeCompanions(cs []Companion) string {
	if len(cs) == 0 {
		return "[]"
	}
	for i := range cs {
		cs[i].ModTime = cs[i].ModTime.UTC()
	}
	b, _ := json.Marshal(cs) // plain strings, numbers and times always marshal
	return string(b)
}

func nullInt(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

// UpsertPhoto inserts the photo with (SourceID, SourceKey) or updates it, and
// refreshes its full-text document. It returns the stored photo and whether
// its content hash changed (a new photo counts as changed), which tells the
// pipeline whether thumbnails, descriptions and embeddings need redoing.
func (s *DB) UpsertPhoto(ctx context.Context, p Photo) (Photo, bool, error) {
	if p.Status == "" {
		p.Status = PhotoPending
	}
	var lat, lon any
	p.Place = ""
	if p.GPS != nil {
		lat, lon = p.GPS.Lat, p.GPS.Lon
		p.Place = place.Name(p.GPS.Lat, p.GPS.Lon)
	}
	now := s.ts(s.now())
	var changed bool
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var oldHash string
		err := tx.QueryRowContext(ctx, "SELECT content_hash FROM photos WHERE source_id = $1 AND source_key = $2 AND user_id = $3",
			p.SourceID, p.SourceKey, p.UserID).Scan(&oldHash)
		switch {
		case err == sql.ErrNoRows:
			changed = true
		case err != nil:
			return fmt.Errorf("store: upsert photo %q: %w", p.SourceKey, err)
		default:
			changed = oldHash != p.ContentHash
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO photos (user_id, source_id, album_id, source_key, file_name, title, caption, keywords,
			taken_at, width, height, size, format, camera_make, camera_model, lens, exposure_time, f_number, iso, focal_length,
			gps_lat, gps_lon, content_hash, thumb_path, rendition_path, web_url, remote_updated, status, error, created_at, updated_at,
			issue, companions, rating, label, place)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $30,
			$31, $32, $33, $34, $35)
			ON CONFLICT (source_id, source_key) DO UPDATE SET album_id = excluded.album_id, file_name = excluded.file_name,
			  title = excluded.title, caption = excluded.caption, keywords = excluded.keywords, taken_at = excluded.taken_at,
			  width = excluded.width, height = excluded.height, size = excluded.size, format = excluded.format,
			  camera_make = excluded.camera_make, camera_model = excluded.camera_model, lens = excluded.lens,
			  exposure_time = excluded.exposure_time, f_number = excluded.f_number, iso = excluded.iso,
			  focal_length = excluded.focal_length, gps_lat = excluded.gps_lat, gps_lon = excluded.gps_lon,
			  content_hash = excluded.content_hash, thumb_path = excluded.thumb_path, rendition_path = excluded.rendition_path,
			  web_url = excluded.web_url, remote_updated = excluded.remote_updated, status = excluded.status,
			  error = excluded.error, updated_at = excluded.updated_at, issue = excluded.issue, companions = excluded.companions,
			  rating = excluded.rating, label = excluded.label, place = excluded.place
			RETURNING id`,
			p.UserID, p.SourceID, nullInt(p.AlbumID), p.SourceKey, p.FileName, p.Title, p.Caption, encodeList(p.Keywords),
			s.ts(p.TakenAt), p.Width, p.Height, p.Size, p.Format, p.CameraMake, p.CameraModel, p.Lens, p.ExposureTime,
			p.FNumber, p.ISO, p.FocalLength, lat, lon, p.ContentHash, p.ThumbPath, p.RenditionPath, p.WebURL,
			s.ts(p.RemoteUpdated), p.Status, p.Error, now, p.Issue, encodeCompanions(p.Companions), p.Rating, p.Label, p.Place).Scan(&p.ID)
		if err != nil {
			return fmt.Errorf("store: upsert photo %q: %w", p.SourceKey, err)
		}
		return s.refreshSearch(ctx, tx, p.UserID, p.ID)
	})
	if err != nil {
		return Photo{}, false, err
	}
	out, err := s.Photo(ctx, p.UserID, p.ID)
	return out, changed, err
}

// MovePhoto gives an existing photo a new source key and album: a file moved
// within its source keeps its id, description and embedding.
func (s *DB) MovePhoto(ctx context.Context, userID, id int64, sourceKey, fileName string, albumID int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE photos SET source_key = $1, file_name = $2, album_id = $3, updated_at = $4
			WHERE user_id = $5 AND id = $6`, sourceKey, fileName, nullInt(albumID), s.ts(s.now()), userID, id)
		if err := affected(res, err, fmt.Sprintf("move photo %d", id)); err != nil {
			return err
		}
		return s.refreshSearch(ctx, tx, userID, id)
	})
}

// SetPhotoStatus records a photo's processing state and, on failure, why:
// issue is the reason counted (an Issue constant), reason the full message.
func (s *DB) SetPhotoStatus(ctx context.Context, userID, id int64, status, issue, reason string) error {
	res, err := s.db.ExecContext(ctx, "UPDATE photos SET status = $1, issue = $2, error = $3, updated_at = $4 WHERE user_id = $5 AND id = $6",
		status, issue, reason, s.ts(s.now()), userID, id)
	return affected(res, err, fmt.Sprintf("set photo %d status", id))
}

// DeletePhoto removes a photo with its metadata, embeddings and search entry.
func (s *DB) DeletePhoto(ctx context.Context, userID, id int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if s.dialect == SQLite {
			if _, err := tx.ExecContext(ctx, "DELETE FROM photo_fts WHERE rowid = (SELECT id FROM photos WHERE user_id = $1 AND id = $2)", userID, id); err != nil {
				return fmt.Errorf("store: delete photo %d: %w", id, err)
			}
		}
		res, err := tx.ExecContext(ctx, "DELETE FROM photos WHERE user_id = $1 AND id = $2", userID, id)
		return affected(res, err, fmt.Sprintf("delete photo %d", id))
	})
}

// Photo returns one of the user's photos.
func (s *DB) Photo(ctx context.Context, userID, id int64) (Photo, error) {
	var p Photo
	err := scanPhoto(s.db.QueryRowContext(ctx, "SELECT "+photoCols+photoFrom+"WHERE p.user_id = $1 AND p.id = $2", userID, id), &p)
	if err != nil {
		return Photo{}, notFound(fmt.Sprintf("photo %d", id), err)
	}
	return p, nil
}

// PhotoByKey returns the photo of a source with the given source key.
func (s *DB) PhotoByKey(ctx context.Context, userID, sourceID int64, key string) (Photo, error) {
	var p Photo
	err := scanPhoto(s.db.QueryRowContext(ctx, "SELECT "+photoCols+photoFrom+"WHERE p.user_id = $1 AND p.source_id = $2 AND p.source_key = $3",
		userID, sourceID, key), &p)
	if err != nil {
		return Photo{}, notFound("photo "+key, err)
	}
	return p, nil
}

// PhotosByHash returns the user's photos with the given content hash.
func (s *DB) PhotosByHash(ctx context.Context, userID int64, hash string) ([]Photo, error) {
	return s.queryPhotos(ctx, "WHERE p.user_id = $1 AND p.content_hash = $2 ORDER BY p.id", userID, hash)
}

// PhotosByIDs returns the user's photos with the given ids, in no set order;
// ids of other users' photos are silently absent.
func (s *DB) PhotosByIDs(ctx context.Context, userID int64, ids []int64) ([]Photo, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := []any{userID}
	for _, id := range ids {
		args = append(args, id)
	}
	return s.queryPhotos(ctx, "WHERE p.user_id = $1 AND p.id IN ("+placeholders(2, len(ids))+")", args...)
}

// SourceKeys returns source key → photo id of all photos of a source, for
// syncers that detect deleted and moved files.
func (s *DB) SourceKeys(ctx context.Context, userID, sourceID int64) (map[string]int64, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT source_key, id FROM photos WHERE user_id = $1 AND source_id = $2", userID, sourceID)
	if err != nil {
		return nil, fmt.Errorf("store: source keys: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var k string
		var id int64
		if err := rows.Scan(&k, &id); err != nil {
			return nil, fmt.Errorf("store: source keys: %w", err)
		}
		out[k] = id
	}
	return out, rows.Err()
}

// Filter narrows photo listings and searches. Zero fields do not filter.
type Filter struct {
	SourceID int64
	AlbumID  int64
	Album    string // album name, case-insensitive exact
	Camera   string // substring of make or model, case-insensitive
	Keyword  string // exact keyword (owner's or generated), case-insensitive
	From, To time.Time
	HasGPS   bool
	Status   string
	// Exclude leaves out photos whose text has any of these words
	// (separated by spaces), by the full-text language's rules: a stem
	// counts, a stop word excludes nothing.
	Exclude string
	// MinRating keeps photos rated at least this many stars (1-5).
	MinRating int
	// Undated keeps only photos without a capture time (the timeline's
	// last section).
	Undated bool
	// CollectionID keeps the photos of one of the user's collections.
	CollectionID int64
	// Place keeps photos whose place (named from GPS) contains this,
	// case-insensitive: "berlin", "iceland".
	Place string
	// Lens keeps photos whose lens (EXIF LensModel) contains this,
	// case-insensitive: "50mm", "RF 24-70".
	Lens string
	// MinISO and MaxISO bound the ISO speed, inclusive; a photo whose
	// file does not say (stored as 0) passes neither bound.
	MinISO, MaxISO int
	// MinFNumber and MaxFNumber bound the aperture's f-number, inclusive
	// (1.8 is wider than 2.8); a photo whose file does not say passes
	// neither bound.
	MinFNumber, MaxFNumber float64
	// Favorite keeps only the photos the person marked as a favourite.
	Favorite bool
}

// photoOnly is the part of f that only the photos table can check (the
// copies on embeddings and photo_search do not carry these columns).
func (f Filter) photoOnly() Filter {
	return Filter{Keyword: f.Keyword, Status: f.Status, MinRating: f.MinRating, Undated: f.Undated, CollectionID: f.CollectionID,
		Place: f.Place, Lens: f.Lens, MinISO: f.MinISO, MaxISO: f.MaxISO, MinFNumber: f.MinFNumber, MaxFNumber: f.MaxFNumber,
		Favorite: f.Favorite}
}

// likeContains is a LIKE pattern (with ESCAPE '\') matching values that
// contain s: what the user typed is matched as typed, its % and _ too.
func likeContains(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

// where appends the filter's conditions (on alias p) to conds/args; the
// user id is $1.
func (s *DB) where(f Filter, conds []string, args []any) ([]string, []any) {
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(args))))
	}
	if f.SourceID != 0 {
		add("p.source_id = ?", f.SourceID)
	}
	if f.AlbumID != 0 {
		add("p.album_id = ?", f.AlbumID)
	}
	if f.Album != "" {
		// Not correlated with p (the user is $1): the subquery runs once,
		// not once per photo the full-text match or a scan yields.
		add("p.album_id IN (SELECT id FROM albums WHERE user_id = $1 AND LOWER(name) = LOWER(?))", f.Album)
	}
	if f.Camera != "" {
		add(`LOWER(p.camera_make || ' ' || p.camera_model) LIKE ? ESCAPE '\'`, likeContains(strings.ToLower(f.Camera)))
	}
	if f.Keyword != "" {
		// Keywords are JSON arrays of strings: match the quoted element. Both
		// "?" take the same argument.
		kw, _ := json.Marshal(strings.ToLower(f.Keyword))
		// EXISTS on the primary key: an IN correlated on user_id scanned
		// ai_metadata once per photo.
		// The person's edited keywords, when there are any, replace both.
		add(`(LOWER(COALESCE(p.user_keywords, p.keywords)) LIKE ? ESCAPE '\' OR (p.user_keywords IS NULL AND EXISTS (SELECT 1 FROM ai_metadata m WHERE m.photo_id = p.id AND LOWER(m.keywords) LIKE ? ESCAPE '\')))`,
			likeContains(string(kw)))
	}
	if !f.From.IsZero() {
		add("p.taken_at >= ?", s.ts(f.From))
	}
	if !f.To.IsZero() {
		add("p.taken_at < ?", s.ts(f.To))
	}
	if f.HasGPS {
		conds = append(conds, "p.gps_lat IS NOT NULL")
	}
	if f.Status != "" {
		add("p.status = ?", f.Status)
	}
	if m, ok := s.excludeMatch(f.Exclude); ok {
		if s.dialect == SQLite {
			add("p.id NOT IN (SELECT rowid FROM photo_fts WHERE photo_fts MATCH ?)", m)
		} else {
			add("NOT EXISTS (SELECT 1 FROM photo_search xs WHERE xs.photo_id = p.id AND xs.tsv @@ to_tsquery("+s.lang.regconfig()+", ?))", m)
		}
	}
	if f.MinRating > 0 {
		add("COALESCE(p.user_rating, p.rating) >= ?", f.MinRating)
	}
	if f.Undated {
		conds = append(conds, "p.taken_at IS NULL")
	}
	if f.Place != "" {
		add(`LOWER(COALESCE(p.place, '')) LIKE ? ESCAPE '\'`, likeContains(strings.ToLower(f.Place)))
	}
	if f.Lens != "" {
		add(`LOWER(p.lens) LIKE ? ESCAPE '\'`, likeContains(strings.ToLower(f.Lens)))
	}
	// Zero is "unknown" in the photo's columns: a bound never admits it.
	if f.MinISO > 0 {
		add("p.iso >= ?", f.MinISO)
	}
	if f.MaxISO > 0 {
		add("p.iso > 0 AND p.iso <= ?", f.MaxISO)
	}
	if f.MinFNumber > 0 {
		add("p.f_number >= ?", f.MinFNumber)
	}
	if f.MaxFNumber > 0 {
		add("p.f_number > 0 AND p.f_number <= ?", f.MaxFNumber)
	}
	if f.Favorite {
		conds = append(conds, "p.favorite")
	}
	if f.CollectionID != 0 {
		// Not correlated with p: one look-up of the collection's photos,
		// scoped to the user ($1) as well as to the collection.
		add("p.id IN (SELECT photo_id FROM collection_photos WHERE user_id = $1 AND collection_id = ?)", f.CollectionID)
	}
	return conds, args
}

// excludeMatch renders Filter.Exclude as the dialect's full-text query for
// any of its words (FTS5 MATCH or tsquery text), and whether there is one.
// SQLite drops the stop words here; Postgres's configuration drops them.
func (s *DB) excludeMatch(exclude string) (string, bool) {
	var alts []string
	for _, w := range uniqueWords(Words(exclude)) {
		if s.dialect == SQLite {
			if !s.lang.stop[w] {
				alts = append(alts, `"`+w+`"`)
			}
		} else {
			alts = append(alts, "'"+w+"'")
		}
	}
	if s.dialect == SQLite {
		return strings.Join(alts, " OR "), len(alts) > 0
	}
	return strings.Join(alts, " | "), len(alts) > 0
}

// filterSQL renders f as SQL conditions on the photos alias p for the user,
// with placeholders numbered from $1 (the user id): listings, the text leg
// and the vector queries (vectors.go) share it.
func (s *DB) filterSQL(userID int64, f Filter) (string, []any) {
	conds, args := s.where(f, []string{"p.user_id = $1"}, []any{userID})
	return strings.Join(conds, " AND "), args
}

// resolvedFilterSQL is filterSQL with an album name resolved to the user's
// album ids first and inlined as integers: an IN over a subquery leaves the
// planner guessing its size, and SQLite then walks all the user's photos
// instead of the photos_album index.
func (s *DB) resolvedFilterSQL(ctx context.Context, userID int64, f Filter) (string, []any, error) {
	album := f.Album
	f.Album = ""
	cond, args := s.filterSQL(userID, f)
	if album != "" {
		ids, err := s.albumIDs(ctx, userID, album)
		if err != nil {
			return "", nil, err
		}
		cond += " AND " + inList("p.album_id", ids)
	}
	return cond, args, nil
}

// copiedFilterSQL renders f, for the user, as conditions on a Postgres table
// that carries the copy of its photo's filterable columns (embeddings and
// photo_search, kept exact by triggers; migrations 00009 and 00010) under
// alias, with placeholders numbered from $1 (the user id). Source, album,
// date, camera and GPS are checked on the row itself; the rest (keyword,
// status, rating, lens, exposure, favourite…: Filter.photoOnly) looks the
// photo up.
func (s *DB) copiedFilterSQL(ctx context.Context, alias string, userID int64, f Filter) (string, []any, error) {
	conds, args := []string{alias + ".user_id = $1"}, []any{userID}
	add := func(cond string, v any) {
		args = append(args, v)
		cond = strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(args)))
		conds = append(conds, strings.ReplaceAll(cond, "x.", alias+"."))
	}
	if f.SourceID != 0 {
		add("x.source_id = ?", f.SourceID)
	}
	if f.AlbumID != 0 {
		add("x.album_id = ?", f.AlbumID)
	}
	if f.Album != "" {
		// The album's ids go in as literals: the planner then knows from
		// the column's statistics that an album is a few hundred rows and
		// starts from its index instead of from every text match.
		ids, err := s.albumIDs(ctx, userID, f.Album)
		if err != nil {
			return "", nil, err
		}
		conds = append(conds, inList(alias+".album_id", ids))
	}
	if f.Camera != "" {
		add(`x.camera LIKE ? ESCAPE '\'`, likeContains(strings.ToLower(f.Camera)))
	}
	if !f.From.IsZero() {
		add("x.taken_at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		add("x.taken_at < ?", f.To.UTC())
	}
	if f.HasGPS {
		conds = append(conds, alias+".has_gps")
	}
	if m, ok := s.excludeMatch(f.Exclude); ok {
		add("NOT EXISTS (SELECT 1 FROM photo_search xs WHERE xs.photo_id = x.photo_id AND xs.tsv @@ to_tsquery("+s.lang.regconfig()+", ?))", m)
	}
	if rest := f.photoOnly(); rest != (Filter{}) {
		photo, pargs := s.where(rest, nil, args)
		args = pargs
		conds = append(conds, "EXISTS (SELECT 1 FROM photos p WHERE p.id = "+alias+".photo_id AND "+strings.Join(photo, " AND ")+")")
	}
	return strings.Join(conds, " AND "), args, nil
}

// albumIDs are the ids of the user's albums with this name (case-insensitive).
func (s *DB) albumIDs(ctx context.Context, userID int64, name string) ([]int64, error) {
	ids, err := queryIDs(ctx, s.db, "SELECT id FROM albums WHERE user_id = $1 AND LOWER(name) = LOWER($2)", userID, name)
	if err != nil {
		return nil, fmt.Errorf("store: album filter: %w", err)
	}
	return ids, nil
}

// inList is "col IN (ids…)" with the ids inlined, or a false condition for
// none.
func inList(col string, ids []int64) string {
	if len(ids) == 0 {
		return "1 = 0"
	}
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return col + " IN (" + strings.Join(s, ", ") + ")"
}

// ListPhotos returns a page of the user's photos, newest taken first, and the
// total matching the filter.
func (s *DB) ListPhotos(ctx context.Context, userID int64, f Filter, limit, offset int) ([]Photo, int, error) {
	cond, args := s.filterSQL(userID, f)
	var total int
	if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM photos p WHERE "+cond, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count photos: %w", err)
	}
	args = append(args, limit, offset)
	order := "p.taken_at DESC NULLS LAST, p.id DESC"
	ps, err := s.queryPhotos(ctx, fmt.Sprintf("WHERE %s ORDER BY %s LIMIT $%d OFFSET $%d", cond, order, len(args)-1, len(args)), args...)
	return ps, total, err
}

func (s *DB) queryPhotos(ctx context.Context, tail string, args ...any) ([]Photo, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+photoCols+photoFrom+tail, args...)
	if err != nil {
		return nil, fmt.Errorf("store: query photos: %w", err)
	}
	defer rows.Close()
	var out []Photo
	for rows.Next() {
		var p Photo
		if err := scanPhoto(rows, &p); err != nil {
			return nil, fmt.Errorf("store: query photos: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// CountPhotos counts the user's photos by status.
func (s *DB) CountPhotos(ctx context.Context, userID int64) (map[string]int, error) {
	return s.countPhotos(ctx, "user_id = $1", userID)
}

// CountPhotosBySource counts the user's photos in the given sources by
// status.
func (s *DB) CountPhotosBySource(ctx context.Context, userID int64, sourceIDs []int64) (map[string]int, error) {
	return s.countPhotos(ctx, "user_id = $1 AND "+inList("source_id", sourceIDs), userID)
}

// countPhotos counts the photos matching cond by status.
func (s *DB) countPhotos(ctx context.Context, cond string, args ...any) (map[string]int, error) {
	out := map[string]int{}
	rows, err := s.db.QueryContext(ctx, "SELECT status, COUNT(*) FROM photos WHERE "+cond+" GROUP BY status", args...)
	if err != nil {
		return nil, fmt.Errorf("store: count photos: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, fmt.Errorf("store: count photos: %w", err)
		}
		out[st] = n
	}
	return out, rows.Err()
}

// ContentHashes returns the content hash of each of the user's photos among
// ids that has one; other users' ids are absent.
func (s *DB) ContentHashes(ctx context.Context, userID int64, ids []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := s.db.QueryContext(ctx, "SELECT id, content_hash FROM photos WHERE user_id = $1 AND content_hash <> '' AND "+inList("id", ids), userID)
	if err != nil {
		return nil, fmt.Errorf("store: content hashes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var h string
		if err := rows.Scan(&id, &h); err != nil {
			return nil, fmt.Errorf("store: content hashes: %w", err)
		}
		out[id] = h
	}
	return out, rows.Err()
}
