package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/targetvision/targetvision/internal/place"
)

// DateCount is how many of a user's photos were taken in one period.
type DateCount struct {
	// Period is the month ("2024-06") or the day ("2024-06-30"), in the
	// time the photo's clock gave (stored as UTC).
	Period string
	Count  int
}

// PhotoDates counts the user's photos matching f by month, or by day when
// byDay, newest first, and those without a capture time: the timeline
// draws its sections from these without loading the photos.
func (s *DB) PhotoDates(ctx context.Context, userID int64, f Filter, byDay bool) ([]DateCount, int, error) {
	cond, args := s.filterSQL(userID, f)
	n := 7
	if byDay {
		n = 10
	}
	period := fmt.Sprintf("substr(p.taken_at, 1, %d)", n)
	if s.dialect == Postgres {
		period = "to_char(p.taken_at AT TIME ZONE 'UTC', 'YYYY-MM')"
		if byDay {
			period = "to_char(p.taken_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
		}
	}
	rows, err := s.db.QueryContext(ctx, "SELECT "+period+" AS k, COUNT(*) FROM photos p WHERE "+cond+
		" AND p.taken_at IS NOT NULL GROUP BY k ORDER BY k DESC", args...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: photo dates: %w", err)
	}
	defer rows.Close()
	var out []DateCount
	for rows.Next() {
		var d DateCount
		if err := rows.Scan(&d.Period, &d.Count); err != nil {
			return nil, 0, fmt.Errorf("store: photo dates: %w", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("store: photo dates: %w", err)
	}
	var undated int
	if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM photos p WHERE "+cond+" AND p.taken_at IS NULL", args...).Scan(&undated); err != nil {
		return nil, 0, fmt.Errorf("store: photo dates: %w", err)
	}
	return out, undated, nil
}

// EditKeywords adds and removes keywords on many of the user's photos at
// once, as the person's own edits (the same as SetPhotoEdits): each photo's
// shown keywords — its edited ones, else the file's and Claude's — with
// remove taken out (case-insensitive) and add appended, become its edited
// keywords, searchable at once. All or nothing: a photo that is not the
// user's fails the whole edit with ErrNotFound. It returns how many photos
// changed.
func (s *DB) EditKeywords(ctx context.Context, userID int64, photoIDs []int64, add, remove []string) (int, error) {
	ps, err := s.PhotosByIDs(ctx, userID, photoIDs)
	if err != nil {
		return 0, err
	}
	if len(ps) != len(uniqueIDs(photoIDs)) {
		return 0, fmt.Errorf("store: edit keywords: %w", ErrNotFound)
	}
	ai, err := s.AIMetadataFor(ctx, userID, photoIDs)
	if err != nil {
		return 0, err
	}
	changed := 0
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		changed = 0
		for _, p := range ps {
			was := p.ShownKeywords(ai[p.ID].Keywords)
			kws := []string{}
			for _, k := range was {
				if !slices.ContainsFunc(remove, func(r string) bool { return strings.EqualFold(r, k) }) {
					kws = append(kws, k)
				}
			}
			for _, k := range add {
				if !slices.ContainsFunc(kws, func(x string) bool { return strings.EqualFold(x, k) }) {
					kws = append(kws, k)
				}
			}
			if slices.Equal(kws, was) && p.Edits.Keywords != nil {
				continue
			}
			if err := s.setPhotoEdits(ctx, tx, userID, p.ID, PhotoEdit{Keywords: &kws}); err != nil {
				return err
			}
			changed++
		}
		return nil
	})
	return changed, err
}

func uniqueIDs(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

// Collection is one of the person's own albums. With a Query it is a saved
// search (a smart album): its photos are that search's, not a list.
type Collection struct {
	ID         int64
	UserID     int64
	Name       string
	Query      string
	PhotoCount int // of a plain collection; 0 for a saved search
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// CreateCollection makes a collection of the user's; a name the user has
// (case-insensitive) is ErrConflict.
func (s *DB) CreateCollection(ctx context.Context, userID int64, name, query string) (Collection, error) {
	now := s.now()
	c := Collection{UserID: userID, Name: name, Query: query, CreatedAt: now, UpdatedAt: now}
	err := s.db.QueryRowContext(ctx, `INSERT INTO collections (user_id, name, query, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $4) RETURNING id`, userID, name, query, s.ts(now)).Scan(&c.ID)
	if isUnique(err) {
		return Collection{}, fmt.Errorf("store: collection %q: %w", name, ErrConflict)
	}
	if err != nil {
		return Collection{}, fmt.Errorf("store: create collection: %w", err)
	}
	return c, nil
}

// Collections lists the user's collections by name, with photo counts.
func (s *DB) Collections(ctx context.Context, userID int64) ([]Collection, error) {
	return s.queryCollections(ctx, "WHERE c.user_id = $1 ORDER BY lower(c.name), c.id", userID)
}

// CollectionByID returns one of the user's collections.
func (s *DB) CollectionByID(ctx context.Context, userID, id int64) (Collection, error) {
	cs, err := s.queryCollections(ctx, "WHERE c.user_id = $1 AND c.id = $2", userID, id)
	if err != nil {
		return Collection{}, err
	}
	if len(cs) == 0 {
		return Collection{}, fmt.Errorf("store: collection %d: %w", id, ErrNotFound)
	}
	return cs[0], nil
}

func (s *DB) queryCollections(ctx context.Context, tail string, args ...any) ([]Collection, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT c.id, c.user_id, c.name, c.query, c.created_at, c.updated_at,
		(SELECT COUNT(*) FROM collection_photos cp WHERE cp.collection_id = c.id)
		FROM collections c `+tail, args...)
	if err != nil {
		return nil, fmt.Errorf("store: collections: %w", err)
	}
	defer rows.Close()
	var out []Collection
	for rows.Next() {
		var c Collection
		if err := rows.Scan(&c.ID, &c.UserID, &c.Name, &c.Query, tm(&c.CreatedAt), tm(&c.UpdatedAt), &c.PhotoCount); err != nil {
			return nil, fmt.Errorf("store: collections: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// DeleteCollection removes a collection of the user's; its photos stay.
func (s *DB) DeleteCollection(ctx context.Context, userID, id int64) error {
	res, err := s.db.ExecContext(ctx, "DELETE FROM collections WHERE user_id = $1 AND id = $2", userID, id)
	return affected(res, err, fmt.Sprintf("delete collection %d", id))
}

// ChangeCollection adds and removes photos of a plain collection of the
// user's. All or nothing: another user's collection or photo is
// ErrNotFound and changes nothing; a saved search holds no photos
// (ErrConflict).
func (s *DB) ChangeCollection(ctx context.Context, userID, id int64, add, remove []int64) error {
	c, err := s.CollectionByID(ctx, userID, id)
	if err != nil {
		return err
	}
	if c.Query != "" && len(add) > 0 {
		return fmt.Errorf("store: collection %d is a saved search: %w", id, ErrConflict)
	}
	all := uniqueIDs(append(slices.Clone(add), remove...))
	if len(all) > 0 {
		ps, err := s.PhotosByIDs(ctx, userID, all)
		if err != nil {
			return err
		}
		if len(ps) != len(all) {
			return fmt.Errorf("store: change collection %d: %w", id, ErrNotFound)
		}
	}
	now := s.ts(s.now())
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, pid := range uniqueIDs(add) {
			if _, err := tx.ExecContext(ctx, `INSERT INTO collection_photos (collection_id, photo_id, user_id, added_at)
				VALUES ($1, $2, $3, $4) ON CONFLICT (collection_id, photo_id) DO NOTHING`, id, pid, userID, now); err != nil {
				return fmt.Errorf("store: add to collection %d: %w", id, err)
			}
		}
		if len(remove) > 0 {
			if _, err := tx.ExecContext(ctx, "DELETE FROM collection_photos WHERE collection_id = $1 AND user_id = $2 AND "+
				inList("photo_id", uniqueIDs(remove)), id, userID); err != nil {
				return fmt.Errorf("store: remove from collection %d: %w", id, err)
			}
		}
		_, err := tx.ExecContext(ctx, "UPDATE collections SET updated_at = $1 WHERE user_id = $2 AND id = $3", now, userID, id)
		return err
	})
}

// fillPlaces names the places of photos stored before places were
// (migration 00051 leaves them NULL), in batches, and refreshes their
// full-text documents so their places are searchable. Photos without GPS
// get "" so they are not looked at again.
func (s *DB) fillPlaces(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, "UPDATE photos SET place = '' WHERE place IS NULL AND (gps_lat IS NULL OR gps_lon IS NULL)"); err != nil {
		return fmt.Errorf("store: fill places: %w", err)
	}
	for {
		rows, err := s.db.QueryContext(ctx, "SELECT id, user_id, gps_lat, gps_lon FROM photos WHERE place IS NULL ORDER BY id LIMIT 500")
		if err != nil {
			return fmt.Errorf("store: fill places: %w", err)
		}
		type named struct {
			id, user int64
			place    string
		}
		var batch []named
		for rows.Next() {
			var n named
			var lat, lon float64
			if err := rows.Scan(&n.id, &n.user, &lat, &lon); err != nil {
				rows.Close()
				return fmt.Errorf("store: fill places: %w", err)
			}
			n.place = place.Name(lat, lon)
			batch = append(batch, n)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: fill places: %w", err)
		}
		if len(batch) == 0 {
			return nil
		}
		err = s.inTx(ctx, func(tx *sql.Tx) error {
			for _, n := range batch {
				if _, err := tx.ExecContext(ctx, "UPDATE photos SET place = $1 WHERE id = $2", n.place, n.id); err != nil {
					return err
				}
				if err := s.refreshSearch(ctx, tx, n.user, n.id); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("store: fill places: %w", err)
		}
		s.log.InfoContext(ctx, "named the places of photos", "photos", len(batch))
	}
}
