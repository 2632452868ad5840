package store

import (
	"context"
	"fmt"
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
