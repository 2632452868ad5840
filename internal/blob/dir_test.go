package blob_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/targetvision/targetvision/internal/blob"
	"github.com/targetvision/targetvision/internal/blob/blobtest"
)

func TestDirConformance(t *testing.T) {
	t.Parallel()
	blobtest.Run(t, func(t *testing.T) blob.Store {
		return blob.NewDir(filepath.Join(t.TempDir(), "data"))
	})
}

// TestDirLayout: a key is the file the data directory has always had, so a
// data directory from before the blob store is served as it is; files are
// the owner's only.
func TestDirLayout(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	old := filepath.Join(dir, "thumbs", "3", "7.jpg")
	os.MkdirAll(filepath.Dir(old), 0o700)
	os.WriteFile(old, []byte("made before blobs"), 0o600)
	d := blob.NewDir(dir)
	r, err := d.Open(t.Context(), "thumbs/3/7.jpg")
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	if err := d.Put(t.Context(), "renditions/3/7.jpg", strings.NewReader("new"), 3); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{
		filepath.Join(dir, "renditions"):               0o700,
		filepath.Join(dir, "renditions", "3"):          0o700,
		filepath.Join(dir, "renditions", "3", "7.jpg"): 0o600,
	} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", p, st.Mode().Perm(), want)
		}
	}
	if p, _ := d.LocalPath("renditions/3/7.jpg"); p != filepath.Join(dir, "renditions", "3", "7.jpg") {
		t.Errorf("LocalPath = %s", p)
	}
}

// TestDirSymlinkEscape: a link inside the directory does not lead a key
// outside it.
func TestDirSymlinkEscape(t *testing.T) {
	t.Parallel()
	dir, outside := t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(outside, "secret"), []byte("not a blob"), 0o600)
	if err := os.Symlink(outside, filepath.Join(dir, "thumbs")); err != nil {
		t.Fatal(err)
	}
	d := blob.NewDir(dir)
	if r, err := d.Open(t.Context(), "thumbs/secret"); err == nil {
		r.Close()
		t.Fatal("opened a file outside the store through a symbolic link")
	}
	if err := d.Put(t.Context(), "thumbs/planted", bytes.NewReader([]byte("x")), 1); err == nil {
		t.Error("wrote outside the store through a symbolic link")
	}
	if _, err := os.Stat(filepath.Join(outside, "planted")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a file appeared outside the store: %v", err)
	}
}

func TestOpenURL(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s, err := blob.Open(t.Context(), blob.Options{DataDir: dir})
	if err != nil || s.(*blob.Dir).Path() != dir {
		t.Fatalf("empty URL: %v, %v; want the data directory", s, err)
	}
	other := t.TempDir()
	s, err = blob.Open(t.Context(), blob.Options{URL: "file://" + other, DataDir: dir})
	if err != nil || s.(*blob.Dir).Path() != other {
		t.Fatalf("file URL: %v, %v", s, err)
	}
	for _, bad := range []string{"ftp://x", "file://host/dir", "s3://", "s3://b/path", "s3://b?color=red", "s3://b?endpoint=ftp://x", "s3://b?use_path_style=maybe"} {
		if _, err := blob.Open(t.Context(), blob.Options{URL: bad, DataDir: dir}); err == nil {
			t.Errorf("%s: opened; want an error", bad)
		}
	}
}
