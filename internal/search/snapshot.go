package search

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"os"
	"path/filepath"
	"strings"
	"unsafe"
)

// The SQLite vector index persists a snapshot file so a restart (or a CLI
// search) reads one flat file instead of decoding every vector out of the
// database. The snapshot records the embedding_log position it reflects;
// loading it is followed by the usual catch-up from the log, and then by a
// count check against the embeddings table — any disagreement (a restored
// or replaced database, a torn file) discards the snapshot for a full load.
//
// Layout, little-endian: magic "TVVX", version u32, dim u32, seq i64,
// model length u32 and bytes, user count u32; then per user: user id i64,
// row count u32, photo ids i64 × rows, vectors f32 × rows × dim.

const (
	snapMagic   = "TVVX"
	snapVersion = 1
	// snapMinRows is the index size from which a snapshot is worth writing.
	snapMinRows = 1000
)

func snapshotPath(dir, model string) string {
	safe := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			return r
		}
		return '_'
	}, model)
	return filepath.Join(dir, "vectors-"+safe+".idx")
}

// writeSnapshot saves the index atomically (temp file + rename). x.mu must
// be held for reading, x.syncMu for writing (seq must not move).
func (x *modelIndex) writeSnapshot(path string) (err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".vectors-*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	w := bufio.NewWriterSize(f, 1<<20)
	le := binary.LittleEndian
	var b []byte
	b = append(b, snapMagic...)
	b = le.AppendUint32(b, snapVersion)
	b = le.AppendUint32(b, uint32(x.dim))
	b = le.AppendUint64(b, uint64(x.seq))
	b = le.AppendUint32(b, uint32(len(x.model)))
	b = append(b, x.model...)
	b = le.AppendUint32(b, uint32(len(x.users)))
	if _, err := w.Write(b); err != nil {
		return err
	}
	buf := make([]byte, 0, 1<<16)
	flush := func(force bool) error {
		if len(buf) >= 1<<15 || force && len(buf) > 0 {
			_, err := w.Write(buf)
			buf = buf[:0]
			return err
		}
		return nil
	}
	for uid, p := range x.users {
		buf = le.AppendUint64(buf, uint64(uid))
		buf = le.AppendUint32(buf, uint32(len(p.ids)))
		for _, id := range p.ids {
			buf = le.AppendUint64(buf, uint64(id))
			if err := flush(false); err != nil {
				return err
			}
		}
		if err := flush(true); err != nil {
			return err
		}
		if littleEndian {
			if _, err := w.Write(floatBytes(p.vecs)); err != nil {
				return err
			}
			continue
		}
		for _, v := range p.vecs {
			buf = le.AppendUint32(buf, math.Float32bits(v))
			if err := flush(false); err != nil {
				return err
			}
		}
	}
	if err := flush(true); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

var errBadSnapshot = errors.New("bad vector snapshot")

// readSnapshot loads a snapshot into x (which must be empty) and returns
// the number of vectors. x.mu must be held.
func (x *modelIndex) readSnapshot(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	le := binary.LittleEndian
	hdr := make([]byte, 4+4+4+8+4)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return 0, fmt.Errorf("%w: %v", errBadSnapshot, err)
	}
	if string(hdr[:4]) != snapMagic || le.Uint32(hdr[4:]) != snapVersion {
		return 0, fmt.Errorf("%w: unknown format", errBadSnapshot)
	}
	dim := int(le.Uint32(hdr[8:]))
	seq := int64(le.Uint64(hdr[12:]))
	mlen := int(le.Uint32(hdr[20:]))
	if dim <= 0 || dim > 1<<16 || mlen > 1<<12 {
		return 0, fmt.Errorf("%w: header", errBadSnapshot)
	}
	rest := make([]byte, mlen+4)
	if _, err := io.ReadFull(r, rest); err != nil {
		return 0, fmt.Errorf("%w: %v", errBadSnapshot, err)
	}
	if string(rest[:mlen]) != x.model {
		return 0, fmt.Errorf("%w: model %q", errBadSnapshot, rest[:mlen])
	}
	nUsers := int(le.Uint32(rest[mlen:]))
	x.dim, x.seq = dim, seq
	total := 0
	uh := make([]byte, 12)
	for range nUsers {
		if _, err := io.ReadFull(r, uh); err != nil {
			return 0, fmt.Errorf("%w: %v", errBadSnapshot, err)
		}
		uid := int64(le.Uint64(uh))
		n := int(le.Uint32(uh[8:]))
		if n > 1<<28 {
			return 0, fmt.Errorf("%w: %d rows", errBadSnapshot, n)
		}
		raw := make([]byte, 8*n)
		if _, err := io.ReadFull(r, raw); err != nil {
			return 0, fmt.Errorf("%w: %v", errBadSnapshot, err)
		}
		p := &partition{ids: make([]int64, n), vecs: make([]float32, n*dim), pos: make(map[int64]int, n)}
		for i := range n {
			id := int64(le.Uint64(raw[8*i:]))
			p.ids[i] = id
			p.pos[id] = i
			x.owner[id] = uid
		}
		if _, err := io.ReadFull(r, floatBytes(p.vecs)); err != nil {
			return 0, fmt.Errorf("%w: %v", errBadSnapshot, err)
		}
		if !littleEndian {
			for j, v := range p.vecs {
				p.vecs[j] = math.Float32frombits(bits.ReverseBytes32(math.Float32bits(v)))
			}
		}
		if n > 0 {
			x.users[uid] = p
		}
		total += n
	}
	return total, nil
}

// reset empties the index. x.mu must be held.
func (x *modelIndex) reset() {
	x.dim, x.seq = 0, 0
	x.users = map[int64]*partition{}
	x.owner = map[int64]int64{}
}

// save writes the snapshot if the index is loaded, changed since the last
// snapshot and big enough to be worth it.
func (m *memIndex) save(ctx context.Context) error {
	if m.dir == "" {
		return nil
	}
	m.mu.Lock()
	models := make([]*modelIndex, 0, len(m.models))
	for _, x := range m.models {
		models = append(models, x)
	}
	m.mu.Unlock()
	var errs []error
	for _, x := range models {
		x.syncMu.Lock()
		if x.loaded && x.seq != x.savedSeq && len(x.owner) >= snapMinRows {
			x.mu.RLock()
			err := x.writeSnapshot(snapshotPath(m.dir, x.model))
			x.mu.RUnlock()
			if err == nil {
				x.savedSeq = x.seq
			} else {
				errs = append(errs, fmt.Errorf("vector index: save %s: %w", x.model, err))
			}
		}
		x.syncMu.Unlock()
	}
	return errors.Join(errs...)
}

// littleEndian reports whether the host stores a float32 in the snapshot's
// byte order, so vectors move between file and memory without conversion.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// floatBytes is the memory of v as bytes.
func floatBytes(v []float32) []byte {
	if len(v) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&v[0])), 4*len(v))
}
