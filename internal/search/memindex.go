package search

import (
	"container/heap"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math"
	"runtime"
	"sync"
	"time"

	"github.com/targetvision/targetvision/internal/linalg"
	"github.com/targetvision/targetvision/internal/store"
)

// memIndex is the vector leg on SQLite: an exact scan over vectors held in
// memory, one contiguous float32 matrix per user (so a user's scan touches
// only their rows and never sees another's), with a top-k heap per core.
//
// It keeps itself in step with the store without hooks: the embeddings
// table's triggers append every insert, update and delete to embedding_log
// (migration 00002), and before each query the index applies the entries
// after the last one it saw — one indexed read when nothing changed. So
// writes from any connection or process (the pipeline's workers, a CLI run
// beside the server) are searchable at the next query. On start it loads
// each model's vectors with one pass over the table.
type memIndex struct {
	db  *store.DB
	log *slog.Logger
	dir string // snapshot directory; "" for none

	mu     sync.Mutex
	models map[string]*modelIndex
}

func newMemIndex(db *store.DB, log *slog.Logger, dir string) *memIndex {
	return &memIndex{db: db, log: log, dir: dir, models: map[string]*modelIndex{}}
}

// modelIndex holds the vectors of one model.
type modelIndex struct {
	model string

	syncMu    sync.Mutex // one catch-up at a time
	loaded    bool
	seq       int64 // last embedding_log entry applied
	savedSeq  int64 // seq of the last snapshot written or read
	optimized int64 // seq at the last planner statistics refresh

	mu    sync.RWMutex // guards the fields below
	dim   int
	users map[int64]*partition
	owner map[int64]int64 // photo id → user id
}

// partition is one user's vectors: row i of vecs (dim floats, unit length)
// belongs to photo ids[i].
type partition struct {
	ids  []int64
	vecs []float32
	pos  map[int64]int
}

func (m *memIndex) model(name string) *modelIndex {
	m.mu.Lock()
	defer m.mu.Unlock()
	x, ok := m.models[name]
	if !ok {
		x = &modelIndex{model: name, users: map[int64]*partition{}, owner: map[int64]int64{}}
		m.models[name] = x
	}
	return x
}

func (m *memIndex) warm(ctx context.Context, model string) error {
	return m.catchUp(ctx, m.model(model))
}

// catchUp loads the model's vectors on first use and afterwards applies the
// change log entries written since the last call.
func (m *memIndex) catchUp(ctx context.Context, x *modelIndex) error {
	x.syncMu.Lock()
	defer x.syncMu.Unlock()
	last, err := m.db.EmbeddingLogHead(ctx)
	if err != nil {
		return fmt.Errorf("vector index: %w", err)
	}
	if x.loaded {
		if last == x.seq {
			return nil
		}
		if err := m.applyChanges(ctx, x, last); err != nil {
			return err
		}
		if last-x.optimized > max(1000, int64(len(x.owner)/10)) {
			m.optimize(ctx)
			x.optimized = last
		}
		return nil
	}
	defer func() { m.optimize(ctx); x.optimized = x.seq }()
	start := time.Now()
	if m.dir != "" {
		n, err := m.loadSnapshot(ctx, x, last)
		if err == nil {
			m.log.InfoContext(ctx, "search: vector index loaded from snapshot", "model", x.model, "vectors", n, "took_ms", ms(time.Since(start)))
			return nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			m.log.WarnContext(ctx, "search: vector snapshot not used; loading from the store", "model", x.model, "err", err)
		}
		x.mu.Lock()
		x.reset()
		x.mu.Unlock()
	}
	n, err := m.load(ctx, x)
	if err != nil {
		return err
	}
	x.loaded, x.seq = true, last
	m.log.InfoContext(ctx, "search: vector index loaded", "model", x.model, "vectors", n, "took_ms", ms(time.Since(start)))
	if m.dir != "" && n >= snapMinRows {
		x.mu.RLock()
		err := x.writeSnapshot(snapshotPath(m.dir, x.model))
		x.mu.RUnlock()
		if err != nil {
			m.log.WarnContext(ctx, "search: vector snapshot not written", "model", x.model, "err", err)
		} else {
			x.savedSeq = x.seq
		}
	}
	return nil
}

// optimize refreshes SQLite's planner statistics (PRAGMA optimize with a
// sampling limit, so it takes milliseconds). Without them the planner can
// drive the text leg's FTS join from the photos_user_taken index and run
// the full-text match once per photo — seconds instead of milliseconds for
// a query with after:/before: on a library of 20k photos. It runs when the
// index loads and after every 10% of growth; a failure only costs speed.
func (m *memIndex) optimize(ctx context.Context) {
	if err := m.db.Optimize(ctx); err != nil {
		m.log.WarnContext(ctx, "search: refreshing planner statistics failed", "err", err)
	}
}

// loadSnapshot reads the model's snapshot, catches up from the change log
// and checks the result against the table. x.syncMu must be held.
func (m *memIndex) loadSnapshot(ctx context.Context, x *modelIndex, last int64) (int, error) {
	x.mu.Lock()
	_, err := x.readSnapshot(snapshotPath(m.dir, x.model))
	x.mu.Unlock()
	if err != nil {
		return 0, err
	}
	if x.seq > last {
		return 0, fmt.Errorf("%w: newer than the change log (%d > %d)", errBadSnapshot, x.seq, last)
	}
	x.savedSeq = x.seq
	if err := m.applyChanges(ctx, x, last); err != nil {
		return 0, err
	}
	want, err := m.db.CountEmbeddings(ctx, x.model, x.dim)
	if err != nil {
		return 0, fmt.Errorf("vector index: %w", err)
	}
	x.mu.RLock()
	n := len(x.owner)
	x.mu.RUnlock()
	if n != want {
		return 0, fmt.Errorf("%w: %d vectors after catch-up, the store has %d", errBadSnapshot, n, want)
	}
	x.loaded = true
	return n, nil
}

// applyChanges applies the change log entries in (x.seq, last]: each photo
// named gets its current vector, or loses it when the row is gone.
// x.syncMu must be held.
func (m *memIndex) applyChanges(ctx context.Context, x *modelIndex, last int64) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	err := m.db.EmbeddingChanges(ctx, x.model, x.seq, last, func(photoID, userID int64, present bool, blob []byte) {
		if !present {
			x.remove(photoID)
			return
		}
		m.put(x, userID, photoID, blob)
	})
	if err != nil {
		return fmt.Errorf("vector index: %w", err)
	}
	x.seq = last
	return nil
}

// load reads all of a model's vectors in one pass over the table.
func (m *memIndex) load(ctx context.Context, x *modelIndex) (int, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	n, err := m.db.EachEmbedding(ctx, x.model, func(userID, photoID int64, blob []byte) { m.put(x, userID, photoID, blob) })
	if err != nil {
		return 0, fmt.Errorf("vector index: load %s: %w", x.model, err)
	}
	return n, nil
}

// put decodes a stored vector (little-endian float32) and sets it as the
// photo's, normalised. x.mu must be held.
func (m *memIndex) put(x *modelIndex, userID, photoID int64, blob []byte) {
	dim := len(blob) / 4
	if dim == 0 || len(blob)%4 != 0 {
		return
	}
	if x.dim == 0 {
		x.dim = dim
	}
	if dim != x.dim {
		m.log.Warn("search: embedding of unexpected dimension skipped", "model", x.model, "photo_id", photoID, "dim", dim, "want", x.dim)
		return
	}
	if u, ok := x.owner[photoID]; ok && u != userID {
		x.remove(photoID)
	}
	p := x.users[userID]
	if p == nil {
		p = &partition{pos: map[int64]int{}}
		x.users[userID] = p
	}
	i, ok := p.pos[photoID]
	if !ok {
		i = len(p.ids)
		p.ids = append(p.ids, photoID)
		if cap(p.vecs) < (i+1)*dim {
			// Double by hand: append's growth for big slices is 1.25×,
			// which copies the matrix many times over while loading.
			grown := make([]float32, len(p.vecs), max(2*cap(p.vecs), 64*dim))
			copy(grown, p.vecs)
			p.vecs = grown
		}
		p.vecs = p.vecs[:(i+1)*dim]
		p.pos[photoID] = i
		x.owner[photoID] = userID
	}
	row := p.vecs[i*dim : (i+1)*dim]
	var s float64
	for j := range row {
		v := math.Float32frombits(binary.LittleEndian.Uint32(blob[4*j:]))
		row[j] = v
		s += float64(v) * float64(v)
	}
	if s > 0 {
		inv := float32(1 / math.Sqrt(s))
		for j := range row {
			row[j] *= inv
		}
	}
}

// remove drops a photo's vector by moving the last row into its place.
// x.mu must be held.
func (x *modelIndex) remove(photoID int64) {
	uid, ok := x.owner[photoID]
	if !ok {
		return
	}
	delete(x.owner, photoID)
	p := x.users[uid]
	i := p.pos[photoID]
	last := len(p.ids) - 1
	if i != last {
		moved := p.ids[last]
		p.ids[i] = moved
		copy(p.vecs[i*x.dim:(i+1)*x.dim], p.vecs[last*x.dim:])
		p.pos[moved] = i
	}
	p.ids = p.ids[:last]
	p.vecs = p.vecs[:last*x.dim]
	delete(p.pos, photoID)
	if len(p.ids) == 0 {
		delete(x.users, uid)
	}
}

func (m *memIndex) search(ctx context.Context, q vecQuery) ([]vecHit, error) {
	if len(q.vec) == 0 || q.k <= 0 {
		return nil, nil
	}
	x := m.model(q.model)
	if err := m.catchUp(ctx, x); err != nil {
		return nil, err
	}
	if filterEmpty(q.filter) {
		x.mu.RLock()
		defer x.mu.RUnlock()
		return x.scan(q.userID, q.vec, q.k, q.exclude, nil), nil
	}
	if q.filter.Album != "" || q.filter.AlbumID != 0 {
		// An album is a small share of a library and its photos come
		// straight from the album index: scan just them.
		return m.searchPassing(ctx, x, q)
	}
	// A filtered query first ranks a few times k unfiltered and keeps the
	// rows that pass: when at least k pass, they are exactly the filtered
	// top k. Otherwise the filter is selective, and the scan runs again over
	// the photos that pass it.
	// The candidates are checked in two rounds (the best 2k, then the
	// rest), so a broad filter costs a short id list.
	pre := max(8*q.k, 256)
	x.mu.RLock()
	n := x.size(q.userID)
	cand := x.scan(q.userID, q.vec, pre, q.exclude, nil)
	x.mu.RUnlock()
	var out []vecHit
	checked := 0
	for _, upto := range []int{2 * q.k, len(cand)} {
		upto = min(upto, len(cand))
		if upto <= checked {
			continue
		}
		ids := make([]int64, 0, upto-checked)
		for _, h := range cand[checked:upto] {
			ids = append(ids, h.photoID)
		}
		pass, err := m.passing(ctx, q.userID, q.filter, ids)
		if err != nil {
			return nil, err
		}
		for _, h := range cand[checked:upto] {
			if pass[h.photoID] {
				out = append(out, h)
				if len(out) == q.k {
					return out, nil
				}
			}
		}
		checked = upto
	}
	if len(cand) >= n {
		return out, nil
	}
	return m.searchPassing(ctx, x, q)
}

// searchPassing ranks exactly the user's photos that pass the filter,
// fetched from the store first.
func (m *memIndex) searchPassing(ctx context.Context, x *modelIndex, q vecQuery) ([]vecHit, error) {
	all, err := m.passing(ctx, q.userID, q.filter, nil)
	if err != nil {
		return nil, err
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	if len(all) > x.size(q.userID)/4 {
		return x.scan(q.userID, q.vec, q.k, q.exclude, all), nil
	}
	return x.scanIDs(q.userID, q.vec, q.k, q.exclude, all), nil
}

// scanIDs is scan over just the given photos: the cheaper way when a
// selective filter leaves few. x.mu must be held for reading.
func (x *modelIndex) scanIDs(userID int64, q []float32, k int, exclude int64, ids map[int64]bool) []vecHit {
	p := x.users[userID]
	if p == nil || len(q) != x.dim || k <= 0 {
		return nil
	}
	h := topK{k: k}
	for id := range ids {
		i, ok := p.pos[id]
		if !ok || id == exclude {
			continue
		}
		h.offer(id, linalg.Dot(q, p.vecs[i*x.dim:(i+1)*x.dim]))
	}
	return h.sorted()
}

// passing returns which of ids (all of the user's photos when ids is nil)
// pass the filter.
func (m *memIndex) passing(ctx context.Context, userID int64, f store.Filter, ids []int64) (map[int64]bool, error) {
	pass, err := m.db.PhotosPassing(ctx, userID, f, ids)
	if err != nil {
		return nil, fmt.Errorf("vector index: %w", err)
	}
	return pass, nil
}

// bytes estimates the index's memory: the matrices and id slices as
// allocated, and about 40 bytes per entry of each of the two id maps.
func (x *modelIndex) bytes() int64 {
	x.mu.RLock()
	defer x.mu.RUnlock()
	var n int64
	for _, p := range x.users {
		n += 4*int64(cap(p.vecs)) + 8*int64(cap(p.ids)) + 40*int64(len(p.pos))
	}
	return n + 40*int64(len(x.owner))
}

func (x *modelIndex) size(userID int64) int {
	if p := x.users[userID]; p != nil {
		return len(p.ids)
	}
	return 0
}

// parallelRows is the partition size from which a scan is split over cores.
const parallelRows = 16384

// scan returns the k rows of the user most similar to q, best first,
// skipping exclude and, when allow is non-nil, photos not in it. x.mu must
// be held for reading.
func (x *modelIndex) scan(userID int64, q []float32, k int, exclude int64, allow map[int64]bool) []vecHit {
	p := x.users[userID]
	if p == nil || len(q) != x.dim || k <= 0 {
		return nil
	}
	n := len(p.ids)
	workers := 1
	if n >= parallelRows {
		workers = min(runtime.GOMAXPROCS(0), n/(parallelRows/2))
	}
	heaps := make([]topK, workers)
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for w := range workers {
		lo, hi := w*chunk, min((w+1)*chunk, n)
		wg.Go(func() {
			h := topK{k: k}
			dim := x.dim
			for i := lo; i < hi; i++ {
				id := p.ids[i]
				if id == exclude || (allow != nil && !allow[id]) {
					continue
				}
				h.offer(id, linalg.Dot(q, p.vecs[i*dim:(i+1)*dim]))
			}
			heaps[w] = h
		})
	}
	wg.Wait()
	all := heaps[0]
	for _, h := range heaps[1:] {
		for _, e := range h.items {
			all.offer(e.photoID, e.sim)
		}
	}
	return all.sorted()
}

// topK keeps the k best hits seen, as a min-heap on similarity (ties: the
// higher photo id is worse, so results are deterministic).
type topK struct {
	k     int
	items []vecHit
}

func worse(a, b vecHit) bool {
	if a.sim != b.sim {
		return a.sim < b.sim
	}
	return a.photoID > b.photoID
}

func (h *topK) Len() int           { return len(h.items) }
func (h *topK) Less(i, j int) bool { return worse(h.items[i], h.items[j]) }
func (h *topK) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *topK) Push(v any)         { h.items = append(h.items, v.(vecHit)) }
func (h *topK) Pop() any {
	v := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return v
}

func (h *topK) offer(id int64, sim float32) {
	v := vecHit{photoID: id, sim: sim}
	if len(h.items) < h.k {
		heap.Push(h, v)
		return
	}
	if worse(h.items[0], v) {
		h.items[0] = v
		heap.Fix(h, 0)
	}
}

// sorted empties the heap into a best-first slice.
func (h *topK) sorted() []vecHit {
	out := make([]vecHit, len(h.items))
	for i := len(out) - 1; i >= 0; i-- {
		out[i] = heap.Pop(h).(vecHit)
	}
	return out
}

// sample returns up to n of the user's vectors, spread evenly over the
// partition (every len/n-th row), for the relevance floor.
func (m *memIndex) sample(ctx context.Context, userID int64, model string, _, n int) ([][]float32, error) {
	x := m.model(model)
	if err := m.catchUp(ctx, x); err != nil {
		return nil, err
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	p := x.users[userID]
	if p == nil || n <= 0 {
		return nil, nil
	}
	step := max(1, (len(p.ids)+n-1)/n)
	var out [][]float32
	for i := 0; i < len(p.ids); i += step {
		out = append(out, append([]float32(nil), p.vecs[i*x.dim:(i+1)*x.dim]...))
	}
	return out, nil
}
