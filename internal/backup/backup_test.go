package backup_test

import (
	"archive/tar"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/targetvision/targetvision/internal/backup"
	"github.com/targetvision/targetvision/internal/blob"
	"github.com/targetvision/targetvision/internal/store"
	"github.com/targetvision/targetvision/internal/store/storetest"
)

// library is a SQLite store with one user, a secret key and two files.
func library(t *testing.T) (backup.Source, []byte) {
	t.Helper()
	dir := t.TempDir()
	db, err := store.Open(t.Context(), filepath.Join(dir, "targetvision.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.EnsureDefaultUser(t.Context()); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "secret.key"), []byte("00112233445566778899aabbccddeeff\n"), 0o600)
	blobs := blob.NewDir(dir)
	for _, k := range []string{"thumbs/1/1.jpg", "renditions/1/1.jpg"} {
		if err := blobs.Put(t.Context(), k, strings.NewReader(k), int64(len(k))); err != nil {
			t.Fatal(err)
		}
	}
	src := backup.Source{DB: db, DataDir: dir, Blobs: blobs, Prefixes: []string{"thumbs/", "renditions/"}}
	var buf bytes.Buffer
	sum, err := backup.Write(t.Context(), &buf, src)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Files != 2 || !sum.SecretKey || sum.DatabaseBytes == 0 {
		t.Fatalf("backup summary %+v", sum)
	}
	return src, buf.Bytes()
}

func TestRestore(t *testing.T) {
	t.Parallel()
	_, file := library(t)
	dir := t.TempDir()
	target := backup.Target{DataDir: dir, Dialect: store.SQLite, Blobs: blob.NewDir(dir)}
	sum, err := backup.Restore(t.Context(), bytes.NewReader(file), target)
	if err != nil || sum.Files != 2 || !sum.SecretKey {
		t.Fatalf("restore: %+v %v", sum, err)
	}
	db, err := store.Open(t.Context(), filepath.Join(dir, "targetvision.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.Close() // the restored file is a database that opens and migrates
	if b, err := os.ReadFile(filepath.Join(dir, "thumbs", "1", "1.jpg")); err != nil || string(b) != "thumbs/1/1.jpg" {
		t.Errorf("restored file: %q %v", b, err)
	}

	// A second restore into the same directory is refused, untouched.
	if _, err := backup.Restore(t.Context(), bytes.NewReader(file), target); !errors.Is(err, backup.ErrNotEmpty) {
		t.Errorf("restore over a library: %v; want ErrNotEmpty", err)
	}
	// --force replaces it.
	target.Force = true
	if _, err := backup.Restore(t.Context(), bytes.NewReader(file), target); err != nil {
		t.Errorf("forced restore: %v", err)
	}
}

// TestRestoreRefuses: what must not be restored is not, and nothing is
// written before the refusal.
func TestRestoreRefuses(t *testing.T) {
	t.Parallel()
	_, file := library(t)
	t.Run("another secret key", func(t *testing.T) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "secret.key"), []byte("ffeeddccbbaa99887766554433221100\n"), 0o600)
		_, err := backup.Restore(t.Context(), bytes.NewReader(file), backup.Target{DataDir: dir, Dialect: store.SQLite, Blobs: blob.NewDir(dir)})
		if !errors.Is(err, backup.ErrNotEmpty) {
			t.Fatalf("restore beside another key: %v; want ErrNotEmpty", err)
		}
		if _, err := os.Stat(filepath.Join(dir, "targetvision.db")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the database was restored before the key clash stopped it: %v", err)
		}
	})
	t.Run("SQLite into Postgres", func(t *testing.T) {
		dir := t.TempDir()
		_, err := backup.Restore(t.Context(), bytes.NewReader(file), backup.Target{DataDir: dir, Dialect: store.Postgres, Blobs: blob.NewDir(dir)})
		if err == nil || !strings.Contains(err.Error(), "unset DATABASE_URL") {
			t.Errorf("a SQLite backup restored for Postgres: %v", err)
		}
	})
	t.Run("not a backup", func(t *testing.T) {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		tw.WriteHeader(&tar.Header{Name: "etc/passwd", Mode: 0o600, Size: 1})
		tw.Write([]byte("x"))
		tw.Close()
		dir := t.TempDir()
		if _, err := backup.Restore(t.Context(), &buf, backup.Target{DataDir: dir, Dialect: store.SQLite, Blobs: blob.NewDir(dir)}); err == nil {
			t.Error("restored a tar that is not a backup")
		}
	})
}

// TestWritePostgres: a Postgres backup holds the key and the files, no database.
func TestWritePostgres(t *testing.T) {
	t.Parallel()
	db := storetest.OpenPostgres(t, store.Options{})
	dir := t.TempDir()
	blobs := blob.NewDir(dir)
	blobs.Put(t.Context(), "thumbs/1/1.jpg", strings.NewReader("x"), 1)
	var buf bytes.Buffer
	sum, err := backup.Write(t.Context(), &buf, backup.Source{DB: db, DataDir: dir, Blobs: blobs, Prefixes: []string{"thumbs/"}})
	if err != nil || sum.DatabaseBytes != 0 || sum.Files != 1 || sum.Dialect != store.Postgres {
		t.Fatalf("postgres backup: %+v %v", sum, err)
	}
	if strings.Contains(buf.String(), "database/targetvision.db") {
		t.Error("a Postgres backup holds a database file")
	}
}
