package store_test

import (
	"cmp"
	"slices"
	"strings"
	"testing"

	"github.com/targetvision/targetvision/internal/store"
	"github.com/targetvision/targetvision/internal/store/storetest"
	"github.com/targetvision/targetvision/internal/testshared"
)

// TestPostgresTextRankPlans checks, with EXPLAIN, the plans the text leg
// relies on in a library where two words go together in thousands of
// photos (the planner, taking words to be independent, expects a few):
// with the rum index the ranking query is its ordered scan, which reads as
// many rows as it returns, never a sort of every match; with a small
// album's filter it starts from the album, and leaves a large one to the
// planner; a small library, beside a large one, starts from its own rows.
func TestPostgresTextRankPlans(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := storetest.OpenPostgres(t, store.Options{})
	if !db.RankedTextIndex() {
		if testshared.InCI() {
			t.Fatal("no rum index on the CI cluster")
		}
		t.Skip("the test cluster has no rum extension")
	}
	u, err := db.CreateUser(ctx, "plan@example.com", "x", false)
	if err != nil {
		t.Fatal(err)
	}
	src, err := db.CreateSource(ctx, store.Source{UserID: u.ID, Kind: store.SourceLocal, Name: "/p", Path: "/p"})
	if err != nil {
		t.Fatal(err)
	}
	var albums []int64
	for _, name := range []string{"Big", "Trip"} {
		a, err := db.UpsertAlbum(ctx, store.Album{UserID: u.ID, SourceID: src.ID, Key: name, Name: name})
		if err != nil {
			t.Fatal(err)
		}
		albums = append(albums, a.ID)
	}
	// 20,000 photos; "golden gate" in a third of them, always together;
	// the "Trip" album is 200 photos.
	for _, q := range []string{
		`INSERT INTO photos (user_id, source_id, album_id, source_key, file_name, title, created_at, updated_at)
		SELECT $1, $2, CASE WHEN i % 100 = 0 THEN $4::bigint ELSE $3::bigint END, 'k' || i, 'f' || i || '.jpg',
			CASE WHEN i % 3 = 0 THEN 'golden gate bridge ' ELSE 'harbour ' END || md5(i::text), now(), now()
		FROM generate_series(1, 20000) i`,
		`INSERT INTO photo_search (photo_id, user_id, doc, tsv)
		SELECT id, user_id, title, to_tsvector('english', title) FROM photos WHERE user_id = $1`,
		`ANALYZE photos`,
		`ANALYZE photo_search`,
	} {
		args := []any{u.ID, src.ID, albums[0], albums[1]}
		switch {
		case strings.HasPrefix(q, "ANALYZE"):
			args = nil
		case strings.Contains(q, "photo_search (photo_id"):
			args = args[:1]
		}
		if _, err := db.SQL().ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%.40s: %v", q, err)
		}
	}
	explain := func(db *store.DB, q store.TextQuery, all bool) string {
		t.Helper()
		plan, err := store.ExplainTextRank(ctx, db, u.ID, q, all)
		if err != nil {
			t.Fatal(err)
		}
		return plan
	}
	golden := store.TextQuery{Terms: []string{"golden", "gate"}, Limit: 200}
	for _, tc := range []struct {
		name string
		q    store.TextQuery
		all  bool
	}{
		{"one word", store.TextQuery{Terms: []string{"golden"}, Limit: 200}, false},
		{"every word", golden, true},
		{"any word", golden, false},
		{"filtered", store.TextQuery{Terms: golden.Terms, Limit: 200, Filter: store.Filter{Camera: "x"}}, true},
	} {
		plan := explain(db, tc.q, tc.all)
		if !strings.Contains(plan, "Index Scan using photo_search_rum") || !strings.Contains(plan, "Order By: (tsv <=>") ||
			strings.Contains(plan, "Sort") || strings.Contains(plan, "Bitmap") {
			t.Errorf("%s: not the rum index's ordered scan:\n%s", tc.name, plan)
		}
	}
	album := store.TextQuery{Terms: golden.Terms, Limit: 200, Filter: store.Filter{Album: "trip"}}
	if plan := explain(db, album, true); !strings.Contains(plan, "photo_search_album") || strings.Contains(plan, "photo_search_rum") {
		t.Errorf("small album: not from the album's photos:\n%s", plan)
	}
	// An album too large to check photo by photo is left to the planner.
	album.Filter.Album = "big"
	if plan := explain(db, album, true); strings.Contains(plan, "CTE") {
		t.Errorf("large album: checked photo by photo:\n%s", plan)
	}
	// A small library beside the large one is checked photo by photo too:
	// the rum index would walk the large library's matches to find its.
	small, err := db.CreateUser(ctx, "small@example.com", "x", false)
	if err != nil {
		t.Fatal(err)
	}
	ssrc, err := db.CreateSource(ctx, store.Source{UserID: small.ID, Kind: store.SourceLocal, Name: "/s", Path: "/s"})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO photos (user_id, source_id, source_key, file_name, title, created_at, updated_at)
		SELECT $1, $2, 'k' || i, 'f' || i || '.jpg', 'golden gate ' || md5(i::text), now(), now() FROM generate_series(1, 200) i`,
		`INSERT INTO photo_search (photo_id, user_id, doc, tsv)
		SELECT id, user_id, title, to_tsvector('english', title) FROM photos WHERE user_id = $1`,
	} {
		args := []any{small.ID, ssrc.ID}
		if strings.Contains(q, "photo_search (photo_id") {
			args = args[:1]
		}
		if _, err := db.SQL().ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%.40s: %v", q, err)
		}
	}
	if plan, err := store.ExplainTextRank(ctx, db, small.ID, golden, true); err != nil || !strings.Contains(plan, "CTE") ||
		strings.Contains(plan, "photo_search_rum") {
		t.Errorf("small library: not from the user's own photos (%v):\n%s", err, plan)
	}
	if hits, err := db.SearchText(ctx, small.ID, golden); err != nil || len(hits) != 200 {
		t.Errorf("small library: %d hits, %v", len(hits), err)
	}

	// The engine's answer is the same either way: the best-ranked photos,
	// ties in photo order.
	hits, err := db.SearchText(ctx, u.ID, golden)
	if err != nil || len(hits) != 200 {
		t.Fatalf("golden gate: %d hits, %v", len(hits), err)
	}
	if !slices.IsSortedFunc(hits, func(a, b store.TextHit) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.PhotoID, b.PhotoID))
	}) {
		t.Errorf("hits not best first, ties by photo: %v", hits[:5])
	}
}
