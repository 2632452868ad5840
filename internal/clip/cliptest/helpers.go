package cliptest

import (
	"testing"

	"github.com/targetvision/targetvision/internal/clip"
)

// NewModel writes a tiny checkpoint into a temporary directory and loads it:
// the one-liner for tests that need a real *clip.Model. It returns the model
// and its checkpoint directory.
func NewModel(t testing.TB, opts Options) (*clip.Model, string) {
	t.Helper()
	dir := t.TempDir()
	if err := WriteCheckpoint(dir, opts); err != nil {
		t.Fatal(err)
	}
	m, err := clip.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return m, dir
}

// NewCheckpointHub starts a fake hub that serves a tiny checkpoint (written
// from opts) as repo, ready for modelhub.Pull with Endpoint = hub.URL.
func NewCheckpointHub(t testing.TB, repo string, opts Options) *Hub {
	t.Helper()
	dir := t.TempDir()
	if err := WriteCheckpoint(dir, opts); err != nil {
		t.Fatal(err)
	}
	files, err := CheckpointFiles(dir, repo)
	if err != nil {
		t.Fatal(err)
	}
	return NewHub(t, files...)
}
