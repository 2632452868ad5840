// Package backup writes and restores a TargetVision backup: one tar file
// holding a manifest, the SQLite database (copied with SQLite's online
// backup API while the server runs), the generated secret key, and every
// thumbnail and rendition from the blob store. A PostgreSQL database is
// backed up with pg_dump instead (docs/deploy.md); its backup file then
// holds the rest.
//
// Restoring needs the server stopped, puts the database and key back in
// the data directory and the files into whichever blob store is
// configured, so a restore can also move a library to object storage.
package backup

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/targetvision/targetvision/internal/blob"
	"github.com/targetvision/targetvision/internal/store"
)

// Format is the version of the backup layout this package writes.
const Format = 1

// Names inside the tar file.
const (
	manifestName = "targetvision-backup.json"
	databaseName = "database/targetvision.db"
	secretName   = "secret.key"
	blobsDir     = "blobs/"
)

// Manifest is the first entry of a backup.
type Manifest struct {
	Format  int       `json:"format"`
	Created time.Time `json:"created"`
	// Dialect is the store backed up; for postgres the file has no
	// database (pg_dump has it).
	Dialect store.Dialect `json:"dialect"`
	// Prefixes are the blob key prefixes saved.
	Prefixes []string `json:"prefixes"`
}

// Source is what a backup is made of.
type Source struct {
	DB *store.DB
	// DataDir holds the secret key (when SECRET_KEY is not set) and a
	// scratch copy of the database while it is written out.
	DataDir string
	Blobs   blob.Store
	// Prefixes are the blob key prefixes to save (the pipeline's).
	Prefixes []string
}

// Summary says what a backup or restore held.
type Summary struct {
	Dialect       store.Dialect
	DatabaseBytes int64
	SecretKey     bool
	Files         int
	FileBytes     int64
}

// Write streams a backup of src to w.
func Write(ctx context.Context, w io.Writer, src Source) (Summary, error) {
	sum := Summary{Dialect: src.DB.Dialect()}
	tw := tar.NewWriter(w)
	m, _ := json.MarshalIndent(Manifest{Format: Format, Created: time.Now().UTC(), Dialect: sum.Dialect, Prefixes: src.Prefixes}, "", "  ")
	if err := writeEntry(tw, manifestName, int64(len(m)), time.Now(), strings.NewReader(string(m))); err != nil {
		return sum, err
	}
	// The key comes before the database, so a restore that would clash
	// with another key stops before it replaces anything.
	if f, err := os.Open(filepath.Join(src.DataDir, "secret.key")); err == nil {
		st, err := f.Stat()
		if err == nil {
			err = writeEntry(tw, secretName, st.Size(), st.ModTime(), f)
		}
		f.Close()
		if err != nil {
			return sum, err
		}
		sum.SecretKey = true
	} else if !errors.Is(err, fs.ErrNotExist) {
		return sum, fmt.Errorf("backup: secret key: %w", err)
	}
	if sum.Dialect == store.SQLite {
		n, err := writeDatabase(ctx, tw, src)
		if err != nil {
			return sum, err
		}
		sum.DatabaseBytes = n
	}
	for _, prefix := range src.Prefixes {
		for info, err := range src.Blobs.List(ctx, prefix) {
			if err != nil {
				return sum, fmt.Errorf("backup: %w", err)
			}
			r, err := src.Blobs.Open(ctx, info.Key)
			if errors.Is(err, blob.ErrNotFound) {
				continue // deleted since it was listed
			}
			if err != nil {
				return sum, fmt.Errorf("backup: %w", err)
			}
			err = writeEntry(tw, blobsDir+info.Key, r.Size, r.ModTime, r)
			r.Close()
			if err != nil {
				return sum, err
			}
			sum.Files++
			sum.FileBytes += r.Size
		}
	}
	if err := tw.Close(); err != nil {
		return sum, fmt.Errorf("backup: %w", err)
	}
	return sum, nil
}

// writeDatabase copies the SQLite database with the online backup API into
// a scratch file, then into the tar.
func writeDatabase(ctx context.Context, tw *tar.Writer, src Source) (int64, error) {
	tmpDir := filepath.Join(src.DataDir, "tmp")
	if err := os.MkdirAll(tmpDir, 0o700); err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	dir, err := os.MkdirTemp(tmpDir, "backup-")
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "targetvision.db")
	if err := src.DB.BackupSQLite(ctx, file); err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	f, err := os.Open(file)
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	return st.Size(), writeEntry(tw, databaseName, st.Size(), st.ModTime(), f)
}

func writeEntry(tw *tar.Writer, name string, size int64, mod time.Time, r io.Reader) error {
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: size, ModTime: mod, Typeflag: tar.TypeReg, Format: tar.FormatPAX}); err != nil {
		return fmt.Errorf("backup: %s: %w", name, err)
	}
	if n, err := io.Copy(tw, r); err != nil || n != size {
		return fmt.Errorf("backup: %s: wrote %d of %d bytes: %w", name, n, size, err)
	}
	return nil
}

// Target is where a backup is restored.
type Target struct {
	// DataDir receives the SQLite database and the secret key.
	DataDir string
	// Dialect is the store the server is configured with; a SQLite
	// backup restores only into SQLite.
	Dialect store.Dialect
	// Blobs receives the thumbnails and renditions.
	Blobs blob.Store
	// Force replaces a database or secret key already in DataDir.
	Force bool
}

// ErrNotEmpty is returned when the target already has a database or a
// different secret key and Force is not set.
var ErrNotEmpty = errors.New("backup: the data directory already has a library")

// Restore reads a backup from r into t. The server must not be running.
func Restore(ctx context.Context, r io.Reader, t Target) (Summary, error) {
	var sum Summary
	tr := tar.NewReader(r)
	h, err := tr.Next()
	if err != nil || h.Name != manifestName {
		return sum, fmt.Errorf("backup: not a TargetVision backup (no %s first): %v", manifestName, err)
	}
	var m Manifest
	if err := json.NewDecoder(io.LimitReader(tr, 1<<20)).Decode(&m); err != nil {
		return sum, fmt.Errorf("backup: manifest: %w", err)
	}
	if m.Format != Format {
		return sum, fmt.Errorf("backup: format %d; this version reads format %d", m.Format, Format)
	}
	sum.Dialect = m.Dialect
	if m.Dialect == store.SQLite && t.Dialect != store.SQLite {
		return sum, errors.New("backup: this backup holds a SQLite database; unset DATABASE_URL to restore it")
	}
	dbPath := filepath.Join(t.DataDir, "targetvision.db")
	if m.Dialect == store.SQLite && !t.Force {
		if _, err := os.Stat(dbPath); err == nil {
			return sum, fmt.Errorf("%w: %s exists (restore into an empty data directory, or --force to replace it)", ErrNotEmpty, dbPath)
		}
	}
	if err := os.MkdirAll(t.DataDir, 0o700); err != nil {
		return sum, fmt.Errorf("backup: %w", err)
	}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return sum, fmt.Errorf("backup: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		switch {
		case h.Name == databaseName:
			if err := restoreFile(tr, dbPath, h.Size); err != nil {
				return sum, err
			}
			// A replaced database's write-ahead log belongs to the old one.
			os.Remove(dbPath + "-wal")
			os.Remove(dbPath + "-shm")
			sum.DatabaseBytes = h.Size
		case h.Name == secretName:
			if err := restoreSecret(tr, filepath.Join(t.DataDir, "secret.key"), h.Size, t.Force); err != nil {
				return sum, err
			}
			sum.SecretKey = true
		case strings.HasPrefix(h.Name, blobsDir):
			key := strings.TrimPrefix(h.Name, blobsDir)
			if err := t.Blobs.Put(ctx, key, tr, h.Size); err != nil {
				return sum, fmt.Errorf("backup: restore %s: %w", key, err)
			}
			sum.Files++
			sum.FileBytes += h.Size
		default:
			return sum, fmt.Errorf("backup: unexpected entry %q", h.Name)
		}
	}
	return sum, nil
}

// restoreFile writes size bytes of r to dst through a temporary file.
func restoreFile(r io.Reader, dst string, size int64) error {
	f, err := os.CreateTemp(filepath.Dir(dst), path.Base(dst)+".restore-*")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(f.Name())
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("backup: %w", err)
	}
	if n, err := io.Copy(f, r); err != nil || n != size {
		f.Close()
		return fmt.Errorf("backup: restore %s: %d of %d bytes: %w", dst, n, size, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := os.Rename(f.Name(), dst); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

// restoreSecret puts the key back; a different key already there is kept
// unless force (it encrypts what the data directory's database holds).
func restoreSecret(r io.Reader, dst string, size int64, force bool) error {
	b, err := io.ReadAll(io.LimitReader(r, size))
	if err != nil {
		return fmt.Errorf("backup: secret key: %w", err)
	}
	if old, err := os.ReadFile(dst); err == nil && string(old) != string(b) && !force {
		return fmt.Errorf("%w: %s holds another secret key (--force replaces it)", ErrNotEmpty, dst)
	}
	return restoreFile(strings.NewReader(string(b)), dst, int64(len(b)))
}
