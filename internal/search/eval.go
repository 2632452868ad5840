package search

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"path"
	"strings"

	"github.com/targetvision/targetvision/internal/store"
)

// EvalQuery is one labelled query: the text typed, and the photos (file
// names, or paths under the source, as in the library) a person judged
// relevant by looking at them.
type EvalQuery struct {
	Query    string
	Relevant []string
}

// ReadEvalQueries reads a query file: one query per line, a tab, then the
// relevant file names separated by tabs. Blank lines and lines starting
// with # are skipped.
func ReadEvalQueries(r io.Reader) ([]EvalQuery, error) {
	var out []EvalQuery
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		q := EvalQuery{Query: strings.TrimSpace(cols[0])}
		for _, c := range cols[1:] {
			if c = strings.TrimSpace(c); c != "" {
				q.Relevant = append(q.Relevant, c)
			}
		}
		if q.Query == "" || len(q.Relevant) == 0 {
			return nil, fmt.Errorf("search: eval queries line %d: want a query, a tab and at least one relevant file name", n)
		}
		out = append(out, q)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("search: eval queries: %w", err)
	}
	return out, nil
}

// EvalScores are the mean scores of one way of searching over the queries.
type EvalScores struct {
	// Mode is "text" (the text leg alone), "vector" (CLIP alone, above its
	// floor) or "hybrid" (both, fused: what a search does).
	Mode string `json:"mode"`
	// PrecisionAt10 is the share of the first 10 results that are
	// relevant (out of 10, however many came back).
	PrecisionAt10 float64 `json:"precision_at_10"`
	// RecallAt50 is the share of the relevant photos in the first 50.
	RecallAt50 float64 `json:"recall_at_50"`
	// NDCGAt10 rewards relevant photos near the top (binary relevance,
	// log2 discount, 1 for a perfect first 10).
	NDCGAt10 float64 `json:"ndcg_at_10"`
}

// EvalResult is Eval's answer.
type EvalResult struct {
	Queries int          `json:"queries"`
	Scores  []EvalScores `json:"scores"`
	// Unknown lists relevant file names no photo of the library has.
	Unknown []string `json:"unknown,omitempty"`
}

// Eval measures how well the user's library is searched for the labelled
// queries, for each leg alone and for the hybrid search: precision@10,
// recall@50 and nDCG@10, averaged over the queries.
func Eval(ctx context.Context, e *Engine, userID int64, queries []EvalQuery) (EvalResult, error) {
	photos, _, err := e.db.ListPhotos(ctx, userID, store.Filter{}, math.MaxInt32, 0)
	if err != nil {
		return EvalResult{}, fmt.Errorf("search: eval: %w", err)
	}
	res := EvalResult{Queries: len(queries)}
	rel := make([]map[int64]bool, len(queries))
	for i, q := range queries {
		rel[i] = map[int64]bool{}
		for _, name := range q.Relevant {
			found := false
			for _, p := range photos {
				if p.FileName == name || p.SourceKey == name || strings.HasSuffix(p.SourceKey, "/"+name) || path.Base(p.SourceKey) == name {
					rel[i][p.ID] = true
					found = true
				}
			}
			if !found {
				res.Unknown = append(res.Unknown, name)
			}
		}
	}
	for _, m := range []struct {
		name string
		leg  leg
	}{{"text", legText}, {"vector", legVector}, {"hybrid", legBoth}} {
		s := EvalScores{Mode: m.name}
		for i, q := range queries {
			resp, err := e.Search(ctx, userID, Request{Query: q.Query, Limit: 50, leg: m.leg})
			if err != nil {
				return EvalResult{}, fmt.Errorf("search: eval %q: %w", q.Query, err)
			}
			p, r, n := scoreRanking(resultIDs(resp.Results), rel[i])
			s.PrecisionAt10 += p
			s.RecallAt50 += r
			s.NDCGAt10 += n
		}
		if k := float64(len(queries)); k > 0 {
			s.PrecisionAt10, s.RecallAt50, s.NDCGAt10 = s.PrecisionAt10/k, s.RecallAt50/k, s.NDCGAt10/k
		}
		res.Scores = append(res.Scores, s)
	}
	return res, nil
}

func resultIDs(rs []Result) []int64 {
	out := make([]int64, len(rs))
	for i, r := range rs {
		out[i] = r.PhotoID
	}
	return out
}

// scoreRanking is precision@10, recall@50 and nDCG@10 of a ranking.
func scoreRanking(ranked []int64, relevant map[int64]bool) (p10, r50, ndcg10 float64) {
	if len(relevant) == 0 {
		return 0, 0, 0
	}
	var hits10, hits50 int
	var dcg, idcg float64
	for i, id := range ranked {
		if i >= 50 {
			break
		}
		if !relevant[id] {
			continue
		}
		hits50++
		if i < 10 {
			hits10++
			dcg += 1 / math.Log2(float64(i+2))
		}
	}
	for i := range min(len(relevant), 10) {
		idcg += 1 / math.Log2(float64(i+2))
	}
	return float64(hits10) / 10, float64(hits50) / float64(len(relevant)), dcg / idcg
}
