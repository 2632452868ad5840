package clip

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// sharedDir finds ../shared beside the repository root (the directory
// holding go.mod), as CI lays it out.
func sharedDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the working directory")
		}
		dir = parent
	}
}

var (
	realTokOnce sync.Once
	realTok     *Tokenizer
	realTokErr  error
)

// realTokenizer loads the real OpenAI vocabulary once per test binary.
func realTokenizer(t testing.TB) *Tokenizer {
	t.Helper()
	path := filepath.Join(sharedDir(t), "clip", "bpe_simple_vocab_16e6.txt.gz")
	realTokOnce.Do(func() { realTok, realTokErr = LoadTokenizerBPEGz(path) })
	if realTokErr != nil {
		t.Fatal(realTokErr)
	}
	return realTok
}
