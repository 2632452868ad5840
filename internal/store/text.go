package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
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
	docs, err := searchDocs(ctx, tx, userID, []int64{photoID})
	if err != nil {
		return err
	}
	d, ok := docs[photoID]
	if !ok {
		return fmt.Errorf("store: search doc of photo %d: %w", photoID, ErrNotFound)
	}
	if s.dialect == SQLite {
		if _, err := tx.ExecContext(ctx, "DELETE FROM photo_fts WHERE rowid = $1", photoID); err != nil {
			return fmt.Errorf("store: refresh search %d: %w", photoID, err)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO photo_fts (rowid, title, caption, keywords, description, file_name, album, camera)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, photoID, d.title, d.caption, d.keywords, d.description, d.fileName, d.album, d.camera)
	} else {
		// Every field in the language's configuration, as SQLite's
		// tokenizer treats every column alike: a word means the same in
		// a file name as in a description.
		all := strings.Join([]string{d.title, d.caption, d.keywords, d.description, d.fileName, d.album, d.camera}, " ")
		_, err = tx.ExecContext(ctx, fmt.Sprintf(`INSERT INTO photo_search (photo_id, user_id, doc, tsv) VALUES ($1, $2, $3,
			setweight(to_tsvector(%[1]s, $4), 'A') || setweight(to_tsvector(%[1]s, $5), 'A') ||
			setweight(to_tsvector(%[1]s, $6), 'B') || setweight(to_tsvector(%[1]s, $7), 'B') ||
			setweight(to_tsvector(%[1]s, $8), 'B') ||
			setweight(to_tsvector(%[1]s, $9), 'C') || setweight(to_tsvector(%[1]s, $10), 'C'))
			ON CONFLICT (photo_id) DO UPDATE SET doc = excluded.doc, tsv = excluded.tsv`, s.lang.regconfig()),
			photoID, userID, strings.ToLower(all), d.title, d.keywords, d.caption, d.description, d.album, d.fileName, d.camera)
	}
	if err != nil {
		return fmt.Errorf("store: refresh search %d: %w", photoID, err)
	}
	return nil
}

// searchDocs builds the full-text documents of the user's photos ids.
func searchDocs(ctx context.Context, q querier, userID int64, ids []int64) (map[int64]searchDoc, error) {
	// The person's own caption and keywords (user_*) win: edited keywords
	// replace the file's and Claude's, so a removed one stays removed.
	rows, err := q.QueryContext(ctx, `SELECT p.id, p.title, COALESCE(p.user_caption, p.caption), COALESCE(p.user_keywords, p.keywords),
		p.file_name, p.camera_make, p.camera_model, p.lens,
		TRIM(COALESCE(a.name, '') || ' ' || COALESCE(p.place, '')), COALESCE(m.description, ''),
		CASE WHEN p.user_keywords IS NULL THEN COALESCE(m.keywords, '[]') ELSE '[]' END, COALESCE(m.objects, '[]'),
		COALESCE(m.colors, '[]'), COALESCE(m.scene, ''), COALESCE(m.text_in_image, '')
		FROM photos p LEFT JOIN albums a ON a.id = p.album_id LEFT JOIN ai_metadata m ON m.photo_id = p.id
		WHERE p.user_id = $1 AND `+inList("p.id", ids), userID)
	if err != nil {
		return nil, fmt.Errorf("store: search docs: %w", err)
	}
	defer rows.Close()
	out := make(map[int64]searchDoc, len(ids))
	for rows.Next() {
		var id int64
		var d searchDoc
		var kw, aiKW, objects, colors, scene, text, mk, model, lens string
		if err := rows.Scan(&id, &d.title, &d.caption, &kw, &d.fileName, &mk, &model, &lens, &d.album, &d.description,
			&aiKW, &objects, &colors, &scene, &text); err != nil {
			return nil, fmt.Errorf("store: search docs: %w", err)
		}
		var words []string
		for _, l := range []string{kw, aiKW, objects, colors} {
			var xs []string
			if err := decodeList(l, &xs); err != nil {
				return nil, err
			}
			words = append(words, xs...)
		}
		d.keywords = strings.Join(words, " ; ")
		d.description = strings.TrimSpace(d.description + " " + scene + " " + text)
		d.fileName = splitWords(d.fileName)
		d.camera = strings.TrimSpace(mk + " " + model + " " + lens)
		out[id] = d
	}
	return out, rows.Err()
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
	tp, err := s.newTextPlan(ctx, userID, q)
	if err != nil || tp.empty() {
		return nil, err
	}
	// Photos with every word come first. Only when fewer than
	// widenBelow have them all does the leg widen to photos with any word,
	// ranked after them: "golden gate" should not list photos that only
	// say "golden" among those that say both, and in a large library the
	// photos with any word of a common pair are tens of thousands to rank.
	// Photos with some of the words still reach the results through the
	// vector leg when they look like the query.
	if len(tp.pos)+len(tp.phrases) < 2 {
		return s.searchTextDialect(ctx, tp)
	}
	tp.all = true
	hits, err := s.searchTextDialect(ctx, tp)
	if err != nil || len(hits) >= min(widenBelow, tp.limit) {
		return hits, err
	}
	tp.all = false
	anyHits, err := s.searchTextDialect(ctx, tp)
	if err != nil {
		return nil, err
	}
	seen := make(map[int64]bool, len(hits))
	for _, h := range hits {
		seen[h.PhotoID] = true
	}
	for _, h := range anyHits {
		if len(hits) == tp.limit {
			break
		}
		if !seen[h.PhotoID] {
			hits = append(hits, h)
		}
	}
	return hits, nil
}

// widenBelow is how few photos with every word of a query make the text
// leg add photos with any of them.
const widenBelow = 50

// textPlan is a parsed text query with its filter rendered.
type textPlan struct {
	pos, neg   []string   // words that may match (as prefixes) and must not
	phrases    [][]string // word sequences that may match
	all        bool       // every positive word and phrase must match
	userID     int64
	cond       string // the filter, placeholders from $1 (the user)
	args       []any
	album      bool // the filter names an album
	smallAlbum bool // Postgres: the filter (an album, or the user's whole library) has fewer than albumScanBelow photos
	limit      int
}

// newTextPlan parses q's words, leaves out the language's stop words, and
// renders its filter for the user.
func (s *DB) newTextPlan(ctx context.Context, userID int64, q TextQuery) (textPlan, error) {
	var tp textPlan
	var all []string
	for _, t := range q.Terms {
		tp.pos = append(tp.pos, Words(t)...)
	}
	for _, ph := range q.Phrases {
		if w := Words(ph); len(w) > 0 {
			tp.phrases = append(tp.phrases, w)
			all = append(all, w...)
		}
	}
	for _, t := range q.Exclude {
		tp.neg = append(tp.neg, Words(t)...)
	}
	// A word said twice is one word: the planner would take "a & a" for
	// a rarer match than "a".
	tp.pos, tp.neg = uniqueWords(tp.pos), uniqueWords(tp.neg)
	all = append(append(all, tp.pos...), tp.neg...)
	stop, err := s.StopWords(ctx, uniqueWords(all))
	if err != nil {
		return tp, err
	}
	if len(stop) > 0 {
		isStop := func(w string) bool { return slices.Contains(stop, w) }
		tp.pos = slices.DeleteFunc(tp.pos, isStop)
		tp.neg = slices.DeleteFunc(tp.neg, isStop)
		// A phrase keeps its stop words (word order and gaps count), but
		// one of nothing else looks for nothing.
		tp.phrases = slices.DeleteFunc(tp.phrases, func(ph []string) bool { return !slices.ContainsFunc(ph, func(w string) bool { return !isStop(w) }) })
	}
	if tp.empty() {
		return tp, nil // nothing will be searched: no filter to render
	}
	tp.limit = q.Limit
	if tp.limit <= 0 {
		tp.limit = 100
	}
	tp.userID = userID
	tp.album = q.Filter.Album != "" || q.Filter.AlbumID != 0
	if s.dialect == SQLite {
		tp.cond, tp.args = s.filterSQL(userID, q.Filter)
		return tp, nil
	}
	// Filter on the search row's own copy: no photo lookup per match.
	if tp.cond, tp.args, err = s.copiedFilterSQL(ctx, "s", userID, q.Filter); err != nil {
		return tp, err
	}
	// A small album, or a small library, is checked photo by photo: the
	// text index walks every user's matches of the words and filters out
	// the other users' (at 1000 users of 200 photos each, 35 ms for a
	// word pair that this user's 200 rows answer in well under one).
	// Counting stops at albumScanBelow, so a large one costs ~1 ms; a
	// library is counted without the filter (the user's index), so a
	// selective filter never makes the count read every row.
	cond, args := tp.cond, tp.args
	if !tp.album {
		cond, args = "s.user_id = $1", []any{userID}
	}
	var n int
	err = s.db.QueryRowContext(ctx, fmt.Sprintf("SELECT COUNT(*) FROM (SELECT 1 FROM photo_search s WHERE %s LIMIT %d) x",
		cond, albumScanBelow), args...).Scan(&n)
	if err != nil {
		return tp, fmt.Errorf("store: text search: library size: %w", err)
	}
	tp.smallAlbum = n < albumScanBelow
	return tp, nil
}

// albumScanBelow is the album size under which the text leg checks each of
// the album's photos (about 5 µs a photo) rather than intersect the album
// with the words' matches. It is SmugMug's largest gallery.
const albumScanBelow = 5000

// empty reports a query with nothing to look for (only exclusions).
func (tp textPlan) empty() bool { return len(tp.pos) == 0 && len(tp.phrases) == 0 }

// searchTextDialect runs the full-text leg on the store's dialect.
func (s *DB) searchTextDialect(ctx context.Context, tp textPlan) ([]TextHit, error) {
	if s.dialect != SQLite {
		return s.searchTextPostgres(ctx, tp)
	}
	var alts []string
	for _, w := range tp.pos {
		alts = append(alts, `"`+w+`"`)
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

// searchTextPostgres ranks by the weighted tsvector. Typos are not matched
// here: a query whose words the library lacks finds nothing, on both
// dialects alike, and the search engine offers the nearest words of the
// library instead (SuggestWords).
func (s *DB) searchTextPostgres(ctx context.Context, tp textPlan) ([]TextHit, error) {
	r := s.rankSQL(tp)
	var hits []TextHit
	err := s.withRankSettings(ctx, r.ordered, func(q querier) error {
		var err error
		hits, err = scanTextHits(q.QueryContext(ctx, r.query, r.args...))
		return err
	})
	if r.ordered {
		// The index orders by rank alone; ties go in photo order, as the
		// other forms' ORDER BY puts them.
		slices.SortStableFunc(hits, func(a, b TextHit) int {
			return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.PhotoID, b.PhotoID))
		})
	}
	return hits, err
}

// rankQuery is the Postgres full-text ranking query of a textPlan.
type rankQuery struct {
	query   string
	args    []any
	ordered bool // served in order by the rum index: run under withRankSettings
}

// rankSQL renders the ranking query of tp. Every form ranks by ts_rank with
// its default weights (the rum index's distance is its reciprocal).
func (s *DB) rankSQL(tp textPlan) rankQuery {
	var alts []string
	for _, w := range tp.pos {
		alts = append(alts, "'"+w+"'")
	}
	for _, ph := range tp.phrases {
		alts = append(alts, "("+strings.Join(quoteAll(ph), " <-> ")+")")
	}
	var r rankQuery
	op := " | "
	if tp.all {
		op = " & "
	}
	tsq := "(" + strings.Join(alts, op) + ")"
	for _, w := range tp.neg {
		tsq += " & !'" + w + "'"
	}
	n := len(tp.args)
	r.args = append(append([]any{}, tp.args...), tsq, tp.limit)
	switch {
	case tp.smallAlbum:
		// An album is usually a few hundred photos: check each of them
		// rather than intersect the album with every match of the words,
		// which the planner would do from either text index.
		r.query = fmt.Sprintf(`WITH album AS MATERIALIZED (
			SELECT s.photo_id, s.tsv FROM photo_search s WHERE %s)
		SELECT a.photo_id, ts_rank(a.tsv, q) AS score
		FROM album a, to_tsquery(%s, $%d) q
		WHERE a.tsv @@ q
		ORDER BY score DESC, a.photo_id LIMIT $%d`, tp.cond, s.lang.regconfig(), n+1, n+2)
	case s.rankIndex.Load() && !tp.album:
		// Ordered by the distance alone, which the index serves (a
		// second sort key would make the planner sort every match);
		// ties are put in photo order afterwards. (Walking matches best
		// first until enough are in one album could read them all: a
		// large album is left to the planner.)
		r.ordered = true
		r.query = fmt.Sprintf(`SELECT s.photo_id, 1 / (s.tsv <=> q) AS score
		FROM photo_search s, to_tsquery(%s, $%d) q
		WHERE %s AND s.tsv @@ q
		ORDER BY s.tsv <=> q LIMIT $%d`, s.lang.regconfig(), n+1, tp.cond, n+2)
	default:
		r.query = fmt.Sprintf(`SELECT s.photo_id, ts_rank(s.tsv, q) AS score
		FROM photo_search s, to_tsquery(%s, $%d) q
		WHERE %s AND s.tsv @@ q
		ORDER BY score DESC, s.photo_id LIMIT $%d`, s.lang.regconfig(), n+1, tp.cond, n+2)
	}
	return r
}

// withRankSettings runs fn on the pool, or, for a query the rum index
// serves in order, in a transaction with bitmap scans and sorting off,
// which leaves the index's ordered scan: it reads only as many matches as
// it returns (at worst, under a selective filter, every match, as any
// other plan would). Left to itself the planner takes words to be
// independent, so for "golden gate" it expects a handful of matches and
// would rank them all after a bitmap scan — thousands, when the words go
// together.
func (s *DB) withRankSettings(ctx context.Context, ordered bool, fn func(querier) error) error {
	if !ordered {
		return fn(s.db)
	}
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("store: text search: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "SELECT set_config('enable_bitmapscan', 'off', true), set_config('enable_sort', 'off', true)"); err != nil {
		return fmt.Errorf("store: text search: %w", err)
	}
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

func (s *DB) textHits(ctx context.Context, query string, args ...any) ([]TextHit, error) {
	return scanTextHits(s.db.QueryContext(ctx, query, args...))
}

func scanTextHits(rows *sql.Rows, err error) ([]TextHit, error) {
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

// uniqueWords is ws without repeats, in their first order.
func uniqueWords(ws []string) []string {
	seen := make(map[string]bool, len(ws))
	return slices.DeleteFunc(ws, func(w string) bool {
		dup := seen[w]
		seen[w] = true
		return dup
	})
}

func quoteAll(ws []string) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = "'" + w + "'"
	}
	return out
}

// The fields of a photo's text document, as TextMatch names them.
const (
	FieldTitle       = "title"
	FieldCaption     = "caption"
	FieldKeywords    = "keywords" // the owner's and the generated keywords, objects and colours
	FieldDescription = "description"
	FieldFileName    = "file_name"
	FieldAlbum       = "album"
	FieldPlace       = "place"  // the place named from the GPS (indexed with the album name)
	FieldCamera      = "camera" // make, model and lens
)

// matchFields order a photo's matches: the document's fields, the album's
// column told apart into the album name and the place.
var matchFields = []string{FieldTitle, FieldCaption, FieldKeywords, FieldDescription, FieldFileName, FieldAlbum, FieldPlace, FieldCamera}

// docFields are the document's fields in the column order of photo_fts.
var docFields = []string{FieldTitle, FieldCaption, FieldKeywords, FieldDescription, FieldFileName, FieldAlbum, FieldCamera}

func (d searchDoc) fields() []string {
	return []string{d.title, d.caption, d.keywords, d.description, d.fileName, d.album, d.camera}
}

// TextMatch says where one word (or phrase) of a query was found in a photo.
type TextMatch struct {
	PhotoID int64
	// Term is the query's word or phrase, lower-case.
	Term string
	// Field is where it was found (FieldTitle …).
	Field string
	// Words are the photo's own words it matched, lower-case: "zebracorns"
	// for the term "zebracorn".
	Words []string
}

// Highlight marks: characters that split no word (see Words), put around
// a match by the engines' highlighters.
const markOpen, markClose = "\u27e6", "\u27e7"

// TextMatches reports, for the user's photos ids, where each of q's words
// and phrases matches, by the same language rules as SearchText (a stem
// matches, a stop word never does): the engine's own highlighter marks the
// words (FTS5 highlight, Postgres ts_headline). Matches come by photo in
// the order of ids, then by term in query order, then by field.
func (s *DB) TextMatches(ctx context.Context, userID int64, ids []int64, q TextQuery) ([]TextMatch, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	tp, err := s.newTextPlan(ctx, userID, TextQuery{Terms: q.Terms, Phrases: q.Phrases})
	if err != nil || tp.empty() {
		return nil, err
	}
	type term struct{ text, fts, tsq string }
	var terms []term
	for _, w := range tp.pos {
		terms = append(terms, term{w, `"` + w + `"`, "'" + w + "'"})
	}
	for _, ph := range tp.phrases {
		terms = append(terms, term{strings.Join(ph, " "), `"` + strings.Join(ph, " ") + `"`, strings.Join(quoteAll(ph), " <-> ")})
	}
	albums, err := s.albumNames(ctx, userID, ids)
	if err != nil {
		return nil, err
	}
	found := map[int64]map[int][]TextMatch{} // photo → term index → matches
	addField := func(id int64, ti int, field, marked string) {
		words := markedWords(marked)
		if len(words) == 0 {
			return
		}
		if found[id] == nil {
			found[id] = map[int][]TextMatch{}
		}
		found[id][ti] = append(found[id][ti], TextMatch{PhotoID: id, Term: terms[ti].text, Field: field, Words: words})
	}
	add := func(id int64, ti, field int, marked string) {
		if docFields[field] != FieldAlbum {
			addField(id, ti, docFields[field], marked)
			return
		}
		// The album's column is "album name" + " " + "place".
		name, place := splitMarked(marked, len(strings.TrimLeft(albums[id], " ")))
		addField(id, ti, FieldAlbum, name)
		addField(id, ti, FieldPlace, place)
	}
	if s.dialect == SQLite {
		cols := make([]string, len(docFields))
		for i := range cols {
			cols[i] = fmt.Sprintf("highlight(photo_fts, %d, '%s', '%s')", i, markOpen, markClose)
		}
		for ti, t := range terms {
			rows, err := s.db.QueryContext(ctx, `SELECT f.rowid, `+strings.Join(cols, ", ")+`
				FROM photo_fts f JOIN photos p ON p.id = f.rowid
				WHERE photo_fts MATCH $1 AND p.user_id = $2 AND `+inList("f.rowid", ids), t.fts, userID)
			if err != nil {
				return nil, fmt.Errorf("store: text matches: %w", err)
			}
			for rows.Next() {
				var id int64
				texts := make([]string, len(docFields))
				dest := []any{&id}
				for i := range texts {
					dest = append(dest, &texts[i])
				}
				if err := rows.Scan(dest...); err != nil {
					rows.Close()
					return nil, fmt.Errorf("store: text matches: %w", err)
				}
				for fi, txt := range texts {
					add(id, ti, fi, txt)
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return nil, fmt.Errorf("store: text matches: %w", err)
			}
		}
	} else {
		docs, err := searchDocs(ctx, s.db, userID, ids)
		if err != nil {
			return nil, err
		}
		var photoIDs []int64
		var fieldIdx []int
		var texts, tsqs []string
		for id, d := range docs {
			for fi, txt := range d.fields() {
				if strings.TrimSpace(txt) != "" {
					photoIDs, fieldIdx, texts = append(photoIDs, id), append(fieldIdx, fi), append(texts, txt)
				}
			}
		}
		for _, t := range terms {
			tsqs = append(tsqs, t.tsq)
		}
		cfg := s.lang.regconfig()
		rows, err := s.db.QueryContext(ctx, fmt.Sprintf(`SELECT d.photo_id, d.field, q.i,
				ts_headline(%[1]s, d.text, q.tsq, 'HighlightAll=true, StartSel=%[2]s, StopSel=%[3]s')
			FROM unnest($1::bigint[], $2::int[], $3::text[]) AS d(photo_id, field, text)
			CROSS JOIN (SELECT u.i, to_tsquery(%[1]s, u.t) AS tsq FROM unnest($4::text[]) WITH ORDINALITY AS u(t, i)) q
			WHERE to_tsvector(%[1]s, d.text) @@ q.tsq`, cfg, markOpen, markClose), photoIDs, fieldIdx, texts, tsqs)
		if err != nil {
			return nil, fmt.Errorf("store: text matches: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var fi, ti int
			var marked string
			if err := rows.Scan(&id, &fi, &ti, &marked); err != nil {
				return nil, fmt.Errorf("store: text matches: %w", err)
			}
			add(id, ti-1, fi, marked)
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("store: text matches: %w", err)
		}
	}
	var out []TextMatch
	for _, id := range ids {
		for ti := range terms {
			ms := found[id][ti]
			slices.SortFunc(ms, func(a, b TextMatch) int {
				return cmp.Compare(slices.Index(matchFields, a.Field), slices.Index(matchFields, b.Field))
			})
			out = append(out, ms...)
		}
	}
	return out, nil
}

// albumNames are the album names of the user's photos ids ("" for none).
func (s *DB) albumNames(ctx context.Context, userID int64, ids []int64) (map[int64]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT p.id, COALESCE(a.name, '') FROM photos p LEFT JOIN albums a ON a.id = p.album_id
		WHERE p.user_id = $1 AND `+inList("p.id", ids), userID)
	if err != nil {
		return nil, fmt.Errorf("store: album names: %w", err)
	}
	defer rows.Close()
	out := make(map[int64]string, len(ids))
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, fmt.Errorf("store: album names: %w", err)
		}
		out[id] = name
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: album names: %w", err)
	}
	return out, nil
}

// splitMarked splits a highlighted text where its unmarked text reaches n
// bytes: the marks never split a word, so a field joined from two parts
// (the album name, then the place) splits back into them.
func splitMarked(marked string, n int) (head, tail string) {
	seen := 0
	for i := 0; i < len(marked); {
		if seen == n && !strings.HasPrefix(marked[i:], markClose) {
			return marked[:i], marked[i:] // a word's closing mark stays with it
		}
		switch {
		case strings.HasPrefix(marked[i:], markOpen):
			i += len(markOpen)
		case strings.HasPrefix(marked[i:], markClose):
			i += len(markClose)
		default:
			i++
			seen++
		}
	}
	return marked, ""
}

// markedWords are the distinct words between highlight marks in s.
func markedWords(s string) []string {
	var out []string
	for {
		i := strings.Index(s, markOpen)
		if i < 0 {
			return out
		}
		s = s[i+len(markOpen):]
		j := strings.Index(s, markClose)
		if j < 0 {
			j = len(s)
		}
		for _, w := range Words(s[:j]) {
			if !slices.Contains(out, w) {
				out = append(out, w)
			}
		}
		s = s[min(j+len(markClose), len(s)):]
	}
}
