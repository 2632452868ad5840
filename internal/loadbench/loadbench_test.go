package loadbench

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestBenchFreshQueriesDoNotRepeat: with FreshQueries no typed search of a run
// repeats (a query-embedding cache would answer it), each starts with the
// visit's word (its text leg matches the library by it) and adds no word
// of the libraries' titles; the default stays the typed word.
func TestBenchFreshQueriesDoNotRepeat(t *testing.T) {
	for _, tc := range []struct {
		name          string
		first, visits uint64
	}{
		{"a run's first steps", 0, 500},
		{"a later step", 3000, 2000},
		{"every fresh visit", 0, freshVisits},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seen := map[string]uint64{}
			for v := tc.first; v < tc.first+tc.visits; v++ {
				r := rand.New(rand.NewPCG(v, 7))
				word := words[r.IntN(len(words))]
				var last string
				for k := range typed {
					q := searchText(word, k, r, true, v)
					if w, ok := seen[q]; ok {
						t.Fatalf("visit %d search %d %q repeats visit %d's", v, k, q, w)
					}
					seen[q] = v
					f := strings.Fields(q)
					if f[0] != word || len(f) != 4 {
						t.Fatalf("visit %d search %d %q: want %q and a three-word description", v, k, q, word)
					}
					for _, d := range f[1:] {
						for _, w := range words {
							if strings.HasPrefix(w, d) || strings.HasPrefix(d, w) {
								t.Fatalf("visit %d search %d %q: %q overlaps the title word %q", v, k, q, d, w)
							}
						}
					}
					last = q
				}
				if q := searchText(word, typed, r, true, v); q != last {
					t.Fatalf("visit %d second page %q, want the last typed %q", v, q, last)
				}
			}
		})
	}
}

func TestBenchDefaultQueriesTypeTheWord(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 7))
	var got []string
	for k := range typed + 1 {
		got = append(got, searchText("barn", k, r, false, 1))
	}
	if !slices.Equal(got[:typed-1], []string{"ba", "bar", "barn"}) || !strings.HasPrefix(got[typed-1], "barn ") ||
		!slices.Contains(words, strings.TrimPrefix(got[typed-1], "barn ")) || got[typed] != "barn" {
		t.Fatalf("default searches %q", got)
	}
}
