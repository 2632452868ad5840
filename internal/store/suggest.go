package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
)

// SuggestWords offers, for each of words (a query's words that no photo of
// the user has), the nearest word the user's photos do have — the
// library's own spelling of a typo — by the engine's vocabulary machinery:
// pg_trgm similarity over the user's documents on Postgres, the FTS5
// vocabulary table (fts5vocab) and edit distance on SQLite (among words of
// the same first letter there, see suggestSQLite). Words with no
// near neighbour, shorter than three letters or stop words get none.
func (s *DB) SuggestWords(ctx context.Context, userID int64, words []string) (map[string]string, error) {
	out := map[string]string{}
	stop, err := s.StopWords(ctx, words)
	if err != nil {
		return nil, err
	}
	for _, w := range uniqueWords(slices.Clone(words)) {
		if len([]rune(w)) < 3 || slices.Contains(stop, w) {
			continue
		}
		var sugg string
		if s.dialect == SQLite {
			sugg, err = s.suggestSQLite(ctx, userID, w)
		} else {
			sugg, err = s.suggestPostgres(ctx, userID, w)
		}
		if err != nil {
			return nil, fmt.Errorf("store: suggest %q: %w", w, err)
		}
		if sugg != "" && sugg != w {
			out[w] = sugg
		}
	}
	return out, nil
}

// suggestPostgres takes the words of documents that contain something like
// w (the trigram index's word similarity) and returns the most similar.
func (s *DB) suggestPostgres(ctx context.Context, userID int64, w string) (string, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return "", err
	}
	defer tx.Rollback()
	// pg_trgm's default word similarity (0.6) misses a dropped letter
	// in a short word ("grazng" and "graze" share 4 of 7 trigrams).
	if _, err := tx.ExecContext(ctx, "SELECT set_config('pg_trgm.word_similarity_threshold', '0.4', true)"); err != nil {
		return "", err
	}
	cands, err := scanColumn[string](tx.QueryContext(ctx, `SELECT x.w FROM (
			SELECT DISTINCT regexp_split_to_table(d.doc, '[^[:alnum:]]+') AS w
			FROM (SELECT doc FROM photo_search WHERE user_id = $1 AND $2 <% doc LIMIT 50) d) x
		WHERE x.w <> '' AND x.w % $2
		ORDER BY similarity(x.w, $2) DESC, x.w LIMIT 5`, userID, w))
	if err != nil {
		return "", err
	}
	if err := tx.Commit(); err != nil {
		return "", err
	}
	stop, err := s.StopWords(ctx, cands)
	if err != nil {
		return "", err
	}
	for _, c := range cands {
		if !slices.Contains(stop, c) {
			return c, nil
		}
	}
	return "", nil
}

// suggestSQLite ranks the vocabulary's terms by edit distance to w, then by
// how many photos have them, and returns, from the first terms one of the
// user's photos has, that photo's own word nearest to w (the highlighter
// marks the word a term matched). Under english the terms are stems
// ("orient" for "orientation"), so a term is compared with the start of w
// as long as itself, and the photo's word with w whole.
func (s *DB) suggestSQLite(ctx context.Context, userID int64, w string) (string, error) {
	rw := []rune(w)
	n := len(rw)
	maxDist := 1
	if n > 4 {
		maxDist = 2
	}
	// The vocabulary table reads the index to list terms: a range of
	// terms is read alone, the whole vocabulary is the whole index (a
	// fifth of a second at 100,000 photos). So candidates share w's
	// first letter, as most typos do.
	first := string(rw[:1])
	rows, err := s.db.QueryContext(ctx, `SELECT term, doc FROM photo_fts_vocab
		WHERE term >= $1 AND term < $2 AND length(term) BETWEEN $3 AND $4`, first, first+"\U0010FFFF", min(3, n), n+maxDist)
	if err != nil {
		return "", err
	}
	type cand struct {
		term       string
		dist, docs int
	}
	var cands []cand
	for rows.Next() {
		var c cand
		if err := rows.Scan(&c.term, &c.docs); err != nil {
			rows.Close()
			return "", err
		}
		if c.term == w {
			continue
		}
		c.dist = maxDist + 1
		for j := max(1, len([]rune(c.term))-maxDist); j <= min(n, len([]rune(c.term))+maxDist); j++ {
			c.dist = min(c.dist, editDistance(string(rw[:j]), c.term))
		}
		if c.dist <= maxDist {
			cands = append(cands, c)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return "", err
	}
	slices.SortFunc(cands, func(a, b cand) int {
		return cmp.Or(cmp.Compare(a.dist, b.dist), cmp.Compare(len(b.term), len(a.term)), cmp.Compare(b.docs, a.docs), strings.Compare(a.term, b.term))
	})
	cols := make([]string, len(docFields))
	for i := range cols {
		cols[i] = fmt.Sprintf("highlight(photo_fts, %d, '%s', '%s')", i, markOpen, markClose)
	}
	for _, c := range cands[:min(len(cands), 8)] {
		// The user's own photos, in their own words (the vocabulary is
		// of every user's photos): of the words the stem matched there,
		// the one nearest to w.
		marked, err := scanColumn[string](s.db.QueryContext(ctx, `SELECT `+strings.Join(cols, " || ' ' || ")+`
			FROM photo_fts f JOIN photos p ON p.id = f.rowid
			WHERE photo_fts MATCH $1 AND p.user_id = $2 LIMIT 5`, `"`+c.term+`"`, userID))
		if err != nil {
			return "", err
		}
		best, bestDist := "", maxDist+1
		for _, m := range marked {
			for _, sw := range markedWords(m) {
				if d := editDistance(w, sw); !s.lang.stop[sw] && d < bestDist {
					best, bestDist = sw, d
				}
			}
		}
		if best != "" {
			return best, nil
		}
	}
	return "", nil
}

// editDistance is the optimal string alignment distance of a and b, in
// runes: insertions, deletions, substitutions and swaps of neighbours.
func editDistance(a, b string) int {
	x, y := []rune(a), []rune(b)
	d := make([][]int, len(x)+1)
	for i := range d {
		d[i] = make([]int, len(y)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(x); i++ {
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && x[i-1] == y[j-2] && x[i-2] == y[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(x)][len(y)]
}

// scanColumn reads the rows of a one-column query.
func scanColumn[T any](rows *sql.Rows, err error) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
