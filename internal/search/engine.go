package search

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"

	"github.com/targetvision/targetvision/internal/linalg"
	"github.com/targetvision/targetvision/internal/plaintext"
	"github.com/targetvision/targetvision/internal/store"
)

// TextEmbedder turns a query into a CLIP text embedding. *clip.Model is one.
type TextEmbedder interface {
	EmbedText(ctx context.Context, text string) ([]float32, error)
	// Name is the model name embeddings are stored under.
	Name() string
}

// Options configure New. The zero value searches by text only.
type Options struct {
	// Embedder embeds queries for the vector leg; nil means no model is
	// installed and only the text leg runs.
	Embedder TextEmbedder
	// SemanticOff says, without an Embedder, why search by meaning is off
	// (responses carry it); default "no CLIP model is installed".
	SemanticOff string
	// Model is the model name of the stored photo embeddings to compare
	// against; default Embedder.Name(). Similar uses it even without an
	// Embedder.
	Model string
	// Logger receives warnings (a failed query embedding degrades to the
	// text leg); default slog.Default().
	Logger *slog.Logger
	// CacheSize is how many query embeddings are kept; default 1024.
	CacheSize int
	// CacheTTL is how long a cached query embedding lives; default 1 hour.
	CacheTTL time.Duration
	// Candidates is how deep each leg ranks before fusion; default 200. A
	// page beyond it deepens both legs up to MaxCandidates.
	Candidates int
	// IndexDir is where the SQLite vector index keeps its snapshot file
	// (normally the data directory), so a restart reads one flat file
	// instead of decoding every vector from the database; "" disables the
	// snapshot. Unused on Postgres.
	IndexDir string
	// FloorZ sets, per model name, how many standard deviations above the
	// query's mean similarity to the library a vector hit must be to count
	// as a match (see floor.go); a model not named gets DefaultFloorZ.
	FloorZ map[string]float64
	// EfSearch is pgvector's hnsw.ef_search for the vector leg on Postgres
	// (the HNSW candidate list: higher is better recall, slower); default
	// 100, and never below the number of candidates asked for.
	EfSearch int
}

// MaxCandidates bounds how deep a page can reach into the fused list.
const MaxCandidates = 1000

// rrfK is the reciprocal rank fusion constant of Cormack et al.
const rrfK = 60

func (o Options) withDefaults() Options {
	if o.Model == "" && o.Embedder != nil {
		o.Model = o.Embedder.Name()
	}
	o.Logger = cmp.Or(o.Logger, slog.Default())
	o.SemanticOff = cmp.Or(o.SemanticOff, "no CLIP model is installed, so photos are found by their words only")
	o.CacheSize = cmp.Or(o.CacheSize, 1024)
	o.CacheTTL = cmp.Or(o.CacheTTL, time.Hour)
	o.Candidates = cmp.Or(o.Candidates, 200)
	o.EfSearch = cmp.Or(o.EfSearch, 100)
	return o
}

// Engine runs searches. It is safe for concurrent use; make one per process.
type Engine struct {
	db     *store.DB
	opts   Options
	log    *slog.Logger
	cache  *expirable.LRU[string, []float32]
	vec    vectorIndex
	floors floorCache
	// emb is the query embedder (nil: no model); SetEmbedder installs
	// one while the engine serves.
	emb atomic.Pointer[embedderRef]
}

// embedderRef boxes a TextEmbedder for atomic.Pointer.
type embedderRef struct{ TextEmbedder }

// New returns an engine over db. On SQLite the in-process vector index loads
// itself on first use (call Warm at start-up to pay that early).
func New(db *store.DB, opts Options) *Engine {
	opts = opts.withDefaults()
	e := &Engine{
		db:    db,
		opts:  opts,
		log:   opts.Logger,
		cache: expirable.NewLRU[string, []float32](opts.CacheSize, nil, opts.CacheTTL),
	}
	if db.Dialect() == store.Postgres {
		e.vec = &pgIndex{db: db, efSearch: opts.EfSearch}
	} else {
		e.vec = newMemIndex(db, opts.Logger, opts.IndexDir)
	}
	if opts.Embedder != nil {
		e.emb.Store(&embedderRef{opts.Embedder})
	}
	return e
}

// embedder is the query embedder, or nil without a model.
func (e *Engine) embedder() TextEmbedder {
	if r := e.emb.Load(); r != nil {
		return r.TextEmbedder
	}
	return nil
}

// SetEmbedder turns search by meaning on while the engine serves: a
// server whose CLIP model was installed after it started (the Settings
// page's download) uses it from the next search on. The embedder must be
// the model the engine compares against (Options.Model), whose stored
// photo embeddings the vector leg ranks; its index is loaded first.
func (e *Engine) SetEmbedder(ctx context.Context, m TextEmbedder) error {
	if m == nil {
		return errors.New("search: no embedder")
	}
	if e.opts.Model != "" && m.Name() != e.opts.Model {
		return fmt.Errorf("search: embedder is model %s, the engine compares against %s", m.Name(), e.opts.Model)
	}
	if e.opts.Model == "" {
		return errors.New("search: the engine has no model name to compare against")
	}
	if err := e.vec.warm(ctx, e.opts.Model); err != nil {
		return fmt.Errorf("search: load the vector index: %w", err)
	}
	e.emb.Store(&embedderRef{m})
	return nil
}

// Warm loads the vector index of the engine's model now rather than on the
// first search (SQLite; a no-op on Postgres).
func (e *Engine) Warm(ctx context.Context) error {
	if e.opts.Model == "" {
		return nil
	}
	return e.vec.warm(ctx, e.opts.Model)
}

// Close saves the SQLite vector index's snapshot when it changed since it
// was loaded (see Options.IndexDir). The engine stays usable.
func (e *Engine) Close(ctx context.Context) error {
	if m, ok := e.vec.(*memIndex); ok {
		return m.save(ctx)
	}
	return nil
}

// Request is one search.
type Request struct {
	// Query is the search box text; see ParseQuery for its syntax.
	Query string
	// Limit is the page size; default 20, at most 200.
	Limit int
	// Offset skips that many fused results.
	Offset int
	// Filter narrows both legs. Operators in Query fill the fields Filter
	// leaves empty; a date range is the intersection of both.
	Filter store.Filter
	// leg runs one leg alone (Eval compares them); zero runs both.
	leg leg
}

// leg names the legs a search runs.
type leg int

const (
	legBoth leg = iota
	legText
	legVector
)

// Response is one page of results (DESIGN.md §2).
type Response struct {
	Query  string  `json:"query"`
	TookMS float64 `json:"took_ms"`
	Total  int     `json:"total"`
	// Hints say, in plain words, what the search made of the query when
	// that was not simply "these words": words left out, operators not
	// understood, a year read as a date, a spelling the library knows.
	Hints []Hint `json:"hints" nullable:"false"`
	// Semantic says whether search by meaning ran, and if not why.
	Semantic Semantic `json:"semantic"`
	Results  []Result `json:"results"`
	// LooselyRelated are photos the vector leg ranked below its relevance
	// floor — they look only a little like the words — listed apart on
	// the page where the results end (at most a page of them), never
	// mixed into the results or counted in total.
	LooselyRelated []Result `json:"loosely_related" nullable:"false"`
}

// Result is one photo found.
type Result struct {
	PhotoID int64 `json:"photo_id"`
	// Score is the fused reciprocal-rank score (higher is better; for a
	// similar-photos list, the cosine similarity; 0 for a filter-only list).
	Score        float64    `json:"score"`
	Title        string     `json:"title"`
	ThumbnailURL string     `json:"thumbnail_url"`
	WebURL       string     `json:"web_url"`
	Description  string     `json:"description"`
	Keywords     []string   `json:"keywords"`
	TakenAt      *time.Time `json:"taken_at"`
	Album        string     `json:"album"`
	// SourceID is the photo's source (the bulk toolbar offers a SmugMug
	// album for photos of one SmugMug account).
	SourceID int64 `json:"source_id"`
	// AlsoIn are the other photos with the same bytes (a copy in another
	// folder or source): one result, not several.
	AlsoIn []Copy `json:"also_in,omitempty"`
	Why    Why    `json:"why"`
}

// Copy is another photo with a result's bytes.
type Copy struct {
	PhotoID  int64  `json:"photo_id"`
	Album    string `json:"album"`
	SourceID int64  `json:"source_id"`
}

// Why explains a result: its 1-based rank in each leg (null when the leg did
// not find it) and where the query's words are in the photo's text.
type Why struct {
	VectorRank *int `json:"vector_rank"`
	TextRank   *int `json:"text_rank"`
	// MatchedTerms are the query's words and phrases (lower-case) found in
	// the photo's text, in query order. A word counts when the photo has
	// another form of it: "zebracorns" matches "zebracorn".
	MatchedTerms []string `json:"matched_terms"`
	// Matches say where each matched term is, in the photo's own words.
	Matches []Match `json:"matches" nullable:"false"`
	// Summary says all this in plain words for a person, without ranks or
	// scores: "“barn” in the description, “snow” in the keywords; looks
	// like your words". Empty for a listing without a query.
	Summary string `json:"summary"`
}

// Match is one query term found in one field of a photo's text.
type Match struct {
	// Term is the query's word or phrase, lower-case.
	Term string `json:"term"`
	// Field is where it was found.
	Field string `json:"field" enum:"title,caption,keywords,description,file_name,album,place,camera"`
	// Words are the photo's words it matched ("zebracorn" for the term
	// "zebracorns").
	Words []string `json:"words"`
}

// photoThumbnail is the photo's thumbnail URL, or "" while it has none (a
// failed or unprocessed photo), so the UI shows a placeholder, not a 404.
func photoThumbnail(p store.Photo) string {
	if p.ThumbPath == "" {
		return ""
	}
	return ThumbnailURL(p.ID)
}

// ThumbnailURL is where the API serves a photo's thumbnail.
func ThumbnailURL(photoID int64) string {
	return "/api/v1/photos/" + strconv.FormatInt(photoID, 10) + "/thumbnail"
}

// Search runs a query for the user.
func (e *Engine) Search(ctx context.Context, userID int64, req Request) (Response, error) {
	start := time.Now()
	limit := req.Limit
	if limit <= 0 {
		limit = 20
	}
	limit = min(limit, 200)
	offset := max(req.Offset, 0)
	q := ParseQuery(req.Query)
	f := mergeFilter(req.Filter, q.Filter)
	// Excluded words leave photos out of every leg and of a plain listing:
	// "-zebracorn" alone is every photo but those.
	f.Exclude = strings.TrimSpace(f.Exclude + " " + strings.Join(q.Exclude, " "))
	resp := Response{Query: req.Query, Hints: append([]Hint{}, q.Hints...), Semantic: e.semantic(), Results: []Result{}, LooselyRelated: []Result{}}
	q, f, err := e.readDates(ctx, userID, q, f, &resp)
	if err != nil {
		return Response{}, err
	}

	if !q.HasText() {
		photos, total, err := e.db.ListPhotos(ctx, userID, f, limit, offset)
		if err != nil {
			return Response{}, fmt.Errorf("search: list: %w", err)
		}
		ids := make([]int64, len(photos))
		for i, p := range photos {
			ids[i] = p.ID
		}
		res, err := e.hydrate(ctx, userID, ids, photos, nil)
		if err != nil {
			return Response{}, err
		}
		resp.Total, resp.Results = total, res
		if len(q.Exclude) > 0 {
			resp.Hints = append(resp.Hints, Hint{Code: HintExclusionsOnly,
				Message: "Every photo without " + quotedOr(distinct(q.Exclude)) + "."})
		}
		resp.TookMS = ms(time.Since(start))
		return resp, nil
	}

	var words []string
	for _, t := range q.Terms {
		words = append(words, store.Words(t)...)
	}
	words = distinct(words)
	stop, err := e.db.StopWords(ctx, words)
	if err != nil {
		return Response{}, fmt.Errorf("search: %w", err)
	}
	if len(stop) > 0 {
		resp.Hints = append(resp.Hints, stopWordsHint(stop, len(q.Phrases) == 0 && len(stop) == len(words)))
	}

	// The legs run side by side: on SQLite the vector scan is CPU work in
	// this process while the text leg waits on the database.
	depth := min(max(e.opts.Candidates, offset+limit), MaxCandidates)
	var textHits []store.TextHit
	var textErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		if req.leg == legVector {
			return
		}
		textHits, textErr = e.db.SearchText(ctx, userID, store.TextQuery{
			Terms: q.Terms, Phrases: q.Phrases, Exclude: q.Exclude, Filter: f, Limit: depth,
		})
	})
	var vecHits, loose []vecHit
	if req.leg != legText && (len(stop) < len(words) || len(q.Phrases) > 0) {
		// A query of stop words alone means nothing to CLIP either.
		vecHits, loose, err = e.vectorLeg(ctx, userID, q, f, depth)
	}
	wg.Wait()
	if textErr != nil {
		return Response{}, fmt.Errorf("search: text leg: %w", textErr)
	}
	if err != nil {
		return Response{}, err
	}
	if len(textHits) == 0 && req.leg != legVector {
		if err := e.noTextHint(ctx, userID, req.Query, words, stop, &resp); err != nil {
			return Response{}, err
		}
	}
	ranked, copies, err := e.collapseCopies(ctx, userID, fuse(vecHits, textHits))
	if err != nil {
		return Response{}, err
	}
	resp.Total = len(ranked)
	if offset < len(ranked) {
		if resp.Results, err = e.results(ctx, userID, q, ranked[offset:min(offset+limit, len(ranked))], false); err != nil {
			return Response{}, err
		}
		if err := e.attachCopies(ctx, userID, resp.Results, copies); err != nil {
			return Response{}, err
		}
	}
	if offset+limit >= len(ranked) && len(loose) > 0 {
		// The page where the matches end shows what the vector leg found
		// below its floor, apart: photos that look a little like the
		// words, not matches.
		found := make(map[int64]bool, len(ranked))
		for _, h := range ranked {
			found[h.photoID] = true
		}
		var rest []fused
		for i, h := range loose {
			if !found[h.photoID] && len(rest) < limit {
				r := len(vecHits) + i + 1
				rest = append(rest, fused{photoID: h.photoID, vectorRank: &r})
			}
		}
		if resp.LooselyRelated, err = e.results(ctx, userID, q, rest, true); err != nil {
			return Response{}, err
		}
	}
	resp.TookMS = ms(time.Since(start))
	return resp, nil
}

// collapseCopies keeps, of the fused hits with the same content hash (the
// same file in two folders or sources), the best-ranked one, and returns
// the others by the photo they fold into.
func (e *Engine) collapseCopies(ctx context.Context, userID int64, ranked []fused) ([]fused, map[int64][]int64, error) {
	if len(ranked) < 2 {
		return ranked, nil, nil
	}
	ids := make([]int64, len(ranked))
	for i, h := range ranked {
		ids[i] = h.photoID
	}
	hashes, err := e.db.ContentHashes(ctx, userID, ids)
	if err != nil {
		return nil, nil, fmt.Errorf("search: %w", err)
	}
	first := make(map[string]int64, len(hashes))
	copies := map[int64][]int64{}
	out := ranked[:0:0]
	for _, h := range ranked {
		hash := hashes[h.photoID]
		if keep, seen := first[hash]; seen && hash != "" {
			copies[keep] = append(copies[keep], h.photoID)
			continue
		}
		first[hash] = h.photoID
		out = append(out, h)
	}
	return out, copies, nil
}

// attachCopies fills each result's AlsoIn from copies.
func (e *Engine) attachCopies(ctx context.Context, userID int64, results []Result, copies map[int64][]int64) error {
	var ids []int64
	for _, r := range results {
		ids = append(ids, copies[r.PhotoID]...)
	}
	if len(ids) == 0 {
		return nil
	}
	ps, err := e.db.PhotosByIDs(ctx, userID, ids)
	if err != nil {
		return fmt.Errorf("search: copies: %w", err)
	}
	byID := make(map[int64]store.Photo, len(ps))
	for _, p := range ps {
		byID[p.ID] = p
	}
	for i := range results {
		for _, id := range copies[results[i].PhotoID] {
			if p, ok := byID[id]; ok {
				results[i].AlsoIn = append(results[i].AlsoIn, Copy{PhotoID: id, Album: plaintext.Line(p.AlbumName), SourceID: p.SourceID})
			}
		}
	}
	return nil
}

// results hydrates a page of fused hits with their why.
func (e *Engine) results(ctx context.Context, userID int64, q Query, page []fused, loosely bool) ([]Result, error) {
	ids := make([]int64, len(page))
	for i, h := range page {
		ids[i] = h.photoID
	}
	matches, err := e.db.TextMatches(ctx, userID, ids, store.TextQuery{Terms: q.Terms, Phrases: q.Phrases})
	if err != nil {
		return nil, fmt.Errorf("search: why: %w", err)
	}
	res, err := e.hydrate(ctx, userID, ids, nil, matches)
	if err != nil {
		return nil, err
	}
	for i := range res {
		h := page[i]
		res[i].Score = h.score
		res[i].Why.VectorRank, res[i].Why.TextRank = h.vectorRank, h.textRank
		res[i].Why.Summary = summarize(res[i].Why, loosely)
	}
	return dropMissing(res), nil
}

// vectorLeg ranks the user's photos by CLIP similarity to the query text
// and splits them at the relevance floor: matches, then the loosely
// related rest (see floor.go). Without a model, or if embedding fails, it
// finds nothing and the search goes on with the text leg alone.
func (e *Engine) vectorLeg(ctx context.Context, userID int64, q Query, f store.Filter, k int) (matches, loose []vecHit, err error) {
	emb := e.embedder()
	if emb == nil || q.Text == "" {
		return nil, nil, nil
	}
	qv, err := e.embed(ctx, emb, q.Text)
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, fmt.Errorf("search: embed query: %w", ctx.Err())
		}
		e.log.WarnContext(ctx, "search: query embedding failed; text leg only", "err", err)
		return nil, nil, nil
	}
	hits, err := e.vec.search(ctx, vecQuery{userID: userID, model: e.opts.Model, vec: qv, k: k, filter: f})
	if err != nil || len(hits) == 0 {
		return nil, nil, err
	}
	floor, ok, err := e.vectorFloor(ctx, userID, qv)
	if err != nil || !ok {
		return hits, nil, err
	}
	n := 0
	for n < len(hits) && hits[n].sim >= floor {
		n++
	}
	return hits[:n], hits[n:], nil
}

// embed returns the query's embedding, from the cache when it can.
func (e *Engine) embed(ctx context.Context, emb TextEmbedder, text string) ([]float32, error) {
	key := e.opts.Model + "\x00" + strings.ToLower(strings.Join(strings.Fields(text), " "))
	if v, ok := e.cache.Get(key); ok {
		return v, nil
	}
	v, err := emb.EmbedText(ctx, text)
	if err != nil {
		return nil, err
	}
	v = linalg.Normalized(v)
	e.cache.Add(key, v)
	return v, nil
}

// Similar lists the user's photos whose image embedding is nearest to the
// given photo's (the photo itself excluded), most similar first. A photo not
// yet embedded has no similar photos; another user's photo is
// store.ErrNotFound.
func (e *Engine) Similar(ctx context.Context, userID, photoID int64, limit int) (Response, error) {
	start := time.Now()
	if limit <= 0 {
		limit = 20
	}
	limit = min(limit, 200)
	resp := Response{Hints: []Hint{}, Semantic: e.semantic(), Results: []Result{}, LooselyRelated: []Result{}}
	if _, err := e.db.Photo(ctx, userID, photoID); err != nil {
		return Response{}, fmt.Errorf("search: similar: %w", err)
	}
	if e.opts.Model == "" {
		resp.TookMS = ms(time.Since(start))
		return resp, nil
	}
	v, err := e.db.Embedding(ctx, userID, photoID, e.opts.Model)
	if errors.Is(err, store.ErrNotFound) {
		resp.TookMS = ms(time.Since(start))
		return resp, nil
	}
	if err != nil {
		return Response{}, fmt.Errorf("search: similar: %w", err)
	}
	hits, err := e.vec.search(ctx, vecQuery{userID: userID, model: e.opts.Model, vec: linalg.Normalized(v), k: limit + 1, exclude: photoID})
	if err != nil {
		return Response{}, fmt.Errorf("search: similar: %w", err)
	}
	hits = slices.DeleteFunc(hits, func(h vecHit) bool { return h.photoID == photoID })
	hits = hits[:min(len(hits), limit)]
	ids := make([]int64, len(hits))
	for i, h := range hits {
		ids[i] = h.photoID
	}
	res, err := e.hydrate(ctx, userID, ids, nil, nil)
	if err != nil {
		return Response{}, err
	}
	for i := range res {
		rank := i + 1
		res[i].Score = float64(hits[i].sim)
		res[i].Why.VectorRank = &rank
		res[i].Why.Summary = "Looks like this photo"
	}
	resp.Results = dropMissing(res)
	resp.Total = len(resp.Results)
	resp.TookMS = ms(time.Since(start))
	return resp, nil
}

// hydrate loads the photos (unless given) and their descriptions and builds
// results in the order of ids. A photo deleted meanwhile yields a result
// with PhotoID 0, which dropMissing removes.
func (e *Engine) hydrate(ctx context.Context, userID int64, ids []int64, photos []store.Photo, matches []store.TextMatch) ([]Result, error) {
	if len(ids) == 0 {
		return []Result{}, nil
	}
	if photos == nil {
		var err error
		photos, err = e.db.PhotosByIDs(ctx, userID, ids)
		if err != nil {
			return nil, fmt.Errorf("search: load photos: %w", err)
		}
	}
	byID := make(map[int64]*store.Photo, len(photos))
	for i := range photos {
		byID[photos[i].ID] = &photos[i]
	}
	ai, err := e.db.AIMetadataFor(ctx, userID, ids)
	if err != nil {
		return nil, fmt.Errorf("search: load descriptions: %w", err)
	}
	why := map[int64]*Why{}
	for _, m := range matches {
		w := why[m.PhotoID]
		if w == nil {
			w = &Why{}
			why[m.PhotoID] = w
		}
		if !slices.Contains(w.MatchedTerms, m.Term) {
			w.MatchedTerms = append(w.MatchedTerms, m.Term)
		}
		w.Matches = append(w.Matches, Match{Term: m.Term, Field: m.Field, Words: m.Words})
	}
	out := make([]Result, len(ids))
	for i, id := range ids {
		p, ok := byID[id]
		if !ok {
			continue
		}
		m := ai[id]
		r := Result{
			PhotoID:      p.ID,
			Title:        plaintext.Line(cmp.Or(p.Title, p.FileName)),
			ThumbnailURL: photoThumbnail(*p),
			WebURL:       p.WebURL,
			Description:  plaintext.Line(cmp.Or(m.Description, p.ShownCaption())),
			Keywords:     plaintext.Lines(p.ShownKeywords(m.Keywords)),
			Album:        plaintext.Line(p.AlbumName),
			SourceID:     p.SourceID,
			Why:          Why{MatchedTerms: []string{}, Matches: []Match{}},
		}
		if w := why[id]; w != nil {
			r.Why = *w
		}
		if !p.TakenAt.IsZero() {
			t := p.TakenAt
			r.TakenAt = &t
		}
		out[i] = r
	}
	return out, nil
}

func dropMissing(rs []Result) []Result {
	return slices.DeleteFunc(rs, func(r Result) bool { return r.PhotoID == 0 })
}

// distinct is ws without repeats, in first-seen order.
func distinct(ws []string) []string {
	var out []string
	for _, w := range ws {
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// mergeFilter fills base's empty fields from the query's operators; dates
// intersect.
func mergeFilter(base, q store.Filter) store.Filter {
	f := base
	f.Album = cmp.Or(f.Album, q.Album)
	f.Camera = cmp.Or(f.Camera, q.Camera)
	f.Keyword = cmp.Or(f.Keyword, q.Keyword)
	f.Place = cmp.Or(f.Place, q.Place)
	f.MinRating = max(f.MinRating, q.MinRating)
	f.Lens = cmp.Or(f.Lens, q.Lens)
	f.Favorite = f.Favorite || q.Favorite
	f.MinISO = max(f.MinISO, q.MinISO)
	f.MinFNumber = max(f.MinFNumber, q.MinFNumber)
	f.MaxISO = minSet(f.MaxISO, q.MaxISO)
	f.MaxFNumber = minSet(f.MaxFNumber, q.MaxFNumber)
	if !q.From.IsZero() && (f.From.IsZero() || q.From.After(f.From)) {
		f.From = q.From
	}
	if !q.To.IsZero() && (f.To.IsZero() || q.To.Before(f.To)) {
		f.To = q.To
	}
	return f
}

// minSet is the smaller of two upper bounds where 0 is no bound.
func minSet[T int | float64](a, b T) T {
	if a == 0 || (b != 0 && b < a) {
		return b
	}
	return a
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
