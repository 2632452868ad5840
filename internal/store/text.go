package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode"
)

// searchDoc is a photo's full-text document, one field per searchable column.
type searchDoc struct {
	title, caption, keywords, description, fileName, album, camera string
}

// refreshSearch rebuilds the full-text entry of one photo from the photo, its
// album and its AI metadata. Every write that changes any of those calls it
// in the same transaction, so search never sees a stale document.
func (s *DB) refreshSearch(ctx context.Context, tx *sql.Tx, userID, photoID int64) error {
	var d searchDoc
	var kw, aiKW, objects, colors, scene, text, mk, model, lens string
	err := tx.QueryRowContext(ctx, `SELECT p.title, p.caption, p.keywords, p.file_name, p.camera_make, p.camera_model, p.lens,
		COALESCE(a.name, ''), COALESCE(m.description, ''), COALESCE(m.keywords, '[]'), COALESCE(m.objects, '[]'),
		COALESCE(m.colors, '[]'), COALESCE(m.scene, ''), COALESCE(m.text_in_image, '')
		FROM photos p LEFT JOIN albums a ON a.id = p.album_id LEFT JOIN ai_metadata m ON m.photo_id = p.id
		WHERE p.user_id = $1 AND p.id = $2`, userID, photoID).Scan(
		&d.title, &d.caption, &kw, &d.fileName, &mk, &model, &lens, &d.album, &d.description, &aiKW, &objects, &colors, &scene, &text)
	if err != nil {
		return notFound(fmt.Sprintf("search doc of photo %d", photoID), err)
	}
	var words []string
	for _, l := range []string{kw, aiKW, objects, colors} {
		var xs []string
		if err := decodeList(l, &xs); err != nil {
			return err
		}
		words = append(words, xs...)
	}
	d.keywords = strings.Join(words, " ; ")
	d.description = strings.TrimSpace(d.description + " " + scene + " " + text)
	d.fileName = splitWords(d.fileName)
	d.camera = strings.TrimSpace(mk + " " + model + " " + lens)

	if s.dialect == SQLite {
		if _, err := tx.ExecContext(ctx, "DELETE FROM photo_fts WHERE rowid = $1", photoID); err != nil {
			return fmt.Errorf("store: refresh search %d: %w", photoID, err)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO photo_fts (rowid, title, caption, keywords, description, file_name, album, camera)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, photoID, d.title, d.caption, d.keywords, d.description, d.fileName, d.album, d.camera)
	} else {
		all := strings.Join([]string{d.title, d.caption, d.keywords, d.description, d.fileName, d.album, d.camera}, " ")
		_, err = tx.ExecContext(ctx, `INSERT INTO photo_search (photo_id, user_id, doc, tsv) VALUES ($1, $2, $3,
			setweight(to_tsvector('english', $4), 'A') || setweight(to_tsvector('english', $5), 'A') ||
			setweight(to_tsvector('english', $6), 'B') || setweight(to_tsvector('english', $7), 'B') ||
			setweight(to_tsvector('english', $8), 'B') ||
			setweight(to_tsvector('simple', $9), 'C') || setweight(to_tsvector('simple', $10), 'C'))
			ON CONFLICT (photo_id) DO UPDATE SET doc = excluded.doc, tsv = excluded.tsv`,
			photoID, userID, strings.ToLower(all), d.title, d.keywords, d.caption, d.description, d.album, d.fileName, d.camera)
	}
	if err != nil {
		return fmt.Errorf("store: refresh search %d: %w", photoID, err)
	}
	return nil
}

// splitWords turns "IMG_2018-07-25.jpg" into "IMG 2018 07 25 jpg" so every
// part of a file name is a searchable word on both dialects.
func splitWords(s string) string {
	return strings.Join(Words(s), " ")
}

// Words splits text into lower-case runs of letters and digits: the unit of
// the text query on both dialects (safe to embed in FTS5 and tsquery syntax).
func Words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
}

// TextQuery is the text leg of a search, already parsed.
type TextQuery struct {
	// Terms match as word prefixes; any term may match (ranking rewards more).
	Terms []string
	// Phrases must appear as consecutive words.
	Phrases []string
	// Exclude drops photos containing any of these words.
	Exclude []string
	Filter  Filter
	Limit   int
}

// TextHit is one photo found by the text leg, best first.
type TextHit struct {
	PhotoID int64
	Score   float64 // higher is better; comparable only within one query
}

// SearchText runs the full-text leg for the user: FTS5 bm25 on SQLite,
// weighted tsvector rank plus trigram word similarity (typos, partial words)
// on Postgres. A query with no positive terms returns no hits.
func (s *DB) SearchText(ctx context.Context, userID int64, q TextQuery) ([]TextHit, error) {
	var tp textPlan
	for _, t := range q.Terms {
		tp.pos = append(tp.pos, Words(t)...)
	}
	for _, ph := range q.Phrases {
		if w := Words(ph); len(w) > 0 {
			tp.phrases = append(tp.phrases, w)
		}
	}
	for _, t := range q.Exclude {
		tp.neg = append(tp.neg, Words(t)...)
	}
	if len(tp.pos) == 0 && len(tp.phrases) == 0 {
		return nil, nil
	}
	tp.limit = q.Limit
	if tp.limit <= 0 {
		tp.limit = 100
	}
	tp.userID, tp.filtered = userID, q.Filter != (Filter{})
	if s.dialect == SQLite {
		tp.cond, tp.args = s.FilterSQL(userID, q.Filter)
	} else {
		// Filter on the search row's own copy: no photo lookup per match.
		var err error
		if tp.cond, tp.args, err = s.CopiedFilterSQL(ctx, "s", userID, q.Filter); err != nil {
			return nil, err
		}
	}
	// Ranking costs a little for every photo that matches, and a common
	// word matches thousands in a large library. So a query of several
	// words first asks for photos with all of them, which rank first
	// anyway; only when they do not fill the list does it rank every
	// photo with any of them.
	if len(tp.pos)+len(tp.phrases) > 1 {
		tp.all = true
		hits, err := s.searchTextDialect(ctx, tp)
		if err != nil || len(hits) >= tp.limit {
			return hits, err
		}
		tp.all = false
	}
	return s.searchTextDialect(ctx, tp)
}

// textPlan is a parsed text query with its filter rendered.
type textPlan struct {
	pos, neg []string   // words that may match (as prefixes) and must not
	phrases  [][]string // word sequences that may match
	all      bool       // every positive word and phrase must match
	userID   int64
	cond     string // the filter, placeholders from $1 (the user)
	args     []any
	filtered bool // the filter is more than the user
	limit    int
}

// searchTextDialect runs the full-text leg on the store's dialect.
func (s *DB) searchTextDialect(ctx context.Context, tp textPlan) ([]TextHit, error) {
	if s.dialect != SQLite {
		return s.searchTextPostgres(ctx, tp)
	}
	var alts []string
	for _, w := range tp.pos {
		alts = append(alts, `"`+w+`"*`)
	}
	for _, ph := range tp.phrases {
		alts = append(alts, `"`+strings.Join(ph, " ")+`"`)
	}
	op := " OR "
	if tp.all {
		op = " AND "
	}
	match := "(" + strings.Join(alts, op) + ")"
	for _, w := range tp.neg {
		match += ` NOT "` + w + `"`
	}
	args := append(tp.args[:len(tp.args):len(tp.args)], match, tp.limit)
	// CROSS JOIN keeps the full-text match as the outer loop: without
	// statistics the planner may otherwise drive from a filter's index
	// and run the match once per photo.
	query := fmt.Sprintf(`SELECT f.rowid, -bm25(photo_fts, 5.0, 3.0, 4.0, 2.0, 2.0, 3.0, 2.0)
		FROM photo_fts f CROSS JOIN photos p ON p.id = f.rowid
		WHERE photo_fts MATCH $%d AND %s ORDER BY 2 DESC, f.rowid LIMIT $%d`, len(args)-1, tp.cond, len(args))
	return s.textHits(ctx, query, args...)
}

// searchTextPostgres ranks by the weighted tsvector; only when that finds
// nothing does it look for typo and partial-word matches with pg_trgm's word
// similarity, which costs several times more (the CLIP leg already covers
// the meaning of a query whose other words matched). A query for every word
// leaves the typo fallback to the query for any.
func (s *DB) searchTextPostgres(ctx context.Context, tp textPlan) ([]TextHit, error) {
	var alts []string
	for _, w := range tp.pos {
		alts = append(alts, "'"+w+"':*")
	}
	for _, ph := range tp.phrases {
		alts = append(alts, "("+strings.Join(quoteAll(ph), " <-> ")+")")
	}
	anyWord := "(" + strings.Join(alts, " | ") + ")"
	tsq := anyWord
	if tp.all {
		tsq = "(" + strings.Join(alts, " & ") + ")"
	}
	for _, w := range tp.neg {
		tsq += " & !'" + w + "'"
	}
	n := len(tp.args)
	ftsArgs := append(append([]any{}, tp.args...), tsq, tp.limit)
	hits, err := s.textHits(ctx, fmt.Sprintf(`SELECT s.photo_id, ts_rank_cd(s.tsv, q) AS score
		FROM photo_search s, to_tsquery('english', $%d) q
		WHERE %s AND s.tsv @@ q
		ORDER BY score DESC, s.photo_id LIMIT $%d`, n+1, tp.cond, n+2), ftsArgs...)
	if err != nil || len(hits) > 0 || tp.all {
		return hits, err
	}
	if tp.filtered {
		// Words the library has are not typos: when the filter leaves no
		// photo with them, the answer is none, not a fuzzy match (which
		// would also cost a trigram scan of the whole library).
		var known bool
		if err := s.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM photo_search s
			WHERE s.user_id = $1 AND s.tsv @@ to_tsquery('english', $2))`, tp.userID, anyWord).Scan(&known); err != nil {
			return nil, fmt.Errorf("store: text search: %w", err)
		}
		if known {
			return nil, nil
		}
	}
	plain := strings.Join(append(append([]string{}, tp.pos...), flatten(tp.phrases)...), " ")
	trgmArgs := append(append([]any{}, tp.args...), plain, tsq, tp.limit)
	notExcluded := ""
	if len(tp.neg) > 0 {
		notExcluded = fmt.Sprintf(" AND NOT s.tsv @@ to_tsquery('english', '%s')", strings.Join(tp.neg, "' | '"))
	}
	return s.textHits(ctx, fmt.Sprintf(`SELECT s.photo_id, word_similarity($%d, s.doc) AS score
		FROM photo_search s
		WHERE %s AND $%d <%% s.doc AND NOT s.tsv @@ to_tsquery('english', $%d)%s
		ORDER BY score DESC, s.photo_id LIMIT $%d`, n+1, tp.cond, n+1, n+2, notExcluded, n+3), trgmArgs...)
}

func (s *DB) textHits(ctx context.Context, query string, args ...any) ([]TextHit, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: text search: %w", err)
	}
	defer rows.Close()
	var hits []TextHit
	for rows.Next() {
		var h TextHit
		if err := rows.Scan(&h.PhotoID, &h.Score); err != nil {
			return nil, fmt.Errorf("store: text search: %w", err)
		}
		hits = append(hits, h)
	}
	return hits, rows.Err()
}

func quoteAll(ws []string) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = "'" + w + "'"
	}
	return out
}

func flatten(xss [][]string) []string {
	var out []string
	for _, xs := range xss {
		out = append(out, xs...)
	}
	return out
}
