package blob

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path"
	"strings"
)

// Dir is a Store in a local directory: key "thumbs/1/42.jpg" is the file
// DIR/thumbs/1/42.jpg, as the data directory has always laid them out.
// Files are 0600 and directories 0700 (the renditions are the owner's
// photos). Every access goes through an os.Root, so a symbolic link inside
// the directory cannot lead a key outside it.
type Dir struct {
	path string
}

// tmpMarker is part of the name of a file still being written; List skips
// such files.
const tmpMarker = ".tmp-"

// NewDir is a directory store at dir, which the first Put creates.
func NewDir(dir string) *Dir {
	return &Dir{path: dir}
}

// Path is the directory's path.
func (d *Dir) Path() string { return d.path }

// Describe implements Store.
func (d *Dir) Describe() string { return "directory " + d.path }

// LocalPath is where key's file is, for readers that want a file name
// (decoders); it does not check that the file exists.
func (d *Dir) LocalPath(key string) (string, error) {
	if err := ValidKey(key); err != nil {
		return "", err
	}
	return d.path + string(os.PathSeparator) + key, nil
}

func (d *Dir) root() (*os.Root, error) {
	if d.path == "" {
		return nil, errors.New("blob: directory store without a directory")
	}
	r, err := os.OpenRoot(d.path)
	if err != nil {
		return nil, fmt.Errorf("blob: open %s: %w", d.path, err)
	}
	return r, nil
}

// Put implements Store: the bytes go to a temporary file beside the final
// one, which a rename then puts in place.
func (d *Dir) Put(ctx context.Context, key string, r io.Reader, size int64) (err error) {
	if err := ValidKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	if err := os.MkdirAll(d.path, 0o700); err != nil {
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	root, err := d.root()
	if err != nil {
		return err
	}
	defer root.Close()
	if dir := path.Dir(key); dir != "." {
		if err := root.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("blob: put %s: %w", key, err)
		}
	}
	var rnd [8]byte
	rand.Read(rnd[:])
	tmp := key + tmpMarker + hex.EncodeToString(rnd[:])
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			root.Remove(tmp)
		}
	}()
	n, err := io.Copy(f, ctxReader{ctx, r})
	if err != nil {
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	if size >= 0 && n != size {
		return fmt.Errorf("blob: put %s: got %d bytes, want %d", key, n, size)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	if err = root.Rename(tmp, key); err != nil {
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	return nil
}

// Open implements Store.
func (d *Dir) Open(ctx context.Context, key string) (*Reader, error) {
	if err := ValidKey(key); err != nil {
		return nil, err
	}
	root, err := d.root()
	if err != nil {
		return nil, err
	}
	defer root.Close()
	f, err := root.Open(key)
	if err != nil {
		return nil, d.err("open", key, err)
	}
	st, err := f.Stat()
	if err == nil && !st.Mode().IsRegular() {
		err = fs.ErrNotExist
	}
	if err != nil {
		f.Close()
		return nil, d.err("open", key, err)
	}
	return &Reader{ReadSeekCloser: f, Info: Info{Key: key, Size: st.Size(), ModTime: st.ModTime()}}, nil
}

// Stat implements Store.
func (d *Dir) Stat(ctx context.Context, key string) (Info, error) {
	if err := ValidKey(key); err != nil {
		return Info{}, err
	}
	root, err := d.root()
	if err != nil {
		return Info{}, err
	}
	defer root.Close()
	st, err := root.Stat(key)
	if err == nil && !st.Mode().IsRegular() {
		err = fs.ErrNotExist
	}
	if err != nil {
		return Info{}, d.err("stat", key, err)
	}
	return Info{Key: key, Size: st.Size(), ModTime: st.ModTime()}, nil
}

// Delete implements Store.
func (d *Dir) Delete(ctx context.Context, key string) error {
	if err := ValidKey(key); err != nil {
		return err
	}
	root, err := d.root()
	if err != nil {
		return err
	}
	defer root.Close()
	if err := root.Remove(key); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blob: delete %s: %w", key, err)
	}
	return nil
}

// List implements Store. It walks only the directory the prefix names, so
// listing "thumbs/" does not read the rest of a data directory.
func (d *Dir) List(ctx context.Context, prefix string) iter.Seq2[Info, error] {
	return func(yield func(Info, error) bool) {
		root, err := d.root()
		if err != nil {
			yield(Info{}, err)
			return
		}
		defer root.Close()
		start := "."
		if i := strings.LastIndexByte(prefix, '/'); i > 0 {
			start = prefix[:i]
		}
		err = fs.WalkDir(root.FS(), start, func(p string, de fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) && p == start {
					return fs.SkipAll // nothing under the prefix yet
				}
				return err
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if de.IsDir() {
				// Descend only where keys with the prefix can be.
				if p != "." && !strings.HasPrefix(p+"/", prefix) && !strings.HasPrefix(prefix, p+"/") {
					return fs.SkipDir
				}
				return nil
			}
			if !de.Type().IsRegular() || !strings.HasPrefix(p, prefix) || strings.Contains(path.Base(p), tmpMarker) {
				return nil
			}
			st, err := de.Info()
			if errors.Is(err, fs.ErrNotExist) {
				return nil // deleted while we walked
			}
			if err != nil {
				return err
			}
			if !yield(Info{Key: p, Size: st.Size(), ModTime: st.ModTime()}, nil) {
				return errStop
			}
			return nil
		})
		if err != nil && !errors.Is(err, errStop) {
			yield(Info{}, fmt.Errorf("blob: list %s: %w", prefix, err))
		}
	}
}

var errStop = errors.New("stop")

func (d *Dir) err(op, key string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blob: %s %s: %w", op, key, ErrNotFound)
	}
	return fmt.Errorf("blob: %s %s: %w", op, key, err)
}
