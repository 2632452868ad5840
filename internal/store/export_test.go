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

// FilterSelections runs a filter's four SQL renderings for the user — on
// the photos (where), resolved (album ids inlined), and on the copies of the
// photos' columns that embeddings and photo_search carry (Postgres) — and
// returns what each selects, in id order.
func FilterSelections(ctx context.Context, db *DB, userID int64, f Filter) (photos, resolved, embeddings, search []int64, err error) {
	sel := func(q string, args []any) []int64 {
		if err != nil {
			return nil
		}
		var ids []int64
		ids, err = queryIDs(ctx, db.db, q, args...)
		return ids
	}
	cond, args := db.filterSQL(userID, f)
	photos = sel("SELECT p.id FROM photos p WHERE "+cond+" ORDER BY p.id", args)
	rc, rargs, rerr := db.resolvedFilterSQL(ctx, userID, f)
	if rerr != nil {
		return nil, nil, nil, nil, rerr
	}
	resolved = sel("SELECT p.id FROM photos p WHERE "+rc+" ORDER BY p.id", rargs)
	if db.dialect != Postgres {
		return photos, resolved, nil, nil, err
	}
	for _, table := range []string{"embeddings", "photo_search"} {
		cc, cargs, cerr := db.copiedFilterSQL(ctx, "x", userID, f)
		if cerr != nil {
			return nil, nil, nil, nil, cerr
		}
		got := sel("SELECT x.photo_id FROM "+table+" x WHERE "+cc+" ORDER BY x.photo_id", cargs)
		if table == "embeddings" {
			embeddings = got
		} else {
			search = got
		}
	}
	return photos, resolved, embeddings, search, err
}

// ExplainNearest is the plan of NearestPhotos' query, run with its settings.
func ExplainNearest(ctx context.Context, db *DB, q VectorQuery, plan VectorPlan) (string, error) {
	query, args, err := db.nearestSQL(ctx, q, plan.Exact)
	if err != nil {
		return "", err
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return "", err
	}
	defer tx.Rollback()
	if !plan.Exact {
		set, sargs := annSettings(q.K, plan)
		if _, err := tx.ExecContext(ctx, set, sargs...); err != nil {
			return "", err
		}
	}
	rows, err := tx.QueryContext(ctx, "EXPLAIN "+query, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			return "", err
		}
		lines = append(lines, l)
	}
	return strings.Join(lines, "\n"), rows.Err()
}
