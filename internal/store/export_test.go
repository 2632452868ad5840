package store

import (
	"context"
	"strings"
)

// MigrateTo applies the migrations up to and including version: for tests
// of an upgrade from an older schema.
func MigrateTo(ctx context.Context, db *DB, version int64) error {
	p, err := db.migrator()
	if err != nil {
		return err
	}
	_, err = p.UpTo(ctx, version)
	return err
}

// ExplainTextRank is the plan of the full-text ranking query for q (with
// every word when all), run as SearchText runs it.
func ExplainTextRank(ctx context.Context, db *DB, userID int64, q TextQuery, all bool) (string, error) {
	tp, err := db.newTextPlan(ctx, userID, q)
	if err != nil {
		return "", err
	}
	tp.all = all
	r := db.rankSQL(tp)
	var plan []string
	err = db.withRankSettings(ctx, r.ordered, func(qr querier) error {
		rows, err := qr.QueryContext(ctx, "EXPLAIN "+r.query, r.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				return err
			}
			plan = append(plan, line)
		}
		return rows.Err()
	})
	return strings.Join(plan, "\n"), err
}
