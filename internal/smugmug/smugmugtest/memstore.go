package smugmugtest

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"sync"

	"github.com/targetvision/targetvision/internal/smugmug"
)

// MemStore is an in-memory smugmug.Store for one source, following the
// interface's contract to the letter; the reference the real stores are
// compared against. The cursor is kept JSON-encoded, as a database column
// would keep it.
type MemStore struct {
	mu      sync.Mutex
	cursor  []byte
	albums  map[string]*StoredAlbum
	images  map[string]*StoredImage
	byAlbum map[string]map[string]bool // AlbumKey → ImageKeys stored with it
	fail    func(op string) error
	upserts int
}

// StoredAlbum is an album row.
type StoredAlbum struct {
	smugmug.Album
	Deleted bool
}

// StoredImage is an image row.
type StoredImage struct {
	smugmug.Image
	Deleted bool
	Upserts int // how many times it was written
}

// NewMemStore returns an empty store.
func NewMemStore() *MemStore {
	return &MemStore{albums: map[string]*StoredAlbum{}, images: map[string]*StoredImage{}, byAlbum: map[string]map[string]bool{}}
}

// SetFail installs f, called at the start of every method with its name
// ("UpsertImages", ...); a non-nil result is returned as that method's error.
func (m *MemStore) SetFail(f func(op string) error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.fail = f
}

func (m *MemStore) check(op string) error {
	if m.fail != nil {
		if err := m.fail(op); err != nil {
			return fmt.Errorf("memstore: %s: %w", op, err)
		}
	}
	return nil
}

// LoadCursor implements smugmug.Store.
func (m *MemStore) LoadCursor(ctx context.Context) (smugmug.Cursor, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.check("LoadCursor"); err != nil {
		return smugmug.Cursor{}, err
	}
	var c smugmug.Cursor
	if m.cursor == nil {
		return c, nil
	}
	if err := json.Unmarshal(m.cursor, &c); err != nil {
		return c, fmt.Errorf("memstore: cursor: %w", err)
	}
	return c, nil
}

// SaveCursor implements smugmug.Store.
func (m *MemStore) SaveCursor(ctx context.Context, c smugmug.Cursor) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.check("SaveCursor"); err != nil {
		return err
	}
	b, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("memstore: cursor: %w", err)
	}
	m.cursor = b
	return nil
}

// UpsertAlbum implements smugmug.Store.
func (m *MemStore) UpsertAlbum(ctx context.Context, a smugmug.Album) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.check("UpsertAlbum"); err != nil {
		return err
	}
	m.albums[a.AlbumKey] = &StoredAlbum{Album: a}
	return nil
}

// AlbumKeys implements smugmug.Store.
func (m *MemStore) AlbumKeys(ctx context.Context) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.check("AlbumKeys"); err != nil {
		return nil, err
	}
	var out []string
	for k, a := range m.albums {
		if !a.Deleted {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out, nil
}

// DeleteAlbum implements smugmug.Store.
func (m *MemStore) DeleteAlbum(ctx context.Context, albumKey string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.check("DeleteAlbum"); err != nil {
		return err
	}
	if a := m.albums[albumKey]; a != nil {
		a.Deleted = true
	}
	return nil
}

// UpsertImages implements smugmug.Store.
func (m *MemStore) UpsertImages(ctx context.Context, images []smugmug.Image) ([]smugmug.ImageBefore, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.check("UpsertImages"); err != nil {
		return nil, err
	}
	prev := make([]smugmug.ImageBefore, len(images))
	for i, im := range images {
		row := m.images[im.ImageKey]
		if row == nil {
			row = &StoredImage{}
			m.images[im.ImageKey] = row
		} else {
			prev[i] = smugmug.ImageBefore{AlbumKey: row.AlbumKey, Deleted: row.Deleted}
			delete(m.byAlbum[row.AlbumKey], im.ImageKey)
		}
		row.Image, row.Deleted = im, false
		if m.byAlbum[im.AlbumKey] == nil {
			m.byAlbum[im.AlbumKey] = map[string]bool{}
		}
		m.byAlbum[im.AlbumKey][im.ImageKey] = true
		row.Upserts++
		m.upserts++
	}
	return prev, nil
}

// AlbumImageKeys implements smugmug.Store.
func (m *MemStore) AlbumImageKeys(ctx context.Context, albumKey string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.check("AlbumImageKeys"); err != nil {
		return nil, err
	}
	var out []string
	for k := range m.byAlbum[albumKey] {
		if !m.images[k].Deleted {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out, nil
}

// DeleteImages implements smugmug.Store.
func (m *MemStore) DeleteImages(ctx context.Context, albumKey string, imageKeys []string) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.check("DeleteImages"); err != nil {
		return 0, err
	}
	n := 0
	for _, k := range imageKeys {
		if im := m.images[k]; im != nil && !im.Deleted && im.AlbumKey == albumKey {
			im.Deleted = true
			n++
		}
	}
	return n, nil
}

// Images returns a copy of every image row, deleted ones included.
func (m *MemStore) Images() map[string]StoredImage {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]StoredImage, len(m.images))
	for k, v := range m.images {
		out[k] = *v
	}
	return out
}

// Albums returns a copy of every album row, deleted ones included.
func (m *MemStore) Albums() map[string]StoredAlbum {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]StoredAlbum, len(m.albums))
	for k, v := range m.albums {
		out[k] = *v
	}
	return out
}

// Upserts returns the number of image writes so far.
func (m *MemStore) Upserts() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.upserts
}

var _ smugmug.Store = (*MemStore)(nil)
