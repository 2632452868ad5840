package pipeline

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestRemoveStaleWork: a crashed job's work directory goes; a running
// one's (young) stays.
func TestRemoveStaleWork(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	p := New(nil, Options{DataDir: data})
	if err := p.RemoveStaleWork(time.Hour); err != nil {
		t.Fatalf("without a tmp directory: %v", err)
	}
	old, err := p.workDir()
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(old, "thumb.jpg"), []byte("x"), 0o600)
	long := time.Now().Add(-48 * time.Hour)
	if err := os.Chtimes(old, long, long); err != nil {
		t.Fatal(err)
	}
	young, err := p.workDir()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.RemoveStaleWork(24 * time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Errorf("a two-day-old work directory is still there: %v", err)
	}
	if _, err := os.Stat(young); err != nil {
		t.Errorf("a running job's work directory was removed: %v", err)
	}
}
