// Package searchbench measures the search engine on a synthetic library
// (internal/synthlib) in a scratch store: end-to-end latency percentiles,
// per kind of query and per leg, the vector leg's recall@10 against an exact
// scan, the relevance floor's precision and recall, and the index's build
// time and size. It is what `targetvision bench search` runs, and it sees
// the engine only through search's exported API.
package searchbench

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/targetvision/targetvision/internal/linalg"
	"github.com/targetvision/targetvision/internal/search"
	"github.com/targetvision/targetvision/internal/store"
	"github.com/targetvision/targetvision/internal/synthlib"
)

// Options configure Run. Zero fields take the documented defaults.
type Options struct {
	// Photos is the library size; default 100,000.
	Photos int
	// Store is "sqlite" (default) or "postgres".
	Store string
	// DatabaseURL is a Postgres server URL whose user may create
	// databases; the benchmark works in a scratch database it creates
	// there and drops afterwards. Required for Store "postgres".
	DatabaseURL string
	// Dir holds the scratch SQLite file; default a temporary directory,
	// removed afterwards.
	Dir string
	// Dim is the embedding dimension; default 512 (ViT-B/32).
	Dim int
	// Queries is how many timed searches run; default 500. A quarter of
	// them carry a filter (a date range, a camera or an album).
	Queries int
	// RecallQueries is how many queries measure the vector leg's recall@10
	// against an exact scan; default 100.
	RecallQueries int
	// EfSearch overrides the engine's hnsw.ef_search (Postgres).
	EfSearch int
	// Candidates overrides how deep each leg ranks before fusion (the
	// engine's default is 200).
	Candidates int
	// VectorOnly (Postgres) skips descriptions and the full-text index, for
	// a vector-leg measurement at sizes where building them takes too long;
	// the text leg then finds nothing.
	VectorOnly bool
	// Layout is the synthetic vectors' layout: "" or "compositional" (the
	// default, shaped like CLIP embeddings) or "islands" (independent
	// clusters with nothing between them: a graph index's worst case).
	Layout string
	// HNSWParams (Postgres) builds the index with these storage parameters
	// (pgvector's defaults for any not given), e.g. "m = 32,
	// ef_construction = 128", to compare them with the migrations' build
	// (m = 16, ef_construction = 128).
	HNSWParams string
	// Keep (Postgres) names the scratch database and keeps it afterwards;
	// a later run with the same name and the same library options measures
	// the kept library instead of filling a new one (a 1M fill takes
	// minutes). A database of that name that is not such a library is
	// refused, never dropped.
	Keep string
	// Seed varies the synthetic library; default 1.
	Seed uint64
	// Out receives the report; default os.Stdout.
	Out io.Writer
}

// Result is what Run measured.
type Result struct {
	Store            string
	Photos, Dim      int
	Fill             time.Duration // writing the synthetic library
	Build            time.Duration // HNSW build (Postgres) or index load from the store (SQLite)
	Restart          time.Duration // SQLite: index load from its snapshot plus catch-up
	IndexBytes       int64         // HNSW index size (Postgres) or the in-process index's memory (SQLite)
	P50, P95, P99    time.Duration // end-to-end Engine.Search, query embedding cached
	VectorP50        time.Duration // the vector leg alone
	VectorP95        time.Duration
	TextP50          time.Duration // the text leg alone (store.SearchText)
	TextP95          time.Duration
	Recall10         float64 // vector leg vs exact, unfiltered
	FilteredRecall10 float64 // vector leg vs exact, with a date filter
	MeanResults      float64
	// Floor is the relevance floor's quality by z (FloorQuality).
	Floor             []FloorQuality
	EfSearch, Queries int
	GoMaxProcs, CPUs  int
}

// fixedEmbedder answers queries with precomputed vectors, as the engine's
// cache would after the first search; the benchmark measures search, not CLIP.
type fixedEmbedder map[string][]float32

func (f fixedEmbedder) EmbedText(_ context.Context, s string) ([]float32, error) {
	if v, ok := f[s]; ok {
		return v, nil
	}
	return nil, fmt.Errorf("bench: no vector for query %q", s)
}

func (fixedEmbedder) Name() string { return synthlib.Model }

// Run fills a scratch store with a synthetic library and measures the real
// Engine on it: end-to-end latency percentiles, the vector leg's recall@10
// against an exact scan, index build (or load) time and index memory. It is
// what `targetvision bench search` runs.
func Run(ctx context.Context, o Options) (Result, error) {
	o.Photos = max(o.Photos, 0)
	if o.Photos == 0 {
		o.Photos = 100_000
	}
	if o.Store == "" {
		o.Store = "sqlite"
	}
	if o.Dim == 0 {
		o.Dim = 512
	}
	if o.Queries == 0 {
		o.Queries = 500
	}
	if o.RecallQueries == 0 {
		o.RecallQueries = 100
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Out == nil {
		o.Out = os.Stdout
	}
	res := Result{Store: o.Store, Photos: o.Photos, Dim: o.Dim, Queries: o.Queries,
		GoMaxProcs: runtime.GOMAXPROCS(0), CPUs: runtime.NumCPU()}
	if o.Layout != "" && o.Layout != "compositional" && o.Layout != "islands" {
		return Result{}, fmt.Errorf("bench: unknown layout %q (compositional or islands)", o.Layout)
	}
	if o.Keep != "" && o.Store != "postgres" {
		return Result{}, errors.New("bench: keeping the scratch library is for the postgres store")
	}
	s := synthlib.New(synthlib.Options{Photos: o.Photos, Dim: o.Dim, Users: 1, Seed: o.Seed, NoText: o.VectorOnly && o.Store == "postgres",
		Islands: o.Layout == "islands", HNSWParams: o.HNSWParams})
	logf := func(format string, args ...any) { fmt.Fprintf(o.Out, "# "+format+"\n", args...) }

	var db *store.DB
	var users, ids []int64
	var scratchURL string // postgres
	var err error
	start := time.Now()
	switch o.Store {
	case "sqlite":
		dir := o.Dir
		if dir == "" {
			if dir, err = os.MkdirTemp("", "tv-bench-"); err != nil {
				return res, fmt.Errorf("bench: %w", err)
			}
			defer os.RemoveAll(dir)
		}
		path := filepath.Join(dir, "bench.db")
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(path + suffix)
		}
		if db, err = store.Open(ctx, path, store.Options{}); err != nil {
			return res, err
		}
		defer db.Close()
		logf("filling %d photos into %s", o.Photos, path)
		if users, ids, err = synthlib.FillSQLite(ctx, db, s); err != nil {
			return res, err
		}
		res.Fill = time.Since(start)
	case "postgres":
		if o.DatabaseURL == "" {
			return res, errors.New("bench: the postgres store needs a database URL")
		}
		scratch, created, drop, err := scratchDatabase(ctx, o.DatabaseURL, o.Keep)
		if err != nil {
			return res, err
		}
		scratchURL = scratch
		defer drop()
		if !created {
			if users, ids, res.Build, res.IndexBytes, err = keptLibrary(ctx, scratch, s); err != nil {
				return res, err
			}
			logf("measuring the library kept in database %s", o.Keep)
		} else {
			logf("filling %d photos into a scratch database", o.Photos)
			f, err := synthlib.FillPostgres(ctx, scratch, s)
			if err != nil {
				return res, err
			}
			users, ids, res.Build, res.IndexBytes = f.Users, f.PhotoIDs, f.Build, f.IndexBytes
			res.Fill = time.Since(start) - res.Build
			if o.Keep != "" {
				if err := keepLibrary(ctx, scratch, s, users, res.Build); err != nil {
					return res, err
				}
			}
		}
		if db, err = store.Open(ctx, scratch, store.Options{}); err != nil {
			return res, err
		}
		defer db.Close()
	default:
		return res, fmt.Errorf("bench: unknown store %q (sqlite or postgres)", o.Store)
	}
	logf("filled in %v", res.Fill.Round(time.Millisecond))

	emb := fixedEmbedder{}
	texts := make([]string, o.Queries)
	kinds := make([]string, o.Queries) // "plain" or the filter's operator
	for i := range texts {
		text, vec, _ := s.Query(i)
		kinds[i] = "plain"
		switch i % 8 {
		case 1:
			text, kinds[i] = text+" after:2015", "after:"
		case 3:
			text, kinds[i] = text+" camera:canon", "camera:"
		case 5:
			text, kinds[i] = text+fmt.Sprintf(` album:"Album %d"`, i%s.Albums()), "album:"
		}
		texts[i] = text
		emb[search.ParseQuery(text).Text] = vec
	}
	snapDir, err := os.MkdirTemp("", "tv-bench-snap-")
	if err != nil {
		return res, fmt.Errorf("bench: %w", err)
	}
	defer os.RemoveAll(snapDir)
	opts := search.Options{Embedder: emb, EfSearch: o.EfSearch, Candidates: o.Candidates, Logger: slog.New(slog.DiscardHandler), IndexDir: snapDir}
	eng := search.New(db, opts)
	set := eng.Settings()
	res.EfSearch = max(set.EfSearch, set.Candidates)
	if o.Store == "sqlite" {
		// First start: load from the store (and write the snapshot).
		t := time.Now()
		if err := eng.Warm(ctx); err != nil {
			return res, err
		}
		res.Build = time.Since(t)
		res.IndexBytes = eng.IndexBytes()
		// Restart: a new engine reads the snapshot.
		eng = search.New(db, opts)
		t = time.Now()
		if err := eng.Warm(ctx); err != nil {
			return res, err
		}
		res.Restart = time.Since(t)
		runtime.GC()
		logf("index loaded from the store in %v, from its snapshot in %v (%s)", res.Build.Round(time.Millisecond),
			res.Restart.Round(time.Millisecond), humanBytes(res.IndexBytes))
	} else {
		logf("HNSW index built in %v (%s)", res.Build.Round(time.Millisecond), humanBytes(res.IndexBytes))
		if server, err := serverSettings(ctx, db, scratchURL); err == nil {
			logf("%s", server)
		}
	}

	user := users[0]
	// Warm-up: every query once, which also fills the query cache.
	for _, text := range texts {
		if _, err := eng.Search(ctx, user, search.Request{Query: text, Limit: 20}); err != nil {
			return res, err
		}
	}
	lat := make([]time.Duration, 0, o.Queries)
	byKind := map[string][]time.Duration{}
	total := 0
	for i, text := range texts {
		t := time.Now()
		resp, err := eng.Search(ctx, user, search.Request{Query: text, Limit: 20})
		if err != nil {
			return res, err
		}
		d := time.Since(t)
		lat = append(lat, d)
		byKind[kinds[i]] = append(byKind[kinds[i]], d)
		total += len(resp.Results)
	}
	res.MeanResults = float64(total) / float64(len(texts))
	// Each leg alone, per kind of query, to show where the time goes.
	tlat := make([]time.Duration, 0, len(texts))
	legs := map[string][2][]time.Duration{}
	for i, text := range texts {
		t := time.Now()
		if _, err := eng.TextLeg(ctx, user, text); err != nil {
			return res, err
		}
		td := time.Since(t)
		tlat = append(tlat, td)
		t = time.Now()
		if _, _, err := eng.VectorLeg(ctx, user, text); err != nil {
			return res, err
		}
		l := legs[kinds[i]]
		l[0], l[1] = append(l[0], time.Since(t)), append(l[1], td)
		legs[kinds[i]] = l
	}
	res.TextP50, res.TextP95 = pct(tlat, 50), pct(tlat, 95)
	res.P50, res.P95, res.P99 = pct(lat, 50), pct(lat, 95), pct(lat, 99)

	// Recall of the vector leg against an exact scan of the generated vectors.
	nq := min(o.RecallQueries, o.Queries)
	qs := make([][]float32, nq)
	for i := range qs {
		_, qs[i], _ = s.Query(i)
	}
	from := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	exact, exactF := exactBench(s, qs, from, 10)
	vlat := make([]time.Duration, 0, nq)
	var hit, hitF, want, wantF, lost int
	// The leg is asked for as many candidates as a search asks it for (and
	// so runs with the same ef_search); recall is of its first ten.
	k := set.Candidates
	for i, q := range qs {
		t := time.Now()
		got, err := eng.NearestPhotos(ctx, user, q, k, store.Filter{})
		if err != nil {
			return res, err
		}
		vlat = append(vlat, time.Since(t))
		gotF, err := eng.NearestPhotos(ctx, user, q, k, store.Filter{From: from})
		if err != nil {
			return res, err
		}
		got, gotF = got[:min(10, len(got))], gotF[:min(10, len(gotF))]
		h := overlap(got, exact[i], ids)
		if 2*h < len(exact[i]) {
			lost++ // the walk never reached the query's neighbourhood
		}
		hit += h
		hitF += overlap(gotF, exactF[i], ids)
		want += len(exact[i])
		wantF += len(exactF[i])
	}
	res.Recall10 = float64(hit) / float64(max(want, 1))
	res.FilteredRecall10 = float64(hitF) / float64(max(wantF, 1))
	res.VectorP50, res.VectorP95 = pct(vlat, 50), pct(vlat, 95)

	if res.Floor, err = benchFloor(ctx, eng, s, user, ids, min(nq, 50)); err != nil {
		return res, err
	}

	tw := tabwriter.NewWriter(o.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "store\tphotos\tp50\tp95\tp99\tvector p50\tvector p95\ttext p50\ttext p95\trecall@10\trecall@10 filtered\tbuild\tindex memory\tfill\tef_search")
	fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.3f\t%.3f\t%s\t%s\t%s\t%d\n", res.Store, res.Photos,
		msStr(res.P50), msStr(res.P95), msStr(res.P99), msStr(res.VectorP50), msStr(res.VectorP95), msStr(res.TextP50), msStr(res.TextP95),
		res.Recall10, res.FilteredRecall10, res.Build.Round(time.Millisecond), humanBytes(res.IndexBytes),
		res.Fill.Round(time.Second), res.EfSearch)
	tw.Flush()
	for _, k := range []string{"plain", "after:", "camera:", "album:"} {
		if ds := byKind[k]; len(ds) > 0 {
			l := legs[k]
			logf("%-8s p50 %s  p95 %s  (%d queries)   vector leg p50 %s p95 %s   text leg p50 %s p95 %s", k,
				msStr(pct(ds, 50)), msStr(pct(ds, 95)), len(ds), msStr(pct(l[0], 50)), msStr(pct(l[0], 95)), msStr(pct(l[1], 50)), msStr(pct(l[1], 95)))
		}
	}
	logf("recall: %d of %d queries found fewer than half their ten nearest", lost, nq)
	if res.Restart > 0 {
		logf("restart: index from its snapshot in %v", res.Restart.Round(time.Millisecond))
	}
	logf("%d queries (1/8 each with after:, camera:, album:), %.1f results per page, GOMAXPROCS %d", o.Queries, res.MeanResults, res.GoMaxProcs)
	logf("relevance floor (a query is about its cluster's photos; %d queries; exact over the library, and among the vector leg's %d candidates):", min(nq, 50), set.Candidates)
	ftw := tabwriter.NewWriter(o.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(ftw, "# z\tprecision\trecall\tmatches/query\tcluster/query\tleg precision\tleg recall")
	for _, f := range res.Floor {
		mark := ""
		if f.Z == set.FloorZ {
			mark = " (default)"
		}
		fmt.Fprintf(ftw, "# %.1f%s\t%.3f\t%.3f\t%.1f\t%.1f\t%.3f\t%.3f\n", f.Z, mark, f.Precision, f.Recall, f.Matches, f.Relevant, f.LegPrecision, f.LegRecall)
	}
	ftw.Flush()
	return res, nil
}

// serverSettings describes the Postgres server of the scratch database at
// url and the store's full-text index, for the report.
func serverSettings(ctx context.Context, db *store.DB, url string) (string, error) {
	conn, err := sql.Open("pgx", url)
	if err != nil {
		return "", fmt.Errorf("bench: %w", err)
	}
	defer conn.Close()
	var version, buffers, huge string
	if err := conn.QueryRowContext(ctx, "SELECT current_setting('server_version'), current_setting('shared_buffers'), current_setting('huge_pages')").Scan(&version, &buffers, &huge); err != nil {
		return "", fmt.Errorf("bench: server settings: %w", err)
	}
	text := "GIN (ranks every match)"
	if db.RankedTextIndex() {
		text = "rum (best matches first)"
	}
	return fmt.Sprintf("server: PostgreSQL %s, shared_buffers %s, huge_pages %s; full-text index %s", version, buffers, huge, text), nil
}

// FloorQuality is how well the vector leg's relevance floor at one z tells
// a query's own cluster (the photos it is about) from the rest.
type FloorQuality struct {
	Z float64
	// Precision and Recall of "above the floor" over the whole library,
	// exactly: of the photos above it, the share in the cluster; of the
	// cluster, the share above it.
	Precision, Recall float64
	// Matches and Relevant are the mean photos above the floor and in the
	// cluster, per query.
	Matches, Relevant float64
	// LegPrecision and LegRecall are the same among the vector leg's
	// candidates (what a search sees): recall against the cluster photos
	// among them.
	LegPrecision, LegRecall float64
}

// benchFloor measures the relevance floor at several z on nq queries: the
// floor is the engine's own (its sample of the stored library), the
// similarities are exact over every generated photo.
func benchFloor(ctx context.Context, eng *search.Engine, s *synthlib.Library, user int64, ids []int64, nq int) ([]FloorQuality, error) {
	zs := []float64{1, 2, 3, 4, 5, 6, 8, 10}
	photos := s.Options().Photos
	type q struct {
		vec       []float32
		cluster   int
		med, sprd float64
		sims      []float32
	}
	qs := make([]q, nq)
	for i := range qs {
		_, qs[i].vec, qs[i].cluster = s.Query(i)
		st, ok, err := eng.FloorStats(ctx, user, qs[i].vec)
		if err != nil || !ok {
			return nil, fmt.Errorf("bench: floor: no sample (%v)", err)
		}
		qs[i].med, qs[i].sprd = st.Median, st.Spread
		qs[i].sims = make([]float32, photos)
	}
	clusterOf := make([]int, photos)
	for i := range photos {
		p := s.Photo(i)
		clusterOf[i] = p.Cluster
		for j := range qs {
			qs[j].sims[i] = linalg.Dot(qs[j].vec, p.Vec)
		}
	}
	pos := make(map[int64]int, len(ids))
	for i, id := range ids {
		pos[id] = i
	}
	out := make([]FloorQuality, len(zs))
	for zi, z := range zs {
		var above, hit, rel, legAbove, legHit, legRel int
		for _, x := range qs {
			floor := float32(x.med + z*x.sprd)
			for i, sim := range x.sims {
				in := clusterOf[i] == x.cluster
				if in {
					rel++
				}
				if sim >= floor {
					above++
					if in {
						hit++
					}
				}
			}
			hits, err := eng.NearestPhotos(ctx, user, x.vec, eng.Settings().Candidates, store.Filter{})
			if err != nil {
				return nil, err
			}
			for _, h := range hits {
				in := clusterOf[pos[h.PhotoID]] == x.cluster
				if in {
					legRel++
				}
				if h.Similarity >= floor {
					legAbove++
					if in {
						legHit++
					}
				}
			}
		}
		out[zi] = FloorQuality{Z: z, Precision: ratio(hit, above), Recall: ratio(hit, rel),
			Matches: float64(above) / float64(nq), Relevant: float64(rel) / float64(nq),
			LegPrecision: ratio(legHit, legAbove), LegRecall: ratio(legHit, legRel)}
	}
	return out, nil
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// exactBench is the exact top k of each query over the whole synthetic
// library, unfiltered and among photos taken from `from` on, as photo indexes.
func exactBench(s *synthlib.Library, qs [][]float32, from time.Time, k int) (all, filtered [][]int) {
	hs := make([]topK, len(qs))
	hf := make([]topK, len(qs))
	for i := range qs {
		hs[i], hf[i] = topK{k: k}, topK{k: k}
	}
	for i := range s.Options().Photos {
		p := s.Photo(i)
		after := !p.Taken.Before(from)
		for j, q := range qs {
			d := linalg.Dot(q, p.Vec)
			hs[j].offer(i, d)
			if after {
				hf[j].offer(i, d)
			}
		}
	}
	all, filtered = make([][]int, len(qs)), make([][]int, len(qs))
	for j := range qs {
		all[j], filtered[j] = hs[j].indexes(), hf[j].indexes()
	}
	return all, filtered
}

// topK keeps the k most similar of the photos offered, best first; ties
// go to the lower index.
type topK struct {
	k    int
	idx  []int
	sims []float32
}

func (h *topK) offer(i int, sim float32) {
	n := len(h.idx)
	if n == h.k && sim <= h.sims[n-1] {
		return
	}
	at, _ := slices.BinarySearchFunc(h.sims, sim, func(x, t float32) int {
		if x >= t {
			return -1
		}
		return 1
	})
	if n < h.k {
		h.idx, h.sims = append(h.idx, 0), append(h.sims, 0)
	}
	copy(h.idx[at+1:], h.idx[at:])
	copy(h.sims[at+1:], h.sims[at:])
	h.idx[at], h.sims[at] = i, sim
}

func (h *topK) indexes() []int { return h.idx }

func overlap(got []search.VectorHit, want []int, ids []int64) int {
	n := 0
	for _, w := range want {
		if slices.ContainsFunc(got, func(h search.VectorHit) bool { return h.PhotoID == ids[w] }) {
			n++
		}
	}
	return n
}

// scratchDatabase creates an empty database on the server of admin and
// returns its URL and a function that drops it. With keep, the database
// is named keep, created only if missing (created reports which), and
// never dropped.
func scratchDatabase(ctx context.Context, admin, keep string) (dbURL string, created bool, drop func(), err error) {
	if keep != "" && !keepName.MatchString(keep) {
		return "", false, nil, fmt.Errorf("bench: database name %q: use lower-case letters, digits and _", keep)
	}
	u, err := url.Parse(admin)
	if err != nil {
		return "", false, nil, fmt.Errorf("bench: bad database URL: %w", err)
	}
	adb, err := sql.Open("pgx", admin)
	if err != nil {
		return "", false, nil, fmt.Errorf("bench: %w", err)
	}
	name := keep
	exists := false
	if keep == "" {
		b := make([]byte, 4)
		rand.Read(b)
		name = "tv_bench_" + hex.EncodeToString(b)
	} else if err := adb.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", keep).Scan(&exists); err != nil {
		adb.Close()
		return "", false, nil, fmt.Errorf("bench: %w", err)
	}
	if !exists {
		if _, err := adb.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
			adb.Close()
			return "", false, nil, fmt.Errorf("bench: create scratch database: %w", err)
		}
	}
	u.Path = "/" + name
	drop = func() {
		if keep == "" {
			adb.ExecContext(context.WithoutCancel(ctx), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		}
		adb.Close()
	}
	return u.String(), !exists, drop, nil
}

var keepName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// keepLibrary records in the scratch database what its library was
// generated from, so a later run can measure it again.
func keepLibrary(ctx context.Context, url string, s *synthlib.Library, users []int64, build time.Duration) error {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "CREATE TABLE bench_library (library text NOT NULL, users text NOT NULL, build_ms bigint NOT NULL)"); err != nil {
		return fmt.Errorf("bench: keep library: %w", err)
	}
	if _, err := db.ExecContext(ctx, "INSERT INTO bench_library VALUES ($1, $2, $3)", s.Key(), synthlib.JoinIDs(users), build.Milliseconds()); err != nil {
		return fmt.Errorf("bench: keep library: %w", err)
	}
	return nil
}

// keptLibrary reads back the library keepLibrary recorded in a database
// that already existed. A database holding anything else (another
// database, an interrupted fill), or a library of other options, is an
// error: it is never filled or dropped.
func keptLibrary(ctx context.Context, url string, s *synthlib.Library) (users, photoIDs []int64, build time.Duration, indexBytes int64, err error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, nil, 0, 0, fmt.Errorf("bench: %w", err)
	}
	defer db.Close()
	var key, userList string
	var ms int64
	err = db.QueryRowContext(ctx, "SELECT library, users, build_ms FROM bench_library").Scan(&key, &userList, &ms)
	if err != nil {
		return nil, nil, 0, 0, fmt.Errorf("bench: database exists and holds no complete benchmark library (drop it or choose another name): %w", err)
	}
	for _, f := range strings.Split(userList, ",") {
		id, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return nil, nil, 0, 0, fmt.Errorf("bench: kept library: bad user id %q", f)
		}
		users = append(users, id)
	}
	if key != s.Key() {
		return nil, nil, 0, 0, fmt.Errorf("bench: the kept library was generated as %s, not %s: drop the database or keep under another name", key, s.Key())
	}
	if photoIDs, err = synthlib.PhotoIDs(ctx, db, s, users); err != nil {
		return nil, nil, 0, 0, err
	}
	if indexBytes, err = synthlib.HNSWIndexBytes(ctx, db, s.Options().Dim); err != nil {
		return nil, nil, 0, 0, err
	}
	return users, photoIDs, time.Duration(ms) * time.Millisecond, indexBytes, nil
}

func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return s[min(max(i-1, 0), len(s)-1)]
}

func msStr(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	default:
		return fmt.Sprintf("%d KiB", n>>10)
	}
}
