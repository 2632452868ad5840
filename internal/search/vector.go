package search

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/targetvision/targetvision/internal/store"
)

// vecQuery is one nearest-neighbour query of the vector leg.
type vecQuery struct {
	userID int64
	model  string
	vec    []float32 // unit length
	k      int
	filter store.Filter
	// exclude is a photo id left out (the photo itself, for Similar); 0 for none.
	exclude int64
}

// vecHit is one neighbour: a photo and its cosine similarity to the query.
type vecHit struct {
	photoID int64
	sim     float32
}

// vectorIndex is the vector leg of one store dialect. Hits come best first,
// at most k, only of the query's user and model, and only photos that pass
// the filter.
type vectorIndex interface {
	search(ctx context.Context, q vecQuery) ([]vecHit, error)
	warm(ctx context.Context, model string) error
}

func filterEmpty(f store.Filter) bool { return f == (store.Filter{}) }

// filterSQL is store.FilterSQL with two conditions rewritten so they cost
// an index lookup rather than a scan per photo:
//   - the keyword as an EXISTS on ai_metadata's primary key. The store's form,
//     p.id IN (SELECT photo_id FROM ai_metadata WHERE user_id = p.user_id …),
//     is correlated on user_id, which Postgres and SQLite run as a scan of
//     ai_metadata per photo (minutes at 20k photos once the vector index
//     feeds it row by row);
//   - the album name resolved to the user's album ids first, inlined as
//     integers: an IN over a subquery leaves SQLite guessing its size, and
//     it then walks all the user's photos instead of the photos_album index.
func filterSQL(ctx context.Context, db *store.DB, userID int64, f store.Filter) (string, []any, error) {
	kw, album := f.Keyword, f.Album
	f.Keyword, f.Album = "", ""
	cond, args := db.FilterSQL(userID, f)
	if album != "" {
		ids, err := albumIDs(ctx, db, userID, album)
		if err != nil {
			return "", nil, err
		}
		cond += " AND " + inList("p.album_id", ids)
	}
	if kw != "" {
		args = append(args, keywordPattern(kw))
		cond += " AND " + keywordCond(len(args))
	}
	return cond, args, nil
}

// keywordPattern is the LIKE pattern of a keyword filter: keywords are
// stored as JSON arrays of strings, so it matches the quoted element.
func keywordPattern(kw string) string {
	q, _ := json.Marshal(strings.ToLower(kw)) // a string always marshals
	return "%" + string(q) + "%"
}

// keywordCond is the keyword filter on the photo p, its pattern bound to $n:
// the owner's keywords or the generated ones, the latter as an EXISTS on
// ai_metadata's primary key.
func keywordCond(n int) string {
	return fmt.Sprintf("(LOWER(p.keywords) LIKE $%d OR EXISTS (SELECT 1 FROM ai_metadata m WHERE m.photo_id = p.id AND LOWER(m.keywords) LIKE $%d))", n, n)
}

// albumIDs are the ids of the user's albums with this name (case-insensitive).
func albumIDs(ctx context.Context, db *store.DB, userID int64, name string) ([]int64, error) {
	rows, err := db.SQL().QueryContext(ctx, "SELECT id FROM albums WHERE user_id = $1 AND LOWER(name) = LOWER($2)", userID, name)
	if err != nil {
		return nil, fmt.Errorf("album filter: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("album filter: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("album filter: %w", err)
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
