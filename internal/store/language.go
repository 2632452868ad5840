package store

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// DefaultTextLanguage is the full-text language when Options leave it empty.
const DefaultTextLanguage = "english"

// TextLanguages are the values Options.TextLanguage accepts.
var TextLanguages = []string{"english", "simple"}

// textLanguage is how both dialects treat the words of one language, so a
// query means the same on either: which words are too common to search for
// (stop words), and how a word is reduced to its stem ("zebracorns" and
// "zebracorn" are one word). Each dialect does it with its own machinery:
//
//   - Postgres: the text search configuration of that name (english: the
//     Snowball stemmer and PostgreSQL's english stop list), for documents
//     and queries alike;
//   - SQLite: the FTS5 tokenizer (english: porter) for stems. FTS5 has no
//     stop words, so the query side drops the words of the stop list
//     PostgreSQL ships (share/tsearch_data/english.stop, embedded
//     unchanged in stopwords/): the same words are ignored on both.
//
// "simple" has neither stems nor stop words, for libraries described in a
// language FTS5 cannot stem; other languages would need a stemmer FTS5
// lacks, so the two stores would disagree.
type textLanguage struct {
	name      string
	pgConfig  string          // Postgres text search configuration
	tokenizer string          // FTS5 tokenize option
	stop      map[string]bool // SQLite: the query words dropped
}

//go:embed stopwords/english.stop
var englishStop string

func newTextLanguage(name string) (textLanguage, error) {
	switch name {
	case "", "english":
		stop := map[string]bool{}
		for _, w := range strings.Fields(englishStop) {
			stop[w] = true
		}
		return textLanguage{name: "english", pgConfig: "english", tokenizer: "porter unicode61 remove_diacritics 2", stop: stop}, nil
	case "simple":
		return textLanguage{name: "simple", pgConfig: "simple", tokenizer: "unicode61 remove_diacritics 2"}, nil
	}
	return textLanguage{}, fmt.Errorf("store: search language %q: want one of %s", name, strings.Join(TextLanguages, ", "))
}

// regconfig is the Postgres configuration as an SQL literal (the names are
// this package's own, never user input).
func (l textLanguage) regconfig() string { return "'" + l.pgConfig + "'::regconfig" }

// TextLanguage is the full-text language the store searches in.
func (s *DB) TextLanguage() string { return s.lang.name }

// stopCache remembers which words Postgres's configuration drops, so the
// common case costs no round trip.
type stopCache struct {
	mu    sync.Mutex
	words map[string]bool
}

// stopCacheMax bounds stopCache; past it the cache starts again.
const stopCacheMax = 20000

// StopWords reports which of words the language ignores (in the order
// given): a query of only these finds nothing. Postgres asks its text search
// configuration; SQLite checks the shipped stop list.
func (s *DB) StopWords(ctx context.Context, words []string) ([]string, error) {
	var out []string
	if s.dialect == SQLite {
		for _, w := range words {
			if s.lang.stop[w] {
				out = append(out, w)
			}
		}
		return out, nil
	}
	s.stops.mu.Lock()
	var ask []string
	for _, w := range words {
		if _, ok := s.stops.words[w]; !ok && !slices.Contains(ask, w) {
			ask = append(ask, w)
		}
	}
	s.stops.mu.Unlock()
	if len(ask) > 0 {
		rows, err := s.db.QueryContext(ctx, `SELECT w, numnode(plainto_tsquery($1::regconfig, w)) = 0
			FROM unnest($2::text[]) AS u(w)`, s.lang.pgConfig, ask)
		if err != nil {
			return nil, fmt.Errorf("store: stop words: %w", err)
		}
		got := map[string]bool{}
		for rows.Next() {
			var w string
			var stop bool
			if err := rows.Scan(&w, &stop); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: stop words: %w", err)
			}
			got[w] = stop
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("store: stop words: %w", err)
		}
		s.stops.mu.Lock()
		if s.stops.words == nil || len(s.stops.words) > stopCacheMax {
			s.stops.words = map[string]bool{}
		}
		for w, stop := range got {
			s.stops.words[w] = stop
		}
		s.stops.mu.Unlock()
	}
	s.stops.mu.Lock()
	defer s.stops.mu.Unlock()
	for _, w := range words {
		if s.stops.words[w] {
			out = append(out, w)
		}
	}
	return out, nil
}

// textIndexVersion is recorded with the Postgres full-text column: a
// change of language, or of how documents are built, makes Open rebuild
// every document. Version 2: every field in the language's configuration
// (version 1 kept file names and cameras in 'simple', so "jumping" in a
// file name matched on SQLite and not on Postgres).
const textIndexVersion = 2

// syncTextLanguage rebuilds the full-text index when it was built for
// another language (or an older document layout) than the store's.
func (s *DB) syncTextLanguage(ctx context.Context) error {
	log := s.log
	if s.dialect == SQLite {
		var def string
		if err := s.db.QueryRowContext(ctx, "SELECT sql FROM sqlite_master WHERE name = 'photo_fts'").Scan(&def); err != nil {
			return fmt.Errorf("store: full-text index definition: %w", err)
		}
		// The vocabulary of the index (for spelling suggestions) is a
		// view over it, by name: it survives the rebuild below.
		if _, err := s.db.ExecContext(ctx, "CREATE VIRTUAL TABLE IF NOT EXISTS photo_fts_vocab USING fts5vocab(photo_fts, row)"); err != nil {
			return fmt.Errorf("store: full-text vocabulary: %w", err)
		}
		if strings.Contains(def, "'"+s.lang.tokenizer+"'") {
			return nil
		}
		var n int
		if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM photo_fts").Scan(&n); err != nil {
			return fmt.Errorf("store: full-text index size: %w", err)
		}
		if n > 0 {
			log.InfoContext(ctx, "store: rebuilding the full-text index for the search language", "language", s.lang.name, "photos", n)
		}
		return s.inTx(ctx, func(tx *sql.Tx) error {
			for _, q := range []string{
				`CREATE VIRTUAL TABLE photo_fts_new USING fts5(title, caption, keywords, description, file_name, album, camera,
					tokenize = '` + s.lang.tokenizer + `')`,
				`INSERT INTO photo_fts_new (rowid, title, caption, keywords, description, file_name, album, camera)
					SELECT rowid, title, caption, keywords, description, file_name, album, camera FROM photo_fts`,
				`DROP TABLE photo_fts`,
				`ALTER TABLE photo_fts_new RENAME TO photo_fts`,
			} {
				if _, err := tx.ExecContext(ctx, q); err != nil {
					return fmt.Errorf("store: rebuild full-text index: %w", err)
				}
			}
			return nil
		})
	}
	want := fmt.Sprintf("targetvision full text: %s v%d", s.lang.pgConfig, textIndexVersion)
	var got sql.NullString
	if err := s.db.QueryRowContext(ctx, `SELECT col_description('photo_search'::regclass, attnum) FROM pg_attribute
		WHERE attrelid = 'photo_search'::regclass AND attname = 'tsv'`).Scan(&got); err != nil {
		return fmt.Errorf("store: full-text index language: %w", err)
	}
	if got.String == want {
		return nil
	}
	ids, err := queryIDs(ctx, s.db, "SELECT photo_id FROM photo_search ORDER BY photo_id")
	if err != nil {
		return fmt.Errorf("store: rebuild full-text index: %w", err)
	}
	if len(ids) > 0 {
		log.InfoContext(ctx, "store: rebuilding the full-text index for the search language", "language", s.lang.name, "photos", len(ids))
	}
	const batch = 500
	for lo := 0; lo < len(ids); lo += batch {
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			for _, id := range ids[lo:min(lo+batch, len(ids))] {
				var userID int64
				if err := tx.QueryRowContext(ctx, "SELECT user_id FROM photos WHERE id = $1", id).Scan(&userID); err != nil {
					if err == sql.ErrNoRows {
						continue // deleted meanwhile
					}
					return fmt.Errorf("store: rebuild full-text index: %w", err)
				}
				if err := s.refreshSearch(ctx, tx, userID, id); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if _, err := s.db.ExecContext(ctx, "COMMENT ON COLUMN photo_search.tsv IS '"+want+"'"); err != nil {
		return fmt.Errorf("store: record full-text index language: %w", err)
	}
	return nil
}
