package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/clip/cliptest"
	"github.com/targetvision/targetvision/internal/store"
	"github.com/targetvision/targetvision/internal/store/storetest"
	"github.com/targetvision/targetvision/internal/testshared"
)

// describedLibrary is the shared photos indexed by the CLI and described
// with the fixed descriptions of testdata/descriptions.tsv (written into
// the store as a describe job would), on one store.
type describedLibrary struct {
	cli *cli
	dsn string
	// byKey is each photo's id by its path under the shared photos.
	byKey map[string]int64
	user  store.User
}

// storeKinds are the stores the end-to-end search tests run on.
var storeKinds = []string{"sqlite", "postgres"}

// newDescribedLibrary indexes the shared photos on the store kind
// ("sqlite" or "postgres"), writes the fixed descriptions, and gives the
// photos of keys the extra keywords.
func newDescribedLibrary(t *testing.T, kind string, extraEnv ...string) *describedLibrary {
	t.Helper()
	var env []string
	l := &describedLibrary{}
	if kind == "postgres" {
		l.dsn = storetest.PostgresURL(t)
		env = append(env, "DATABASE_URL="+l.dsn)
	}
	l.cli = newCLI(t, append(env, extraEnv...)...)
	if l.dsn == "" {
		l.dsn = filepath.Join(l.cli.dir, "data", "targetvision.db")
	}
	l.cli.ok("index", filepath.Join(testshared.Path(t), "testdata", "photos"))
	descs := readDescriptions(t)
	l.withStore(t, func(db *store.DB) {
		ctx := t.Context()
		var err error
		if l.user, err = db.EnsureDefaultUser(ctx); err != nil {
			t.Fatal(err)
		}
		ps, _, err := db.ListPhotos(ctx, l.user.ID, store.Filter{}, 1000, 0)
		if err != nil {
			t.Fatal(err)
		}
		l.byKey = map[string]int64{}
		for _, p := range ps {
			l.byKey[p.SourceKey] = p.ID
			d, ok := descs[p.SourceKey]
			if !ok {
				continue
			}
			if err := db.SaveAIMetadata(ctx, store.AIMetadata{PhotoID: p.ID, UserID: l.user.ID, Model: "fixture",
				PromptVersion: "fixture", Description: d.description, Keywords: d.keywords}); err != nil {
				t.Fatal(err)
			}
		}
	})
	return l
}

// withStore opens the library's store for fn, as a second process would.
func (l *describedLibrary) withStore(t *testing.T, fn func(db *store.DB)) {
	t.Helper()
	db, err := store.Open(t.Context(), l.dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fn(db)
}

// addKeywords gives the photos of keys one more owner keyword.
func (l *describedLibrary) addKeywords(t *testing.T, kw string, keys ...string) {
	t.Helper()
	l.withStore(t, func(db *store.DB) {
		for _, k := range keys {
			p, err := db.Photo(t.Context(), l.user.ID, l.byKey[k])
			if err != nil {
				t.Fatalf("%s: %v", k, err)
			}
			p.Keywords = append(p.Keywords, kw)
			if _, _, err := db.UpsertPhoto(t.Context(), p); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// key is the shared-photo path of a photo id.
func (l *describedLibrary) key(id int64) string {
	for k, v := range l.byKey {
		if v == id {
			return k
		}
	}
	return "?"
}

type fixtureDescription struct {
	description string
	keywords    []string
}

func readDescriptions(t testing.TB) map[string]fixtureDescription {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "descriptions.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]fixtureDescription{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != 3 {
			t.Fatalf("descriptions.tsv: want 3 columns: %q", line)
		}
		var kws []string
		for _, k := range strings.Split(cols[2], ",") {
			kws = append(kws, strings.TrimSpace(k))
		}
		out[cols[0]] = fixtureDescription{cols[1], kws}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// searchResponse is the CLI's --json answer, as much as these tests read.
type searchResponse struct {
	Query string `json:"query"`
	Total int    `json:"total"`
	Hints []struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Query   string `json:"query"`
	} `json:"hints"`
	Results []struct {
		PhotoID int64      `json:"photo_id"`
		Title   string     `json:"title"`
		TakenAt *time.Time `json:"taken_at"`
		Why     struct {
			MatchedTerms []string `json:"matched_terms"`
			Summary      string   `json:"summary"`
			Matches      []struct {
				Term  string   `json:"term"`
				Field string   `json:"field"`
				Words []string `json:"words"`
			} `json:"matches"`
		} `json:"why"`
	} `json:"results"`
}

func (l *describedLibrary) search(t *testing.T, q string) searchResponse {
	t.Helper()
	out := l.cli.ok("search", "--json", "--limit", "200", "--", q)
	var res searchResponse
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("search %q: bad JSON %v:\n%s", q, err, out)
	}
	return res
}

// keys are the shared-photo paths of the results.
func (l *describedLibrary) keys(r searchResponse) []string {
	var out []string
	for _, x := range r.Results {
		out = append(out, l.key(x.PhotoID))
	}
	slices.Sort(out)
	return out
}

func (r searchResponse) hint(code string) string {
	for _, h := range r.Hints {
		if h.Code == code {
			return h.Message
		}
	}
	return ""
}

// TestSearchIssue12Examples runs the examples at the top of issue 12 on
// the shared photos, described, on both stores: what a new user typed and
// what they should get.
func TestSearchIssue12Examples(t *testing.T) {
	t.Parallel()
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			l := newDescribedLibrary(t, kind)
			all := len(l.byKey)
			odd := []string{"odd/broken1.jpg", "odd/crash01.jpg", "odd/exif_gps.jpg", "odd/invalid-exif.jpg",
				"odd/peacock.grayscale.jpeg", "odd/pil_sample_cmyk.jpg", "odd/truncated_exif_dpi.jpg", "odd/decompression_bomb.gif"}
			l.addKeywords(t, "zebracorn", odd...)

			t.Run("red barn in snow", func(t *testing.T) {
				res := l.search(t, "red barn in snow")
				if res.Total == 0 || res.Total >= all/2 {
					t.Fatalf("red barn in snow: %d of %d photos", res.Total, all)
				}
				if got := l.key(res.Results[0].PhotoID); got != "formats/sugarshack.mpo" {
					t.Errorf("first result %s, want the red cabin in snow", got)
				}
				for _, r := range res.Results {
					if slices.Contains(r.Why.MatchedTerms, "in") || len(r.Why.MatchedTerms) == 0 {
						t.Errorf("%s matched %v", l.key(r.PhotoID), r.Why.MatchedTerms)
					}
				}
				if !strings.Contains(res.hint("stop_words"), "“in”") {
					t.Errorf("no word that “in” was left out: %+v", res.Hints)
				}
			})
			for _, q := range []string{"the", "a", "at"} {
				t.Run(q, func(t *testing.T) {
					res := l.search(t, q)
					if res.Total != 0 || len(res.Results) != 0 {
						t.Errorf("%q found %d photos", q, res.Total)
					}
					if !strings.Contains(res.hint("stop_words"), "too common") {
						t.Errorf("%q: no hint: %+v", q, res.Hints)
					}
				})
			}
			t.Run("-zebracorn", func(t *testing.T) {
				res := l.search(t, "-zebracorn")
				if res.Total != all-len(odd) || len(res.Results) != all-len(odd) {
					t.Errorf("-zebracorn: %d photos, want every photo but the %d with zebracorn (%d)", res.Total, len(odd), all-len(odd))
				}
				for _, k := range l.keys(res) {
					if slices.Contains(odd, k) {
						t.Errorf("-zebracorn found %s", k)
					}
				}
				if res.hint("exclusions_only") == "" {
					t.Errorf("no hint: %+v", res.Hints)
				}
			})
			t.Run("-zebracorn album:odd", func(t *testing.T) {
				res := l.search(t, "-zebracorn album:odd")
				if got, want := l.keys(res), []string{"odd/peacock.progressive.jpeg", "odd/peacock.s-very-weird.jpeg"}; !slices.Equal(got, want) {
					t.Errorf("-zebracorn album:odd = %v, want %v", got, want)
				}
			})
			t.Run("zebracorm", func(t *testing.T) {
				res := l.search(t, "zebracorm")
				if !strings.Contains(res.hint("did_you_mean"), "Did you mean “zebracorn”?") {
					t.Errorf("zebracorm: hints %+v", res.Hints)
				}
				for _, h := range res.Hints {
					if h.Code == "did_you_mean" && h.Query != "zebracorn" {
						t.Errorf("suggested query %q", h.Query)
					}
				}
				out := l.cli.ok("search", "zebracorm")
				if !strings.Contains(out, `Did you mean “zebracorn”? Try: targetvision search "zebracorn"`) {
					t.Errorf("the CLI does not say it:\n%s", out)
				}
			})
			for _, c := range []struct{ q, code, says string }{
				{"after:abc", "bad_value", "“after:abc” is not a date"},
				{"mood:happy", "unknown_operator", "“mood:” is not a filter"},
			} {
				t.Run(c.q, func(t *testing.T) {
					if res := l.search(t, c.q); !strings.Contains(res.hint(c.code), c.says) {
						t.Errorf("%s: hints %+v, want %s saying %q", c.q, res.Hints, c.code, c.says)
					}
				})
			}
			t.Run("after:June 2005", func(t *testing.T) {
				res := l.search(t, "after:June 2005")
				if len(res.Hints) != 0 || res.Total == 0 {
					t.Fatalf("after:June 2005: %d results, hints %+v", res.Total, res.Hints)
				}
				for _, r := range res.Results {
					if r.TakenAt == nil || r.TakenAt.Before(time.Date(2005, 6, 1, 0, 0, 0, 0, time.UTC)) {
						t.Errorf("%s taken %v", l.key(r.PhotoID), r.TakenAt)
					}
				}
			})
			t.Run("2008", func(t *testing.T) {
				res := l.search(t, "2008")
				if !strings.Contains(res.hint("date_from_text"), "photos taken in 2008") || res.Total == 0 {
					t.Fatalf("2008: %d results, hints %+v", res.Total, res.Hints)
				}
				for _, r := range res.Results {
					if r.TakenAt == nil || r.TakenAt.Year() != 2008 {
						t.Errorf("%s taken %v", l.key(r.PhotoID), r.TakenAt)
					}
				}
			})
			t.Run("search by meaning is off", func(t *testing.T) {
				out := l.cli.ok("search", "barn")
				if strings.Count(out, "search by meaning is off") != 1 || !strings.Contains(out, "targetvision models pull") {
					t.Errorf("the CLI does not say once that search by meaning is off, with the fix:\n%s", out)
				}
				var res struct {
					Semantic struct {
						Enabled bool   `json:"enabled"`
						Reason  string `json:"reason"`
						Fix     string `json:"fix"`
					} `json:"semantic"`
				}
				if err := json.Unmarshal([]byte(l.cli.ok("search", "--json", "barn")), &res); err != nil {
					t.Fatal(err)
				}
				if res.Semantic.Enabled || !strings.Contains(res.Semantic.Reason, "no CLIP model is installed") || !strings.Contains(res.Semantic.Fix, "models pull") {
					t.Errorf("semantic: %+v", res.Semantic)
				}
			})
			t.Run("zebracorns", func(t *testing.T) {
				res := l.search(t, "zebracorns")
				if res.Total != len(odd) {
					t.Fatalf("zebracorns: %d results, want the %d photos with zebracorn", res.Total, len(odd))
				}
				for _, r := range res.Results {
					m := r.Why.Matches
					if !slices.Equal(r.Why.MatchedTerms, []string{"zebracorns"}) || len(m) != 1 ||
						m[0].Field != "keywords" || !slices.Equal(m[0].Words, []string{"zebracorn"}) ||
						r.Why.Summary != "“zebracorns” (as “zebracorn”) in the keywords" {
						t.Errorf("%s: why %+v", l.key(r.PhotoID), r.Why)
					}
				}
			})
		})
	}
}

// TestVectorLegFloorEndToEnd: with a CLIP model the vector leg ranks every
// photo for any query; only those above its relevance floor are results,
// and "red barn in snow" still does not return the whole library (the
// rest comes apart, as loosely related).
func TestVectorLegFloorEndToEnd(t *testing.T) {
	t.Parallel()
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			const repo = "test/tiny-clip"
			hub := cliptest.NewCheckpointHub(t, repo, cliptest.Options{Seed: 7})
			l := newDescribedLibrary(t, kind, "HF_ENDPOINT="+hub.URL, "TARGETVISION_CLIP_MODEL="+repo)
			l.cli.ok("models", "pull")
			l.cli.ok("index", filepath.Join(testshared.Path(t), "testdata", "photos")) // embeds them
			var res struct {
				searchResponse
				LooselyRelated []struct {
					PhotoID int64 `json:"photo_id"`
					Why     struct {
						VectorRank *int `json:"vector_rank"`
					} `json:"why"`
				} `json:"loosely_related"`
			}
			out := l.cli.ok("search", "--json", "--limit", "200", "--", "red barn in snow")
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				t.Fatal(err)
			}
			all := len(l.byKey)
			if res.Total == 0 || res.Total >= all/2 {
				t.Fatalf("red barn in snow with CLIP: %d of %d photos", res.Total, all)
			}
			if len(res.LooselyRelated) == 0 || len(res.LooselyRelated)+res.Total < 30 {
				t.Fatalf("loosely related: %d (results %d); the embedded photos below the floor belong there", len(res.LooselyRelated), res.Total)
			}
			for _, r := range res.LooselyRelated {
				if r.Why.VectorRank == nil {
					t.Fatalf("a loosely related photo without its vector rank: %+v", r)
				}
			}
		})
	}
}

// TestModelsImport: a model pulled on one machine, copied to a server
// without internet, installs with `models import` — checked against the
// checksums pull recorded — and turns search by meaning on; a damaged copy
// is refused.
func TestModelsImport(t *testing.T) {
	t.Parallel()
	const repo = "test/tiny-clip"
	hub := cliptest.NewCheckpointHub(t, repo, cliptest.Options{Seed: 7})
	online := newCLI(t, "HF_ENDPOINT="+hub.URL, "TARGETVISION_CLIP_MODEL="+repo)
	online.ok("models", "pull")
	pulled := filepath.Join(online.dir, "data", "models")
	var modelDir string
	filepath.WalkDir(pulled, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Name() == "model.safetensors" {
			modelDir = filepath.Dir(p)
		}
		return nil
	})
	if modelDir == "" {
		t.Fatal("pull left no model.safetensors")
	}

	// A damaged copy is refused, and nothing is installed.
	bad := filepath.Join(t.TempDir(), "bad")
	os.CopyFS(bad, os.DirFS(modelDir))
	w, err := os.ReadFile(filepath.Join(bad, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	w[len(w)-1] ^= 0xff
	os.WriteFile(filepath.Join(bad, "model.safetensors"), w, 0o644)
	offline := newCLI(t, "HF_ENDPOINT=http://127.0.0.1:1", "TARGETVISION_CLIP_MODEL="+repo)
	if _, errOut, code := offline.run("models", "import", bad); code == 0 || !strings.Contains(errOut, "checksum") {
		t.Fatalf("a damaged copy imported: exit %d, %s", code, errOut)
	}

	out := offline.ok("models", "import", modelDir)
	if !strings.Contains(out, repo+" ready") || !strings.Contains(out, "checksums verified") {
		t.Fatalf("models import: %s", out)
	}
	offline.ok("index", filepath.Join(testshared.Path(t), "testdata", "photos", "camera"))
	var res struct {
		Semantic struct {
			Enabled bool `json:"enabled"`
		} `json:"semantic"`
	}
	if err := json.Unmarshal([]byte(offline.ok("search", "--json", "a photo")), &res); err != nil || !res.Semantic.Enabled {
		t.Fatalf("search by meaning after import: %+v %v", res, err)
	}
}

// TestModelsSelfCheck: `models pull --check-image CLIP.png` classifies the
// reference image and refuses — removes — a checkpoint that does not
// reproduce the published result (the spec's values; the tiny checkpoints
// only drive the mechanism), printing the numbers; one that does is kept.
func TestModelsSelfCheck(t *testing.T) {
	t.Parallel()
	ref := filepath.Join(testshared.Path(t), "clip", "CLIP.png")
	for _, c := range []struct {
		seed uint64
		pass bool
	}{{7, false}, {10, true}} {
		const repo = "test/tiny-clip"
		hub := cliptest.NewCheckpointHub(t, repo, cliptest.Options{Seed: c.seed})
		cl := newCLI(t, "HF_ENDPOINT="+hub.URL, "TARGETVISION_CLIP_MODEL="+repo)
		out, errOut, code := cl.run("models", "pull", "--check-image", ref)
		if !strings.Contains(out, `self-check of test/tiny-clip on CLIP.png: "a diagram" `) {
			t.Errorf("seed %d: the numbers are not printed:\n%s", c.seed, out)
		}
		if (code == 0) != c.pass {
			t.Fatalf("seed %d: exit %d, want pass=%v\n%s%s", c.seed, code, c.pass, out, errOut)
		}
		_, statErr := os.Stat(filepath.Join(cl.dir, "data", "models"))
		installed := strings.Contains(cl.ok("search", "--json", "x"), `"enabled": true`)
		if installed != c.pass {
			t.Errorf("seed %d: model installed = %v (%v), want %v", c.seed, installed, statErr, c.pass)
		}
		if !c.pass && !strings.Contains(errOut, "failed its self-check and was removed") {
			t.Errorf("seed %d: stderr %s", c.seed, errOut)
		}
	}
}

// TestEvalSharedPhotos runs `targetvision eval` with the labelled query set
// over the shared photos, described with the fixed descriptions, on both
// stores: the scores come out for each leg and the hybrid, and the text
// leg must not fall below what it reaches today (docs/search-quality.md).
func TestEvalSharedPhotos(t *testing.T) {
	t.Parallel()
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			l := newDescribedLibrary(t, kind)
			queries, err := filepath.Abs(filepath.Join("testdata", "queries.tsv"))
			if err != nil {
				t.Fatal(err)
			}
			res := l.eval(t, queries)
			t.Logf("eval on %s: %+v", kind, res)
			if res.Queries < 25 || len(res.Unknown) != 0 || len(res.Scores) != 3 {
				t.Fatalf("eval: %d queries, unknown %v, %d score rows", res.Queries, res.Unknown, len(res.Scores))
			}
			for _, s := range res.Scores {
				switch s.Mode {
				case "text", "hybrid":
					if s.NDCG < evalFloor.ndcg || s.R50 < evalFloor.recall || s.P10 < evalFloor.precision {
						t.Errorf("%s: P@10 %.3f R@50 %.3f nDCG@10 %.3f, below %+v", s.Mode, s.P10, s.R50, s.NDCG, evalFloor)
					}
				case "vector":
					if s.R50 != 0 {
						t.Errorf("vector leg without a model found something: %+v", s)
					}
				}
			}
			if text := l.cli.ok("eval", "--queries", queries); !strings.Contains(text, "MODE") || !strings.Contains(text, "no CLIP model") {
				t.Errorf("eval's table:\n%s", text)
			}
		})
	}
}

// TestEvalFloorProtectsHybrid: with a CLIP model whose rankings are noise
// (a tiny random checkpoint), the relevance floor keeps the vector leg
// from burying the text leg's answers: hybrid stays near text-only.
// Without the floor every photo would enter the fusion for every query.
func TestEvalFloorProtectsHybrid(t *testing.T) {
	t.Parallel()
	const repo = "test/tiny-clip"
	hub := cliptest.NewCheckpointHub(t, repo, cliptest.Options{Seed: 7})
	l := newDescribedLibrary(t, "sqlite", "HF_ENDPOINT="+hub.URL, "TARGETVISION_CLIP_MODEL="+repo)
	l.cli.ok("models", "pull")
	l.cli.ok("index", filepath.Join(testshared.Path(t), "testdata", "photos"))
	queries, _ := filepath.Abs(filepath.Join("testdata", "queries.tsv"))
	res := l.eval(t, queries)
	t.Logf("eval with a random tiny CLIP: %+v", res)
	by := map[string]float64{}
	for _, s := range res.Scores {
		by[s.Mode] = s.NDCG
	}
	if by["hybrid"] < by["text"]-0.03 { // without the floor: 0.875 against 0.967
		t.Errorf("hybrid nDCG@10 %.3f fell far below text-only %.3f: noise from the vector leg got through", by["hybrid"], by["text"])
	}
}

// evalResult is `eval --json`'s answer.
type evalResult struct {
	Queries int      `json:"queries"`
	Unknown []string `json:"unknown"`
	Scores  []struct {
		Mode string  `json:"mode"`
		P10  float64 `json:"precision_at_10"`
		R50  float64 `json:"recall_at_50"`
		NDCG float64 `json:"ndcg_at_10"`
	} `json:"scores"`
}

func (l *describedLibrary) eval(t *testing.T, queries string) evalResult {
	t.Helper()
	var res evalResult
	out := l.cli.ok("eval", "--queries", queries, "--json")
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("eval: %v\n%s", err, out)
	}
	return res
}

// evalFloor is a little under what the text leg scores on the labelled set
// today (docs/search-quality.md), so a change that makes it worse fails.
var evalFloor = struct{ precision, recall, ndcg float64 }{0.19, 0.93, 0.93}
