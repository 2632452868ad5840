// Package synthlib generates a synthetic photo library — CLIP-shaped
// embeddings, titles, keywords, descriptions, albums, cameras and dates, each
// a pure function of a seed and the photo's index — and fills a store with
// it in bulk: for `targetvision bench search` (internal/searchbench) and for
// the tests of the search engine's vector legs, which need a library whose
// neighbourhoods mean something. It imports the store, never the search
// engine, so the engine's own tests can use it.
//
// The fills write rows with multi-row INSERTs (SQLite) or COPY (Postgres)
// straight into the store's tables, the way no product path writes: a
// million photos through the store's one-photo-at-a-time API would take
// hours. Every other read and write goes through the store's API.
package synthlib

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"
	pgxvec "github.com/pgvector/pgvector-go/pgx"

	"github.com/targetvision/targetvision/internal/linalg"
	"github.com/targetvision/targetvision/internal/store"
)

// Model is the model name synthetic embeddings are stored under.
const Model = "bench/synthetic"

// Options describe a library. Zero fields take the documented defaults.
type Options struct {
	// Photos is the library size.
	Photos int
	// Dim is the embedding dimension.
	Dim int
	// Users is how many users share the library; default 1 (see Owner).
	Users int
	// Seed varies the library.
	Seed uint64
	// NoText leaves descriptions and the full-text index out of a Postgres
	// fill (a vector-only benchmark at a size where building them would
	// not finish in time).
	NoText bool
	// Islands draws every cluster centroid independently and leaves out
	// the cone: the earlier, adversarial layout, kept to measure the
	// worst case (bench search --layout islands).
	Islands bool
	// HNSWParams are storage parameters for the Postgres fill's HNSW build
	// ("m = 32, ef_construction = 128"); "" builds it as the migrations do.
	HNSWParams string
}

// Library is a synthetic photo library for benchmarks and plan tests.
//
// Vectors are clustered unit vectors shaped like CLIP image embeddings:
//   - they lie in a cone: every vector shares a common direction, so two
//     unrelated photos have a cosine of about 0.45, as CLIP ViT-B/32 image
//     embeddings do (the "cone effect"), not the 0 of random vectors;
//   - a cluster (a kind of picture) composes two of a few dozen themes plus
//     something of its own, as "a dog on a beach" shares "dog" with dogs in
//     parks and "beach" with empty beaches, so neighbouring clusters are
//     related rather than all equally far apart;
//   - within a cluster photos vary along a few cluster-specific directions
//     plus isotropic noise, the low intrinsic dimension real embeddings
//     have, so a photo's nearest neighbours are meaningful.
//
// An earlier generator drew every cluster centroid independently: up to
// 1024 mutually orthogonal islands with nothing between them, which no
// embedding model produces and which defeats any graph index's routing
// (recall@10 0.86 at 1M photos); see docs/benchmarks.md.
//
// Albums are events: a few hundred photos each (more albums as the library
// grows), drawn from a few related clusters. Text is drawn from each
// cluster's topic words plus a background vocabulary, so text and vector
// legs agree roughly as they do on real photos. Everything is a pure
// function of the seed and the photo's index.
type Library struct {
	o Options

	clusters      int
	albums        int // per user
	centroids     [][]float32
	clusterThemes [][2]int      // per cluster: the two themes it composes
	dirs          [][][]float32 // per cluster: noiseRank unit directions
	topics        [][]string    // per cluster: topic words
	vocab         []string
	zipf          *rand.Zipf
}

const (
	themes      = 64  // directions clusters are composed from
	ownWeight   = 0.8 // weight of a cluster's own direction against its two themes'
	coneWeight  = 1.0 // weight of the direction every vector shares
	albumPhotos = 500 // photos per album, on average, in large libraries
	albumSpread = 4   // each cluster's photos spread over this many albums
	noiseRank   = 12
	noiseLow    = 0.45 // weight of the cluster's own directions
	noiseIso    = 0.25 // weight of isotropic noise
	topicWords  = 12
	albumsMin   = 20
	vocabSize   = 3000
	queryTopics = 2
)

var cameraMakes = []string{"Canon", "Nikon", "Sony", "Fujifilm", "Olympus"}

// New draws the library's clusters, themes and vocabulary; photos are
// generated on demand (Photo).
func New(o Options) *Library {
	o.Users = max(o.Users, 1)
	s := &Library{o: o}
	s.init()
	return s
}

// Options returns the options the library was made with, defaults applied.
func (s *Library) Options() Options { return s.o }

// Clusters is how many kinds of picture the library has.
func (s *Library) Clusters() int { return s.clusters }

// Albums is how many albums each user has ("Album 0", "Album 1", …).
func (s *Library) Albums() int { return s.albums }

// Topics are cluster c's topic words, from which its photos' text and its
// queries are drawn.
func (s *Library) Topics(c int) []string { return s.topics[c] }

func (s *Library) init() {
	s.clusters = min(max(s.o.Photos/400, 16), 1024)
	s.albums = max(albumsMin, s.o.Photos/albumPhotos)
	r := rand.New(rand.NewPCG(s.o.Seed, 0xC1))
	s.vocab = synthVocab(r, vocabSize)
	cone := synthUnitVec(r, s.o.Dim)
	th := make([][]float32, themes)
	for i := range th {
		th[i] = synthUnitVec(r, s.o.Dim)
	}
	s.centroids = make([][]float32, s.clusters)
	s.clusterThemes = make([][2]int, s.clusters)
	s.dirs = make([][][]float32, s.clusters)
	s.topics = make([][]string, s.clusters)
	for c := range s.clusters {
		a, b := r.IntN(themes), r.IntN(themes-1)
		if b >= a {
			b++
		}
		s.clusterThemes[c] = [2]int{a, b}
		own := synthUnitVec(r, s.o.Dim)
		v := make([]float32, s.o.Dim)
		for i := range v {
			v[i] = th[a][i] + th[b][i] + ownWeight*own[i]
		}
		v = linalg.Normalized(v)
		for i := range v {
			v[i] += coneWeight * cone[i]
		}
		if s.o.Islands {
			v = own
		}
		s.centroids[c] = v // not unit length: point normalises
		s.dirs[c] = make([][]float32, noiseRank)
		for j := range noiseRank {
			s.dirs[c][j] = synthUnitVec(r, s.o.Dim)
		}
		for range topicWords {
			s.topics[c] = append(s.topics[c], s.vocab[r.IntN(len(s.vocab))])
		}
	}
}

// synthVocab makes n distinct pronounceable words of three syllables.
func synthVocab(r *rand.Rand, n int) []string {
	const cons, vows = "bdfgklmnprstvz", "aeiou"
	seen := map[string]bool{}
	var out []string
	for len(out) < n {
		var b strings.Builder
		for range 3 {
			b.WriteByte(cons[r.IntN(len(cons))])
			b.WriteByte(vows[r.IntN(len(vows))])
		}
		if w := b.String(); !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

// Point is a vector near cluster c drawn with r: what a new photo of that
// kind of picture, or a query about it, would embed to.
func (s *Library) Point(r *rand.Rand, c int) []float32 {
	v := make([]float32, s.o.Dim)
	copy(v, s.centroids[c])
	for _, d := range s.dirs[c] {
		a := float32(noiseLow * r.NormFloat64() / math.Sqrt(noiseRank))
		for i := range v {
			v[i] += a * d[i]
		}
	}
	iso := float32(noiseIso / math.Sqrt(float64(s.o.Dim)))
	for i := range v {
		v[i] += iso * float32(r.NormFloat64())
	}
	return linalg.Normalized(v)
}

// Photo is one generated photo.
type Photo struct {
	// User, Album and Cluster are indexes: into the fill's users, into the
	// user's albums, and the kind of picture.
	User, Album, Cluster int
	// Key is the source key and file name, "b%08d.jpg" of the index.
	Key, Title, Caption  string
	Keywords, AIKeywords []string
	Description, Camera  string
	Taken                time.Time
	// Vec is the image embedding, unit length.
	Vec []float32
}

// Photo is the i-th photo of the library.
func (s *Library) Photo(i int) Photo {
	r := rand.New(rand.NewPCG(s.o.Seed, uint64(i)+1<<32))
	c := r.IntN(s.clusters)
	topic := func() string { return s.topics[c][r.IntN(topicWords)] }
	bg := func() string { return s.vocab[int(r.Uint64()%uint64(len(s.vocab)))] }
	p := Photo{
		User:     s.Owner(i),
		Cluster:  c,
		Album:    (c*albumSpread + r.IntN(albumSpread)) % s.albums,
		Key:      fmt.Sprintf("b%08d.jpg", i),
		Title:    topic() + " " + topic(),
		Keywords: []string{topic(), bg()},
		Camera:   cameraMakes[r.IntN(len(cameraMakes))],
		Taken:    time.Date(2005+r.IntN(20), time.Month(1+r.IntN(12)), 1+r.IntN(28), r.IntN(24), 0, 0, 0, time.UTC),
	}
	var d []string
	for range 6 {
		d = append(d, topic(), bg())
	}
	p.Description = strings.Join(d, " ")
	p.AIKeywords = []string{topic(), topic(), bg()}
	if r.IntN(4) == 0 {
		p.Caption = bg() + " " + topic()
	}
	p.Vec = s.Point(r, c)
	return p
}

// Owner is the index of photo i's user: the first user owns 90% of the
// photos and the others share the rest, so isolation is tested against
// both a big and small neighbour.
func (s *Library) Owner(i int) int {
	if s.o.Users == 1 || i%10 != 9 {
		return 0
	}
	return 1 + (i/10)%(s.o.Users-1)
}

// Query is the i-th benchmark query: its text (one or two of a cluster's
// topic words), its embedding, and the cluster it was drawn from — the
// photos it is about.
func (s *Library) Query(i int) (text string, vec []float32, cluster int) {
	r := rand.New(rand.NewPCG(s.o.Seed^0x9E3779B97F4A7C15, uint64(i)))
	c := r.IntN(s.clusters)
	var words []string
	for range 1 + r.IntN(queryTopics) {
		words = append(words, s.topics[c][r.IntN(topicWords)])
	}
	return strings.Join(words, " "), s.Point(r, c), c
}

// fillOwners creates the users, sources and albums and returns the user
// ids, source ids and album ids (per user, s.albums each).
func (s *Library) fillOwners(ctx context.Context, db *store.DB) (users, sources []int64, albums [][]int64, err error) {
	for u := range s.o.Users {
		usr, err := db.CreateUser(ctx, fmt.Sprintf("bench-%d@example.com", u), "x", false)
		if err != nil {
			return nil, nil, nil, err
		}
		src, err := db.CreateSource(ctx, store.Source{UserID: usr.ID, Kind: store.SourceLocal, Name: "/bench", Path: "/bench"})
		if err != nil {
			return nil, nil, nil, err
		}
		var as []int64
		for a := range s.albums {
			al, err := db.UpsertAlbum(ctx, store.Album{UserID: usr.ID, SourceID: src.ID, Key: fmt.Sprint(a), Name: fmt.Sprintf("Album %d", a)})
			if err != nil {
				return nil, nil, nil, err
			}
			as = append(as, al.ID)
		}
		users, sources, albums = append(users, usr.ID), append(sources, src.ID), append(albums, as)
	}
	return users, sources, albums, nil
}

func jsonList(l []string) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, s := range l {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"` + s + `"`) // synthetic words need no escaping
	}
	b.WriteByte(']')
	return b.String()
}

// FillSQLite writes the library into a SQLite store with multi-row INSERTs
// in large transactions and returns the user ids and the photo ids (by
// photo index).
func FillSQLite(ctx context.Context, db *store.DB, s *Library) (users, photoIDs []int64, err error) {
	users, sources, albums, err := s.fillOwners(ctx, db)
	if err != nil {
		return nil, nil, err
	}
	conn := db.SQL()
	var base int64
	if err := conn.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM photos").Scan(&base); err != nil {
		return nil, nil, fmt.Errorf("synthlib: fill sqlite: %w", err)
	}
	const batch = 400
	const tsFmt = "2006-01-02T15:04:05.000000Z"
	now := time.Now().UTC().Format(tsFmt)
	photoIDs = make([]int64, s.o.Photos)
	var tx *sql.Tx
	for lo := 0; lo < s.o.Photos; lo += batch {
		if lo%20000 == 0 {
			if tx != nil {
				if err := tx.Commit(); err != nil {
					return nil, nil, err
				}
			}
			if tx, err = conn.BeginTx(ctx, nil); err != nil {
				return nil, nil, err
			}
		}
		hi := min(lo+batch, s.o.Photos)
		var ph, ai, em, ft []string
		var pa, aa, ea, fa []any
		for i := lo; i < hi; i++ {
			p := s.Photo(i)
			id := base + int64(i) + 1
			photoIDs[i] = id
			uid := users[p.User]
			ph = append(ph, "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
			pa = append(pa, id, uid, sources[p.User], albums[p.User][p.Album], p.Key, p.Key, p.Title, p.Caption,
				jsonList(p.Keywords), p.Taken.Format(tsFmt), p.Camera, "X100", "h-"+p.Key, "https://example.com/"+p.Key, "ready", now, now)
			ai = append(ai, "(?,?,?,?,?,?,?)")
			aa = append(aa, id, uid, "claude", "1", p.Description, jsonList(p.AIKeywords), now)
			blob := make([]byte, 4*len(p.Vec))
			for j, x := range p.Vec {
				binary.LittleEndian.PutUint32(blob[4*j:], math.Float32bits(x))
			}
			em = append(em, "(?,?,?,?,?)")
			ea = append(ea, id, Model, uid, len(p.Vec), blob)
			ft = append(ft, "(?,?,?,?,?,?,?,?)")
			fa = append(fa, id, p.Title, p.Caption, strings.Join(append(append([]string{}, p.Keywords...), p.AIKeywords...), " ; "),
				p.Description, strings.Join(store.Words(p.Key), " "), fmt.Sprintf("Album %d", p.Album), p.Camera+" X100")
		}
		for _, st := range []struct {
			head string
			rows []string
			args []any
		}{
			{`INSERT INTO photos (id, user_id, source_id, album_id, source_key, file_name, title, caption, keywords, taken_at,
				camera_make, camera_model, content_hash, web_url, status, created_at, updated_at) VALUES `, ph, pa},
			{"INSERT INTO ai_metadata (photo_id, user_id, model, prompt_version, description, keywords, created_at) VALUES ", ai, aa},
			{"INSERT INTO embeddings (photo_id, model, user_id, dim, vec) VALUES ", em, ea},
			{"INSERT INTO photo_fts (rowid, title, caption, keywords, description, file_name, album, camera) VALUES ", ft, fa},
		} {
			if _, err := tx.ExecContext(ctx, st.head+strings.Join(st.rows, ","), st.args...); err != nil {
				tx.Rollback()
				return nil, nil, fmt.Errorf("synthlib: fill sqlite: %w", err)
			}
		}
	}
	if tx != nil {
		if err := tx.Commit(); err != nil {
			return nil, nil, err
		}
	}
	return users, photoIDs, nil
}

// Filled is what FillPostgres wrote.
type Filled struct {
	// Users are the user ids; PhotoIDs the photo ids by photo index.
	Users, PhotoIDs []int64
	// Build is how long the HNSW index build took, IndexBytes its size.
	Build      time.Duration
	IndexBytes int64
}

// FillPostgres writes the library into the Postgres store at url (migrated
// by opening it) with COPY, builds the text search document with one
// INSERT … SELECT, and (re)builds the indexes the bulk load would otherwise
// maintain row by row, timing the HNSW build.
func FillPostgres(ctx context.Context, url string, s *Library) (Filled, error) {
	users, photoIDs, build, indexBytes, err := s.fillPostgres(ctx, url)
	return Filled{Users: users, PhotoIDs: photoIDs, Build: build, IndexBytes: indexBytes}, err
}

func (s *Library) fillPostgres(ctx context.Context, url string) (users, photoIDs []int64, build time.Duration, indexBytes int64, err error) {
	db, err := store.Open(ctx, url, store.Options{})
	if err != nil {
		return nil, nil, 0, 0, err
	}
	defer db.Close()
	users, sources, albums, err := s.fillOwners(ctx, db)
	if err != nil {
		return nil, nil, 0, 0, err
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, nil, 0, 0, fmt.Errorf("synthlib: connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if err := pgxvec.RegisterTypes(ctx, conn); err != nil {
		return nil, nil, 0, 0, fmt.Errorf("synthlib: register vector type: %w", err)
	}
	exec := func(q string) error {
		if _, err := conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("synthlib: %s: %w", strings.Fields(q)[0], err)
		}
		return nil
	}
	// The HNSW index is built as the migrations define the 512-d one
	// (parameters included) for the benchmark's dimension, or with the
	// benchmark's own parameters.
	hnsw := fmt.Sprintf("embeddings_hnsw_%d", s.o.Dim)
	var indexDDL string
	if err := conn.QueryRow(ctx, "SELECT pg_get_indexdef('embeddings_hnsw_512'::regclass)").Scan(&indexDDL); err != nil {
		return nil, nil, 0, 0, fmt.Errorf("synthlib: the migrations' HNSW index: %w", err)
	}
	indexDDL = strings.ReplaceAll(indexDDL, "512", fmt.Sprint(s.o.Dim))
	if s.o.HNSWParams != "" {
		indexDDL = withClause.ReplaceAllString(indexDDL, "") // pgvector's defaults, unless params say otherwise
		indexDDL = strings.Replace(indexDDL, " WHERE", " WITH ("+s.o.HNSWParams+") WHERE", 1)
	}
	// The full-text indexes (GIN or rum, as the migrations left them) are
	// built again after the fill: faster than updating them row by row.
	var textIndexes []string
	rows, err := conn.Query(ctx, `SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'photo_search'
		AND indexname IN ('photo_search_tsv', 'photo_search_trgm', 'photo_search_rum') ORDER BY indexname`)
	if err != nil {
		return nil, nil, 0, 0, fmt.Errorf("synthlib: text indexes: %w", err)
	}
	drops := []string{"DROP INDEX IF EXISTS " + hnsw}
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			return nil, nil, 0, 0, fmt.Errorf("synthlib: text indexes: %w", err)
		}
		drops, textIndexes = append(drops, "DROP INDEX "+name), append(textIndexes, def)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, 0, 0, fmt.Errorf("synthlib: text indexes: %w", err)
	}
	for _, q := range drops {
		if err := exec(q); err != nil {
			return nil, nil, 0, 0, err
		}
	}
	now := time.Now().UTC()
	i := 0
	_, err = conn.CopyFrom(ctx, pgx.Identifier{"photos"},
		[]string{"user_id", "source_id", "album_id", "source_key", "file_name", "title", "caption", "keywords", "taken_at",
			"camera_make", "camera_model", "content_hash", "web_url", "status", "created_at", "updated_at"},
		pgx.CopyFromFunc(func() ([]any, error) {
			if i == s.o.Photos {
				return nil, nil
			}
			p := s.Photo(i)
			i++
			return []any{users[p.User], sources[p.User], albums[p.User][p.Album], p.Key, p.Key, p.Title, p.Caption,
				jsonList(p.Keywords), p.Taken, p.Camera, "X100", "h-" + p.Key, "https://example.com/" + p.Key, "ready", now, now}, nil
		}))
	if err != nil {
		return nil, nil, 0, 0, fmt.Errorf("synthlib: copy photos: %w", err)
	}
	if photoIDs, err = PhotoIDs(ctx, db.SQL(), s, users); err != nil {
		return nil, nil, 0, 0, err
	}
	i = 0
	if s.o.NoText {
		i = s.o.Photos
	}
	_, err = conn.CopyFrom(ctx, pgx.Identifier{"ai_metadata"},
		[]string{"photo_id", "user_id", "model", "prompt_version", "description", "keywords", "created_at"},
		pgx.CopyFromFunc(func() ([]any, error) {
			if i == s.o.Photos {
				return nil, nil
			}
			p := s.Photo(i)
			i++
			return []any{photoIDs[i-1], users[p.User], "claude", "1", p.Description, jsonList(p.AIKeywords), now}, nil
		}))
	if err != nil {
		return nil, nil, 0, 0, fmt.Errorf("synthlib: copy ai_metadata: %w", err)
	}
	i = 0
	_, err = conn.CopyFrom(ctx, pgx.Identifier{"embeddings"}, []string{"photo_id", "model", "user_id", "dim", "vec"},
		pgx.CopyFromFunc(func() ([]any, error) {
			if i == s.o.Photos {
				return nil, nil
			}
			p := s.Photo(i)
			i++
			return []any{photoIDs[i-1], Model, users[p.User], len(p.Vec), pgvector.NewVector(p.Vec)}, nil
		}))
	if err != nil {
		return nil, nil, 0, 0, fmt.Errorf("synthlib: copy embeddings: %w", err)
	}
	// The same document and weights as the store's refreshSearch.
	text := `INSERT INTO photo_search (photo_id, user_id, doc, tsv)
		SELECT p.id, p.user_id,
			lower(concat_ws(' ', p.Title, p.Caption, kw.words, m.description, p.file_name, a.name, p.camera_make || ' ' || p.camera_model)),
			setweight(to_tsvector('english', p.Title), 'A') || setweight(to_tsvector('english', kw.words), 'A') ||
			setweight(to_tsvector('english', p.Caption), 'B') || setweight(to_tsvector('english', m.description), 'B') ||
			setweight(to_tsvector('english', COALESCE(a.name, '')), 'B') ||
			setweight(to_tsvector('english', p.file_name), 'C') || setweight(to_tsvector('english', p.camera_make || ' ' || p.camera_model), 'C')
		FROM photos p JOIN ai_metadata m ON m.photo_id = p.id LEFT JOIN albums a ON a.id = p.album_id
		CROSS JOIN LATERAL (SELECT array_to_string(ARRAY(SELECT jsonb_array_elements_text(p.Keywords::jsonb || m.keywords::jsonb)), ' ; ') AS words) kw
		WHERE p.user_id = ANY(ARRAY[` + JoinIDs(users) + `]::bigint[])
		ON CONFLICT (photo_id) DO NOTHING`
	if s.o.NoText {
		text = "SELECT 1"
	}
	// The HNSW build wants its whole graph in maintenance_work_mem: about
	// 4 bytes per dimension plus 300 bytes of links per vector.
	mem := max(1, (int64(s.o.Photos)*int64(4*s.o.Dim+300)*5/4)>>30+1)
	for _, q := range append([]string{
		text,
		fmt.Sprintf("SET maintenance_work_mem = '%dGB'", min(mem, 8)),
		"SET max_parallel_maintenance_workers = 2",
	}, textIndexes...) {
		if err := exec(q); err != nil {
			return nil, nil, 0, 0, err
		}
	}
	start := time.Now()
	if err := exec(indexDDL); err != nil {
		return nil, nil, 0, 0, err
	}
	build = time.Since(start)
	if err := exec("ANALYZE"); err != nil {
		return nil, nil, 0, 0, err
	}
	if indexBytes, err = HNSWIndexBytes(ctx, db.SQL(), s.o.Dim); err != nil {
		return nil, nil, 0, 0, err
	}
	return users, photoIDs, build, indexBytes, nil
}

// HNSWIndexBytes is the size of the Postgres HNSW index of vectors of dim.
func HNSWIndexBytes(ctx context.Context, db *sql.DB, dim int) (int64, error) {
	var n int64
	if err := db.QueryRowContext(ctx, "SELECT pg_relation_size($1::regclass)", fmt.Sprintf("embeddings_hnsw_%d", dim)).Scan(&n); err != nil {
		return 0, fmt.Errorf("synthlib: index size: %w", err)
	}
	return n, nil
}

// withClause is the storage parameters in an index definition.
var withClause = regexp.MustCompile(` WITH \([^)]*\)`)

// PhotoIDs maps each of the library's photo indexes to its id in the store
// (db is the store's database), for the photos of the given users.
func PhotoIDs(ctx context.Context, db *sql.DB, s *Library, users []int64) ([]int64, error) {
	ids := make([]int64, s.o.Photos)
	rows, err := db.QueryContext(ctx, "SELECT id, source_key FROM photos WHERE user_id IN ("+JoinIDs(users)+")")
	if err != nil {
		return nil, fmt.Errorf("synthlib: read ids: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var key string
		if err := rows.Scan(&id, &key); err != nil {
			return nil, fmt.Errorf("synthlib: read ids: %w", err)
		}
		var n int
		if _, err := fmt.Sscanf(key, "b%08d.jpg", &n); err == nil && n < s.o.Photos {
			ids[n] = id
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("synthlib: read ids: %w", err)
	}
	return ids, nil
}

// JoinIDs writes ids as a comma-separated list, for SQL and for a kept
// library's record.
func JoinIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = fmt.Sprint(id)
	}
	return strings.Join(s, ",")
}

// synthUnitVec is a random unit vector for the synthetic library.
func synthUnitVec(r *rand.Rand, dim int) []float32 {
	v := make([]float32, dim)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return linalg.Normalized(v)
}

// Key names everything the library was generated from, so that a kept copy
// can be told from a library of other options.
func (s *Library) Key() string {
	return fmt.Sprintf("photos=%d dim=%d users=%d seed=%d islands=%v notext=%v hnsw=%q",
		s.o.Photos, s.o.Dim, s.o.Users, s.o.Seed, s.o.Islands, s.o.NoText, s.o.HNSWParams)
}
