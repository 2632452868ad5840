package search

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/clip"
	"github.com/targetvision/targetvision/internal/clip/cliptest"
	"github.com/targetvision/targetvision/internal/linalg"
	"github.com/targetvision/targetvision/internal/store"
	"github.com/targetvision/targetvision/internal/store/storetest"
)

// stores runs fn as a parallel subtest on each store dialect.
func stores(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, s := range []struct {
		name string
		open storetest.Opener
	}{{"sqlite", storetest.OpenSQLite}, {"postgres", storetest.OpenPostgres}} {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			fn(t, s.open(t, store.Options{}))
		})
	}
}

var (
	tinyOnce  sync.Once
	tinyModel *clip.Model
	tinyErr   error
)

// tiny loads one tiny random CLIP checkpoint shared by the tests.
func tiny(t *testing.T) *clip.Model {
	t.Helper()
	tinyOnce.Do(func() {
		dir := filepath.Join(t.TempDir(), "..", "tiny-clip") // outlives this test's own dir
		if tinyErr = cliptest.WriteCheckpoint(dir, cliptest.Options{Seed: 7}); tinyErr != nil {
			return
		}
		tinyModel, tinyErr = clip.Load(dir)
	})
	if tinyErr != nil {
		t.Fatal(tinyErr)
	}
	return tinyModel
}

// lib builds a user's little photo library.
type lib struct {
	t      *testing.T
	db     *store.DB
	user   store.User
	source store.Source
	albums map[string]store.Album
	model  string
	n      int
}

func newLib(t *testing.T, db *store.DB, email, model string) *lib {
	t.Helper()
	ctx := t.Context()
	u, err := db.CreateUser(ctx, email, "x", false)
	if err != nil {
		t.Fatal(err)
	}
	src, err := db.CreateSource(ctx, store.Source{UserID: u.ID, Kind: store.SourceLocal, Name: "/p", Path: "/p"})
	if err != nil {
		t.Fatal(err)
	}
	return &lib{t: t, db: db, user: u, source: src, albums: map[string]store.Album{}, model: model}
}

type photoSpec struct {
	title, caption, album, camera, description string
	// hash is the content hash; default one of the photo's own.
	hash                 string
	keywords, aiKeywords []string
	taken                time.Time
	vec                  []float32
}

func (l *lib) add(s photoSpec) int64 {
	l.t.Helper()
	ctx := l.t.Context()
	l.n++
	p := store.Photo{UserID: l.user.ID, SourceID: l.source.ID, SourceKey: "k" + string(rune('a'+l.n)) + ".jpg",
		FileName: "IMG_" + string(rune('a'+l.n)) + ".jpg", Title: s.title, Caption: s.caption, Keywords: s.keywords,
		TakenAt: s.taken, CameraMake: s.camera, ContentHash: cmp.Or(s.hash, fmt.Sprint("h-", l.user.ID, "-", l.n)), WebURL: "https://example.com/p",
		ThumbPath: "thumbs/x.jpg", Status: store.PhotoReady}
	p.SourceKey = l.user.Email + "/" + p.SourceKey
	if s.album != "" {
		a, ok := l.albums[s.album]
		if !ok {
			var err error
			a, err = l.db.UpsertAlbum(ctx, store.Album{UserID: l.user.ID, SourceID: l.source.ID, Key: s.album, Name: s.album})
			if err != nil {
				l.t.Fatal(err)
			}
			l.albums[s.album] = a
		}
		p.AlbumID = a.ID
	}
	got, _, err := l.db.UpsertPhoto(ctx, p)
	if err != nil {
		l.t.Fatal(err)
	}
	if s.description != "" || s.aiKeywords != nil {
		if err := l.db.SaveAIMetadata(ctx, store.AIMetadata{PhotoID: got.ID, UserID: l.user.ID, Model: "claude", PromptVersion: "1",
			Description: s.description, Keywords: s.aiKeywords}); err != nil {
			l.t.Fatal(err)
		}
	}
	if s.vec != nil {
		l.embed(got.ID, s.vec)
	}
	return got.ID
}

func (l *lib) embed(id int64, v []float32) {
	l.t.Helper()
	if err := l.db.SaveEmbedding(l.t.Context(), store.Embedding{PhotoID: id, UserID: l.user.ID, Model: l.model, Vector: v}); err != nil {
		l.t.Fatal(err)
	}
}

func textVec(t *testing.T, m *clip.Model, s string) []float32 {
	t.Helper()
	v, err := m.EmbedText(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// randVec is a random unit vector.
func randVec(r *rand.Rand, dim int) []float32 {
	v := make([]float32, dim)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return linalg.Normalized(v)
}

// near is v plus a little noise, renormalised.
func near(r *rand.Rand, v []float32, noise float64) []float32 {
	out := make([]float32, len(v))
	for i := range v {
		out[i] = v[i] + float32(noise*r.NormFloat64())
	}
	return linalg.Normalized(out)
}

func neg(v []float32) []float32 {
	out := make([]float32, len(v))
	for i := range v {
		out[i] = -v[i]
	}
	return out
}

func ids(rs []Result) []int64 {
	out := make([]int64, len(rs))
	for i, r := range rs {
		out[i] = r.PhotoID
	}
	return out
}

func search(t *testing.T, e *Engine, userID int64, q string) Response {
	t.Helper()
	resp, err := e.Search(t.Context(), userID, Request{Query: q, Limit: 50})
	if err != nil {
		t.Fatalf("search %q: %v", q, err)
	}
	return resp
}

func TestFusionAndWhy(t *testing.T) {
	t.Parallel()
	m := tiny(t)
	stores(t, func(t *testing.T, db *store.DB) {
		r := rand.New(rand.NewPCG(1, 2))
		q := textVec(t, m, "red barn")
		a := newLib(t, db, "a@example.com", m.Name())
		b := newLib(t, db, "b@example.com", m.Name())
		taken := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
		both := a.add(photoSpec{title: "Farm", description: "A red barn in the snow", keywords: []string{"farm", "Winter"},
			aiKeywords: []string{"barn", "winter", "snow"}, album: "Farms", taken: taken, vec: q})
		textOnly := a.add(photoSpec{title: "Old barn", description: "A red barn at dusk", vec: neg(q)})
		vecOnly := a.add(photoSpec{title: "Tractor", description: "A green tractor", vec: near(r, q, 0.05)})
		a.add(photoSpec{title: "Beach", description: "Waves at sunset", vec: neg(near(r, q, 0.3))})
		// Another user's photo matches both legs perfectly and must never show.
		other := b.add(photoSpec{title: "Red barn", description: "A red barn", vec: q})

		e := New(db, Options{Embedder: m})
		resp := search(t, e, a.user.ID, "red barn")
		got := ids(resp.Results)
		if slices.Contains(got, other) {
			t.Fatalf("user a sees user b's photo: %v", got)
		}
		if len(got) < 3 || got[0] != both {
			t.Fatalf("results %v: want %d (both legs) first", got, both)
		}
		top := resp.Results[0]
		if top.Why.VectorRank == nil || *top.Why.VectorRank != 1 || top.Why.TextRank == nil {
			t.Fatalf("why of the top hit: %+v", top.Why)
		}
		if want := 1/float64(61) + 1/float64(60+*top.Why.TextRank); math.Abs(top.Score-want) > 1e-12 {
			t.Fatalf("score %v, want %v", top.Score, want)
		}
		if !slices.Equal(top.Why.MatchedTerms, []string{"red", "barn"}) {
			t.Fatalf("matched terms %v", top.Why.MatchedTerms)
		}
		if top.Title != "Farm" || top.Album != "Farms" || top.Description != "A red barn in the snow" ||
			top.ThumbnailURL != ThumbnailURL(both) || top.WebURL != "https://example.com/p" ||
			top.TakenAt == nil || !top.TakenAt.Equal(taken) ||
			!slices.Equal(top.Keywords, []string{"farm", "Winter", "barn", "snow"}) {
			t.Fatalf("hydrated result: %+v", top)
		}
		for _, res := range resp.Results {
			switch res.PhotoID {
			case textOnly:
				if res.Why.TextRank == nil {
					t.Fatalf("text match without text rank: %+v", res.Why)
				}
			case vecOnly:
				if res.Why.TextRank != nil || res.Why.VectorRank == nil || *res.Why.VectorRank != 2 || len(res.Why.MatchedTerms) != 0 {
					t.Fatalf("vector-only hit: %+v", res.Why)
				}
			}
		}
		if resp.Total != 4 || resp.Query != "red barn" {
			t.Fatalf("total %d, query %q", resp.Total, resp.Query)
		}
		// User b sees only their own photo.
		if got := ids(search(t, e, b.user.ID, "red barn").Results); !slices.Equal(got, []int64{other}) {
			t.Fatalf("user b sees %v", got)
		}

		// The JSON shape of DESIGN.md §2.
		raw, err := json.Marshal(resp.Results[0])
		if err != nil {
			t.Fatal(err)
		}
		var obj map[string]any
		json.Unmarshal(raw, &obj)
		for _, k := range []string{"photo_id", "score", "title", "thumbnail_url", "web_url", "description", "keywords", "taken_at", "album", "why"} {
			if _, ok := obj[k]; !ok {
				t.Fatalf("result JSON lacks %q: %s", k, raw)
			}
		}
		why := obj["why"].(map[string]any)
		for _, k := range []string{"vector_rank", "text_rank", "matched_terms"} {
			if _, ok := why[k]; !ok {
				t.Fatalf("why JSON lacks %q: %s", k, raw)
			}
		}
	})
}

func TestTextOnlyEngine(t *testing.T) {
	t.Parallel()
	stores(t, func(t *testing.T, db *store.DB) {
		a := newLib(t, db, "a@example.com", "m")
		b := newLib(t, db, "b@example.com", "m")
		barn := a.add(photoSpec{title: "Barn", description: "red barn"})
		a.add(photoSpec{title: "Lake", description: "blue lake"})
		b.add(photoSpec{title: "Barn", description: "red barn"})
		e := New(db, Options{})
		resp := search(t, e, a.user.ID, "barn")
		if got := ids(resp.Results); !slices.Equal(got, []int64{barn}) || resp.Total != 1 {
			t.Fatalf("results %v total %d", got, resp.Total)
		}
		w := resp.Results[0].Why
		if w.VectorRank != nil || w.TextRank == nil || *w.TextRank != 1 || !slices.Equal(w.MatchedTerms, []string{"barn"}) {
			t.Fatalf("why %+v", w)
		}
		if got := search(t, e, a.user.ID, "zebra"); len(got.Results) != 0 || got.Total != 0 || got.Results == nil {
			t.Fatalf("no match: %+v", got)
		}
	})
}

func TestFilters(t *testing.T) {
	t.Parallel()
	m := tiny(t)
	stores(t, func(t *testing.T, db *store.DB) {
		q := textVec(t, m, "dog")
		a := newLib(t, db, "a@example.com", m.Name())
		y := func(year int) time.Time { return time.Date(year, 6, 1, 0, 0, 0, 0, time.UTC) }
		old := a.add(photoSpec{title: "dog", album: "Pets", camera: "Canon", taken: y(2015), vec: q})
		mid := a.add(photoSpec{title: "dog", album: "Pets", camera: "Nikon", taken: y(2019), vec: q, keywords: []string{"Puppy"}})
		other := a.add(photoSpec{title: "dog", album: "Trips", camera: "Canon", taken: y(2022), vec: q})
		undated := a.add(photoSpec{title: "cat", album: "Trips", vec: q})
		e := New(db, Options{Embedder: m})

		cases := []struct {
			q    string
			f    store.Filter
			want []int64
		}{
			{q: "dog album:pets", want: []int64{old, mid}},
			{q: `dog album:"Trips"`, want: []int64{other, undated}},
			{q: "dog camera:canon", want: []int64{old, other}},
			{q: "dog after:2018", want: []int64{mid, other}},
			{q: "dog before:2019-06-02", want: []int64{old, mid}},
			{q: "dog after:2019 before:2020", want: []int64{mid}},
			{q: "dog keyword:puppy", want: []int64{mid}},
			{q: "dog", f: store.Filter{Album: "Pets"}, want: []int64{old, mid}},
			{q: "dog -cat", want: []int64{old, mid, other}}, // exclusions leave photos out of both legs
			{q: "dog -cats", want: []int64{old, mid, other}},
			// Filter only: newest first, undated last.
			{q: "album:trips", want: []int64{other, undated}},
			{q: "-cat", want: []int64{other, mid, old}}, // everything but
			{q: "-cat album:trips", want: []int64{other}},
			{q: "-dog -cat", want: nil},
			{q: "", want: []int64{other, mid, old, undated}},
		}
		for _, c := range cases {
			resp, err := e.Search(t.Context(), a.user.ID, Request{Query: c.q, Filter: c.f})
			if err != nil {
				t.Fatal(err)
			}
			got := ids(resp.Results)
			if !strings.HasPrefix(c.q, "dog") {
				if !slices.Equal(got, c.want) {
					t.Errorf("%q: got %v, want %v in order", c.q, got, c.want)
				}
			} else {
				slices.Sort(got)
				if !slices.Equal(got, c.want) {
					t.Errorf("%q: got %v, want %v", c.q, got, c.want)
				}
			}
			if resp.Total != len(c.want) {
				t.Errorf("%q: total %d, want %d", c.q, resp.Total, len(c.want))
			}
		}
	})
}

func TestPagination(t *testing.T) {
	t.Parallel()
	m := tiny(t)
	stores(t, func(t *testing.T, db *store.DB) {
		r := rand.New(rand.NewPCG(3, 4))
		a := newLib(t, db, "a@example.com", m.Name())
		for range 7 {
			a.add(photoSpec{title: "boat", vec: randVec(r, m.Dim())})
		}
		e := New(db, Options{Embedder: m})
		full := search(t, e, a.user.ID, "boat")
		if full.Total != 7 || len(full.Results) != 7 {
			t.Fatalf("full list: total %d, %d results", full.Total, len(full.Results))
		}
		var paged []int64
		for off := 0; off < 9; off += 3 {
			resp, err := e.Search(t.Context(), a.user.ID, Request{Query: "boat", Limit: 3, Offset: off})
			if err != nil {
				t.Fatal(err)
			}
			if resp.Total != 7 {
				t.Fatalf("page at %d: total %d", off, resp.Total)
			}
			paged = append(paged, ids(resp.Results)...)
		}
		if !slices.Equal(paged, ids(full.Results)) {
			t.Fatalf("pages %v != full %v", paged, ids(full.Results))
		}
		resp, err := e.Search(t.Context(), a.user.ID, Request{Query: "album:none", Limit: 3, Offset: 0})
		if err != nil || resp.Total != 0 || len(resp.Results) != 0 {
			t.Fatalf("empty filter list: %+v %v", resp, err)
		}
	})
}

func TestSimilar(t *testing.T) {
	t.Parallel()
	m := tiny(t)
	stores(t, func(t *testing.T, db *store.DB) {
		r := rand.New(rand.NewPCG(5, 6))
		a := newLib(t, db, "a@example.com", m.Name())
		b := newLib(t, db, "b@example.com", m.Name())
		v := randVec(r, m.Dim())
		x := a.add(photoSpec{title: "x", vec: v})
		close1 := a.add(photoSpec{title: "close", vec: near(r, v, 0.02)})
		close2 := a.add(photoSpec{title: "closer-ish", vec: near(r, v, 0.2)})
		far := a.add(photoSpec{title: "far", vec: neg(v)})
		noVec := a.add(photoSpec{title: "none"})
		theirs := b.add(photoSpec{title: "theirs", vec: v})

		e := New(db, Options{Model: m.Name()}) // no embedder needed for Similar
		resp, err := e.Similar(t.Context(), a.user.ID, x, 10)
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(resp.Results); !slices.Equal(got, []int64{close1, close2, far}) {
			t.Fatalf("similar to %d: %v", x, got)
		}
		if s := resp.Results[0].Score; s < 0.9 || s > 1.0001 || *resp.Results[0].Why.VectorRank != 1 {
			t.Fatalf("top similarity %v", s)
		}
		if resp, err := e.Similar(t.Context(), a.user.ID, x, 1); err != nil || !slices.Equal(ids(resp.Results), []int64{close1}) {
			t.Fatalf("limit 1: %v %v", ids(resp.Results), err)
		}
		if resp, err := e.Similar(t.Context(), a.user.ID, noVec, 10); err != nil || len(resp.Results) != 0 {
			t.Fatalf("photo without embedding: %+v %v", resp, err)
		}
		if _, err := e.Similar(t.Context(), a.user.ID, theirs, 10); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("other user's photo: %v", err)
		}
		if resp, err := e.Similar(t.Context(), b.user.ID, theirs, 10); err != nil || len(resp.Results) != 0 {
			t.Fatalf("user b has no other photos: %+v %v", resp, err)
		}
	})
}

// TestIndexFollowsStore checks that embeddings written, replaced and deleted
// after the engine started are searchable (or gone) at the next query.
func TestIndexFollowsStore(t *testing.T) {
	t.Parallel()
	m := tiny(t)
	stores(t, func(t *testing.T, db *store.DB) {
		r := rand.New(rand.NewPCG(7, 8))
		q := textVec(t, m, "kite")
		a := newLib(t, db, "a@example.com", m.Name())
		first := a.add(photoSpec{title: "one", vec: near(r, q, 0.1)})
		e := New(db, Options{Embedder: m})
		if err := e.Warm(t.Context()); err != nil {
			t.Fatal(err)
		}
		if got := ids(search(t, e, a.user.ID, "kite").Results); !slices.Equal(got, []int64{first}) {
			t.Fatalf("before: %v", got)
		}
		second := a.add(photoSpec{title: "two", vec: q})
		if got := ids(search(t, e, a.user.ID, "kite").Results); !slices.Equal(got, []int64{second, first}) {
			t.Fatalf("after insert: %v", got)
		}
		a.embed(first, neg(q)) // replaced: now the worst match
		third := a.add(photoSpec{title: "three", vec: near(r, q, 0.5)})
		if got := ids(search(t, e, a.user.ID, "kite").Results); !slices.Equal(got, []int64{second, third, first}) {
			t.Fatalf("after update: %v", got)
		}
		if err := db.DeletePhoto(t.Context(), a.user.ID, second); err != nil {
			t.Fatal(err)
		}
		if got := ids(search(t, e, a.user.ID, "kite").Results); !slices.Equal(got, []int64{third, first}) {
			t.Fatalf("after delete: %v", got)
		}
		// A fresh engine (a restart) loads the same state.
		e2 := New(db, Options{Embedder: m})
		if got := ids(search(t, e2, a.user.ID, "kite").Results); !slices.Equal(got, []int64{third, first}) {
			t.Fatalf("after restart: %v", got)
		}
	})
}

// countingEmbedder counts calls to the model.
type countingEmbedder struct {
	TextEmbedder
	calls atomic.Int64
	fail  bool
}

func (c *countingEmbedder) EmbedText(ctx context.Context, s string) ([]float32, error) {
	c.calls.Add(1)
	if c.fail {
		return nil, errors.New("model broke")
	}
	return c.TextEmbedder.EmbedText(ctx, s)
}

func TestQueryEmbeddingCache(t *testing.T) {
	t.Parallel()
	m := tiny(t)
	db := storetest.OpenSQLite(t, store.Options{})
	a := newLib(t, db, "a@example.com", m.Name())
	a.add(photoSpec{title: "x", vec: textVec(t, m, "owl")})
	c := &countingEmbedder{TextEmbedder: m}
	e := New(db, Options{Embedder: c, CacheSize: 2})
	for _, q := range []string{"owl", "Owl", " owl  -mouse", "owl album:x", "hawk", "owl"} {
		search(t, e, a.user.ID, q)
	}
	if n := c.calls.Load(); n != 2 {
		t.Fatalf("model called %d times, want 2 (owl, hawk)", n)
	}

	// A failing model degrades to the text leg.
	bad := &countingEmbedder{TextEmbedder: m, fail: true}
	e = New(db, Options{Embedder: bad})
	resp := search(t, e, a.user.ID, "x")
	if len(resp.Results) != 1 || resp.Results[0].Why.VectorRank != nil {
		t.Fatalf("degraded search: %+v", resp)
	}
}

// mapEmbedder answers the queries it knows with fixed vectors.
type mapEmbedder map[string][]float32

func (f mapEmbedder) EmbedText(_ context.Context, s string) ([]float32, error) {
	if v, ok := f[s]; ok {
		return v, nil
	}
	return nil, fmt.Errorf("no vector for query %q", s)
}

func (mapEmbedder) Name() string { return "floor-model" }

// TestLanguageRulesInWhy: a stemmed hit says which query word it matched
// and the photo's own word; stop words are left out and said so.
func TestLanguageRulesInWhy(t *testing.T) {
	t.Parallel()
	stores(t, func(t *testing.T, db *store.DB) {
		a := newLib(t, db, "a@example.com", "m")
		herd := a.add(photoSpec{title: "Herd", description: "A zebracorn grazing in the snow", aiKeywords: []string{"barn"}})
		a.add(photoSpec{title: "Field", description: "People in a field at noon"})
		e := New(db, Options{})

		resp := search(t, e, a.user.ID, "Zebracorns")
		if got := ids(resp.Results); !slices.Equal(got, []int64{herd}) {
			t.Fatalf("zebracorns: %v", got)
		}
		w := resp.Results[0].Why
		want := []Match{{Term: "zebracorns", Field: "description", Words: []string{"zebracorn"}}}
		if !slices.Equal(w.MatchedTerms, []string{"zebracorns"}) || !reflectEqual(w.Matches, want) {
			t.Fatalf("why of a stemmed hit: %+v", w)
		}
		if len(resp.Hints) != 0 {
			t.Fatalf("hints for a plain query: %+v", resp.Hints)
		}
		if got, want := w.Summary, "“zebracorns” (as “zebracorn”) in the description"; got != want {
			t.Fatalf("summary %q, want %q", got, want)
		}

		resp = search(t, e, a.user.ID, "barn in snow")
		if got := ids(resp.Results); !slices.Equal(got, []int64{herd}) {
			t.Fatalf("barn in snow: %v", got)
		}
		w = resp.Results[0].Why
		want = []Match{{Term: "barn", Field: "keywords", Words: []string{"barn"}}, {Term: "snow", Field: "description", Words: []string{"snow"}}}
		if !slices.Equal(w.MatchedTerms, []string{"barn", "snow"}) || !reflectEqual(w.Matches, want) {
			t.Fatalf("why: %+v", w)
		}
		if len(resp.Hints) != 1 || resp.Hints[0].Code != HintStopWords || !strings.Contains(resp.Hints[0].Message, "“in”") {
			t.Fatalf("hints: %+v", resp.Hints)
		}

		for _, q := range []string{"the", "a", "at", "in", "the at"} {
			resp := search(t, e, a.user.ID, q)
			if len(resp.Results) != 0 {
				t.Errorf("%q found %d photos", q, len(resp.Results))
			}
			if len(resp.Hints) != 1 || resp.Hints[0].Code != HintStopWords || !strings.Contains(resp.Hints[0].Message, "too common") {
				t.Errorf("%q: hints %+v", q, resp.Hints)
			}
		}
	})
}

func reflectEqual(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

// TestQueryTalksBack: what the search made of a query comes back as hints,
// never as a silently empty or silently different page.
func TestQueryTalksBack(t *testing.T) {
	t.Parallel()
	stores(t, func(t *testing.T, db *store.DB) {
		a := newLib(t, db, "a@example.com", "m")
		d := func(y int, m time.Month) time.Time { return time.Date(y, m, 10, 12, 0, 0, 0, time.UTC) }
		herd := a.add(photoSpec{title: "Herd", description: "Two zebracorns by a barn", taken: d(2008, 3)})
		june := a.add(photoSpec{title: "Lake", description: "A lake in summer", taken: d(2019, 6)})
		july := a.add(photoSpec{title: "Lake again", description: "A lake in summer", taken: d(2019, 7)})
		file := a.add(photoSpec{title: "Scan 2041", description: "An old print", taken: d(2008, 9)})
		e := New(db, Options{})
		hint := func(r Response, code string) Hint {
			for _, h := range r.Hints {
				if h.Code == code {
					return h
				}
			}
			return Hint{}
		}
		cases := []struct {
			q, code, says, query string
			want                 []int64
		}{
			{q: "after:abc barn", code: HintBadValue, says: "“after:abc” is not a date", want: []int64{herd}},
			{q: "lake after:June 2019", want: []int64{june, july}},
			{q: "lake before:June", code: HintBadValue, says: "“before:June” is not a date", want: []int64{june, july}},
			{q: "mood:happy", code: HintUnknownOperator, says: "“mood:” is not a filter"},
			{q: "zebracorm", code: HintDidYouMean, says: "Did you mean “zebracorns”?", query: "zebracorns"}, // the library's own word
			{q: "Zebracorm -lake", code: HintDidYouMean, says: "“zebracorm”", query: "zebracorns -lake"},
			{q: "xqzzyv", code: HintNoMatch, says: "No photo's text has “xqzzyv”."},
			{q: "2008", code: HintDateFromText, says: "photos taken in 2008", want: []int64{herd, file}},
			{q: "lake june 2019", code: HintDateFromText, says: "photos taken in June 2019", want: []int64{june}},
			{q: "2041", want: []int64{file}}, // in a title: text, not a date
			{q: "-zebracorn", code: HintExclusionsOnly, says: "Every photo without “zebracorn”.", want: []int64{june, july, file}},
		}
		for _, c := range cases {
			resp := search(t, e, a.user.ID, c.q)
			got := ids(resp.Results)
			slices.Sort(got)
			if !slices.Equal(got, c.want) {
				t.Errorf("%q: got %v, want %v (hints %+v)", c.q, got, c.want, resp.Hints)
			}
			if c.code == "" {
				if len(resp.Hints) != 0 {
					t.Errorf("%q: unexpected hints %+v", c.q, resp.Hints)
				}
				continue
			}
			h := hint(resp, c.code)
			if h.Code == "" || !strings.Contains(h.Message, c.says) || h.Query != c.query {
				t.Errorf("%q: hint %s %q (query %q), want one saying %q (query %q); all: %+v", c.q, c.code, h.Message, h.Query, c.says, c.query, resp.Hints)
			}
		}
	})
}

// TestVectorFloor: the vector leg does not hand back the whole library for
// every query. Hits above the relevance floor are results; the rest of a
// page's worth follows apart as loosely related, outside total.
func TestVectorFloor(t *testing.T) {
	t.Parallel()
	stores(t, func(t *testing.T, db *store.DB) {
		r := rand.New(rand.NewPCG(3, 4))
		const dim = 64
		a := newLib(t, db, "a@example.com", "floor-model")
		barn := randVec(r, dim)
		var close []int64
		for range 10 {
			close = append(close, a.add(photoSpec{title: "photo", vec: near(r, barn, 0.08)}))
		}
		for range 50 {
			a.add(photoSpec{title: "photo", vec: randVec(r, dim)})
		}
		emb := mapEmbedder{"red barn": barn, "zebracorn": randVec(r, dim)}
		e := New(db, Options{Embedder: emb, Model: "floor-model"})
		resp := search(t, e, a.user.ID, "red barn")
		got := ids(resp.Results)
		slices.Sort(got)
		if !slices.Equal(got, close) || resp.Total != len(close) {
			t.Fatalf("red barn: %d results (total %d) %v, want the %d photos near it %v", len(got), resp.Total, got, len(close), close)
		}
		if len(resp.LooselyRelated) != 50 { // up to a page (50) of them: all the others
			t.Fatalf("loosely related: %d, want the 50 others", len(resp.LooselyRelated))
		}
		for i, l := range resp.LooselyRelated {
			if slices.Contains(close, l.PhotoID) || l.Why.VectorRank == nil || *l.Why.VectorRank != len(close)+i+1 {
				t.Fatalf("loosely related #%d: %d, why %+v", i, l.PhotoID, l.Why)
			}
		}
		// A query like none of the photos has at most a stray match.
		if resp := search(t, e, a.user.ID, "zebracorn"); resp.Total > 3 || len(resp.LooselyRelated) == 0 {
			t.Fatalf("zebracorn: %d results, %d loosely related", resp.Total, len(resp.LooselyRelated))
		}
		// A page before the end of the results carries none.
		resp, err := e.Search(t.Context(), a.user.ID, Request{Query: "red barn", Limit: 5})
		if err != nil || len(resp.Results) != 5 || len(resp.LooselyRelated) != 0 {
			t.Fatalf("first page of 5: %d results, %d loosely related, %v", len(resp.Results), len(resp.LooselyRelated), err)
		}
	})
}

// TestCopiesAreOneResult: the same bytes in two folders are one result,
// which says where else they are; the count counts it once.
func TestCopiesAreOneResult(t *testing.T) {
	t.Parallel()
	stores(t, func(t *testing.T, db *store.DB) {
		l := newLib(t, db, "a@example.com", "m")
		e := New(db, Options{Model: "m", Logger: slog.New(slog.DiscardHandler)})
		first := l.add(photoSpec{title: "zebracorn at dawn", album: "2024", hash: "same-bytes"})
		copyID := l.add(photoSpec{title: "zebracorn at dawn", album: "Best of", hash: "same-bytes"})
		other := l.add(photoSpec{title: "zebracorn at dusk", album: "2024"})
		resp := search(t, e, l.user.ID, "zebracorn")
		if resp.Total != 2 || len(resp.Results) != 2 {
			t.Fatalf("%d results (total %d), want 2: %+v", len(resp.Results), resp.Total, resp.Results)
		}
		var got Result
		for _, r := range resp.Results {
			if r.PhotoID == first || r.PhotoID == copyID {
				got = r
			} else if r.PhotoID != other || len(r.AlsoIn) != 0 {
				t.Errorf("unexpected result %+v", r)
			}
		}
		if len(got.AlsoIn) != 1 || got.AlsoIn[0].PhotoID+got.PhotoID != first+copyID || got.AlsoIn[0].Album == "" {
			t.Errorf("the copy's result %+v, want one of the two with the other in also_in", got)
		}
	})
}
