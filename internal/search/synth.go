package search

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

	"github.com/targetvision/targetvision/internal/store"
)

// synthModel is the model name synthetic embeddings are stored under.
const synthModel = "bench/synthetic"

// synth describes a synthetic photo library for benchmarks and plan tests.
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
type synth struct {
	photos, dim, users int
	seed               uint64
	// noText leaves descriptions and the full-text index out of a Postgres
	// fill (a vector-only benchmark at a size where building them would
	// not finish in time).
	noText bool
	// islands draws every cluster centroid independently and leaves out
	// the cone: the earlier, adversarial layout, kept to measure the
	// worst case (bench search --layout islands).
	islands bool
	// hnswParams are storage parameters for the benchmark's HNSW build
	// ("m = 32, ef_construction = 128"); "" builds it as the migrations do.
	hnswParams string

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

func (s *synth) init() {
	if s.centroids != nil {
		return
	}
	s.users = max(s.users, 1)
	s.clusters = min(max(s.photos/400, 16), 1024)
	s.albums = max(albumsMin, s.photos/albumPhotos)
	r := rand.New(rand.NewPCG(s.seed, 0xC1))
	s.vocab = synthVocab(r, vocabSize)
	cone := synthUnitVec(r, s.dim)
	th := make([][]float32, themes)
	for i := range th {
		th[i] = synthUnitVec(r, s.dim)
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
		own := synthUnitVec(r, s.dim)
		v := make([]float32, s.dim)
		for i := range v {
			v[i] = th[a][i] + th[b][i] + ownWeight*own[i]
		}
		v = normalized(v)
		for i := range v {
			v[i] += coneWeight * cone[i]
		}
		if s.islands {
			v = own
		}
		s.centroids[c] = v // not unit length: point normalises
		s.dirs[c] = make([][]float32, noiseRank)
		for j := range noiseRank {
			s.dirs[c][j] = synthUnitVec(r, s.dim)
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

// point is a vector near cluster c drawn with r.
func (s *synth) point(r *rand.Rand, c int) []float32 {
	v := make([]float32, s.dim)
	copy(v, s.centroids[c])
	for _, d := range s.dirs[c] {
		a := float32(noiseLow * r.NormFloat64() / math.Sqrt(noiseRank))
		for i := range v {
			v[i] += a * d[i]
		}
	}
	iso := float32(noiseIso / math.Sqrt(float64(s.dim)))
	for i := range v {
		v[i] += iso * float32(r.NormFloat64())
	}
	return normalized(v)
}

// synthPhoto is one generated photo.
type synthPhoto struct {
	user, album, cluster int
	key, title, caption  string
	keywords, aiKeywords []string
	description, camera  string
	taken                time.Time
	vec                  []float32
}

func (s *synth) photo(i int) synthPhoto {
	s.init()
	r := rand.New(rand.NewPCG(s.seed, uint64(i)+1<<32))
	c := r.IntN(s.clusters)
	topic := func() string { return s.topics[c][r.IntN(topicWords)] }
	bg := func() string { return s.vocab[int(r.Uint64()%uint64(len(s.vocab)))] }
	p := synthPhoto{
		user:     s.owner(i),
		cluster:  c,
		album:    (c*albumSpread + r.IntN(albumSpread)) % s.albums,
		key:      fmt.Sprintf("b%08d.jpg", i),
		title:    topic() + " " + topic(),
		keywords: []string{topic(), bg()},
		camera:   cameraMakes[r.IntN(len(cameraMakes))],
		taken:    time.Date(2005+r.IntN(20), time.Month(1+r.IntN(12)), 1+r.IntN(28), r.IntN(24), 0, 0, 0, time.UTC),
	}
	var d []string
	for range 6 {
		d = append(d, topic(), bg())
	}
	p.description = strings.Join(d, " ")
	p.aiKeywords = []string{topic(), topic(), bg()}
	if r.IntN(4) == 0 {
		p.caption = bg() + " " + topic()
	}
	p.vec = s.point(r, c)
	return p
}

// owner is the index of photo i's user: the first user owns 90% of the
// photos and the others share the rest, so isolation is tested against
// both a big and small neighbour.
func (s *synth) owner(i int) int {
	if s.users == 1 || i%10 != 9 {
		return 0
	}
	return 1 + (i/10)%(s.users-1)
}

// query is the i-th benchmark query: its text and its embedding.
func (s *synth) query(i int) (string, []float32) {
	text, vec, _ := s.queryOf(i)
	return text, vec
}

// queryOf is query with the cluster the query was drawn from: the photos
// it is about.
func (s *synth) queryOf(i int) (string, []float32, int) {
	s.init()
	r := rand.New(rand.NewPCG(s.seed^0x9E3779B97F4A7C15, uint64(i)))
	c := r.IntN(s.clusters)
	var words []string
	for range 1 + r.IntN(queryTopics) {
		words = append(words, s.topics[c][r.IntN(topicWords)])
	}
	return strings.Join(words, " "), s.point(r, c), c
}

// fillStore creates the users, sources and albums and returns the user ids,
// source ids and album ids (per user, s.albums each).
func (s *synth) fillOwners(ctx context.Context, db *store.DB) (users, sources []int64, albums [][]int64, err error) {
	s.init()
	for u := range s.users {
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

// fillSQLite writes the library with multi-row INSERTs in large
// transactions and returns the user ids and photo ids (by index).
func fillSQLite(ctx context.Context, db *store.DB, s *synth) (users, photoIDs []int64, err error) {
	users, sources, albums, err := s.fillOwners(ctx, db)
	if err != nil {
		return nil, nil, err
	}
	conn := db.SQL()
	var base int64
	if err := conn.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM photos").Scan(&base); err != nil {
		return nil, nil, err
	}
	const batch = 400
	const tsFmt = "2006-01-02T15:04:05.000000Z"
	now := time.Now().UTC().Format(tsFmt)
	photoIDs = make([]int64, s.photos)
	var tx *sql.Tx
	for lo := 0; lo < s.photos; lo += batch {
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
		hi := min(lo+batch, s.photos)
		var ph, ai, em, ft []string
		var pa, aa, ea, fa []any
		for i := lo; i < hi; i++ {
			p := s.photo(i)
			id := base + int64(i) + 1
			photoIDs[i] = id
			uid := users[p.user]
			ph = append(ph, "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
			pa = append(pa, id, uid, sources[p.user], albums[p.user][p.album], p.key, p.key, p.title, p.caption,
				jsonList(p.keywords), p.taken.Format(tsFmt), p.camera, "X100", "h-"+p.key, "https://example.com/"+p.key, "ready", now, now)
			ai = append(ai, "(?,?,?,?,?,?,?)")
			aa = append(aa, id, uid, "claude", "1", p.description, jsonList(p.aiKeywords), now)
			blob := make([]byte, 4*len(p.vec))
			for j, x := range p.vec {
				binary.LittleEndian.PutUint32(blob[4*j:], math.Float32bits(x))
			}
			em = append(em, "(?,?,?,?,?)")
			ea = append(ea, id, synthModel, uid, len(p.vec), blob)
			ft = append(ft, "(?,?,?,?,?,?,?,?)")
			fa = append(fa, id, p.title, p.caption, strings.Join(append(append([]string{}, p.keywords...), p.aiKeywords...), " ; "),
				p.description, strings.Join(store.Words(p.key), " "), fmt.Sprintf("Album %d", p.album), p.camera+" X100")
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
				return nil, nil, fmt.Errorf("bench: fill sqlite: %w", err)
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

// fillPostgres writes the library with COPY, builds the text search
// document with one INSERT … SELECT, and (re)builds the indexes the bulk
// load would otherwise maintain row by row. It returns the user ids.
func fillPostgres(ctx context.Context, url string, s *synth) (users []int64, err error) {
	users, _, _, _, err = fillPostgresTimed(ctx, url, s)
	return users, err
}

// fillPostgresTimed is fillPostgres that also returns the photo ids by index
// and how long the HNSW index build took.
func fillPostgresTimed(ctx context.Context, url string, s *synth) (users, photoIDs []int64, build time.Duration, indexBytes int64, err error) {
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
		return nil, nil, 0, 0, fmt.Errorf("bench: connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if err := pgxvec.RegisterTypes(ctx, conn); err != nil {
		return nil, nil, 0, 0, fmt.Errorf("bench: register vector type: %w", err)
	}
	exec := func(q string) error {
		if _, err := conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("bench: %s: %w", strings.Fields(q)[0], err)
		}
		return nil
	}
	// The HNSW index is built as the migrations define the 512-d one
	// (parameters included) for the benchmark's dimension, or with the
	// benchmark's own parameters.
	hnsw := fmt.Sprintf("embeddings_hnsw_%d", s.dim)
	var indexDDL string
	if err := conn.QueryRow(ctx, "SELECT pg_get_indexdef('embeddings_hnsw_512'::regclass)").Scan(&indexDDL); err != nil {
		return nil, nil, 0, 0, fmt.Errorf("bench: the migrations' HNSW index: %w", err)
	}
	indexDDL = strings.ReplaceAll(indexDDL, "512", fmt.Sprint(s.dim))
	if s.hnswParams != "" {
		indexDDL = withClause.ReplaceAllString(indexDDL, "") // pgvector's defaults, unless params say otherwise
		indexDDL = strings.Replace(indexDDL, " WHERE", " WITH ("+s.hnswParams+") WHERE", 1)
	}
	// The full-text indexes (GIN or rum, as the migrations left them) are
	// built again after the fill: faster than updating them row by row.
	var textIndexes []string
	rows, err := conn.Query(ctx, `SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'photo_search'
		AND indexname IN ('photo_search_tsv', 'photo_search_trgm', 'photo_search_rum') ORDER BY indexname`)
	if err != nil {
		return nil, nil, 0, 0, fmt.Errorf("bench: text indexes: %w", err)
	}
	drops := []string{"DROP INDEX IF EXISTS " + hnsw}
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			return nil, nil, 0, 0, fmt.Errorf("bench: text indexes: %w", err)
		}
		drops, textIndexes = append(drops, "DROP INDEX "+name), append(textIndexes, def)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, 0, 0, fmt.Errorf("bench: text indexes: %w", err)
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
			if i == s.photos {
				return nil, nil
			}
			p := s.photo(i)
			i++
			return []any{users[p.user], sources[p.user], albums[p.user][p.album], p.key, p.key, p.title, p.caption,
				jsonList(p.keywords), p.taken, p.camera, "X100", "h-" + p.key, "https://example.com/" + p.key, "ready", now, now}, nil
		}))
	if err != nil {
		return nil, nil, 0, 0, fmt.Errorf("bench: copy photos: %w", err)
	}
	if photoIDs, err = synthPhotoIDs(ctx, db.SQL(), s, users); err != nil {
		return nil, nil, 0, 0, err
	}
	i = 0
	if s.noText {
		i = s.photos
	}
	_, err = conn.CopyFrom(ctx, pgx.Identifier{"ai_metadata"},
		[]string{"photo_id", "user_id", "model", "prompt_version", "description", "keywords", "created_at"},
		pgx.CopyFromFunc(func() ([]any, error) {
			if i == s.photos {
				return nil, nil
			}
			p := s.photo(i)
			i++
			return []any{photoIDs[i-1], users[p.user], "claude", "1", p.description, jsonList(p.aiKeywords), now}, nil
		}))
	if err != nil {
		return nil, nil, 0, 0, fmt.Errorf("bench: copy ai_metadata: %w", err)
	}
	i = 0
	_, err = conn.CopyFrom(ctx, pgx.Identifier{"embeddings"}, []string{"photo_id", "model", "user_id", "dim", "vec"},
		pgx.CopyFromFunc(func() ([]any, error) {
			if i == s.photos {
				return nil, nil
			}
			p := s.photo(i)
			i++
			return []any{photoIDs[i-1], synthModel, users[p.user], len(p.vec), pgvector.NewVector(p.vec)}, nil
		}))
	if err != nil {
		return nil, nil, 0, 0, fmt.Errorf("bench: copy embeddings: %w", err)
	}
	// The same document and weights as the store's refreshSearch.
	text := `INSERT INTO photo_search (photo_id, user_id, doc, tsv)
		SELECT p.id, p.user_id,
			lower(concat_ws(' ', p.title, p.caption, kw.words, m.description, p.file_name, a.name, p.camera_make || ' ' || p.camera_model)),
			setweight(to_tsvector('english', p.title), 'A') || setweight(to_tsvector('english', kw.words), 'A') ||
			setweight(to_tsvector('english', p.caption), 'B') || setweight(to_tsvector('english', m.description), 'B') ||
			setweight(to_tsvector('english', COALESCE(a.name, '')), 'B') ||
			setweight(to_tsvector('english', p.file_name), 'C') || setweight(to_tsvector('english', p.camera_make || ' ' || p.camera_model), 'C')
		FROM photos p JOIN ai_metadata m ON m.photo_id = p.id LEFT JOIN albums a ON a.id = p.album_id
		CROSS JOIN LATERAL (SELECT array_to_string(ARRAY(SELECT jsonb_array_elements_text(p.keywords::jsonb || m.keywords::jsonb)), ' ; ') AS words) kw
		WHERE p.user_id = ANY(ARRAY[` + joinIDs(users) + `]::bigint[])
		ON CONFLICT (photo_id) DO NOTHING`
	if s.noText {
		text = "SELECT 1"
	}
	// The HNSW build wants its whole graph in maintenance_work_mem: about
	// 4 bytes per dimension plus 300 bytes of links per vector.
	mem := max(1, (int64(s.photos)*int64(4*s.dim+300)*5/4)>>30+1)
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
	if indexBytes, err = hnswIndexBytes(ctx, db.SQL(), s.dim); err != nil {
		return nil, nil, 0, 0, err
	}
	return users, photoIDs, build, indexBytes, nil
}

// hnswIndexBytes is the size of the HNSW index of vectors of dim.
func hnswIndexBytes(ctx context.Context, db *sql.DB, dim int) (int64, error) {
	var n int64
	if err := db.QueryRowContext(ctx, "SELECT pg_relation_size($1::regclass)", fmt.Sprintf("embeddings_hnsw_%d", dim)).Scan(&n); err != nil {
		return 0, fmt.Errorf("bench: index size: %w", err)
	}
	return n, nil
}

// withClause is the storage parameters in an index definition.
var withClause = regexp.MustCompile(` WITH \([^)]*\)`)

// synthPhotoIDs maps each synthetic photo's index to its id in the store.
func synthPhotoIDs(ctx context.Context, db *sql.DB, s *synth, users []int64) ([]int64, error) {
	ids := make([]int64, s.photos)
	rows, err := db.QueryContext(ctx, "SELECT id, source_key FROM photos WHERE user_id IN ("+joinIDs(users)+")")
	if err != nil {
		return nil, fmt.Errorf("bench: read ids: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var key string
		if err := rows.Scan(&id, &key); err != nil {
			return nil, fmt.Errorf("bench: read ids: %w", err)
		}
		var n int
		if _, err := fmt.Sscanf(key, "b%08d.jpg", &n); err == nil && n < s.photos {
			ids[n] = id
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("bench: read ids: %w", err)
	}
	return ids, nil
}

func joinIDs(ids []int64) string {
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
	return normalized(v)
}
