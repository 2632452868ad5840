package clip

import (
	"path/filepath"
	"sync"
	"testing"

	"github.com/targetvision/targetvision/internal/testshared"
)

var (
	realTokOnce sync.Once
	realTok     *Tokenizer
	realTokErr  error
)

// realTokenizer loads the real OpenAI vocabulary once per test binary.
func realTokenizer(t testing.TB) *Tokenizer {
	t.Helper()
	path := filepath.Join(testshared.Path(t), "clip", "bpe_simple_vocab_16e6.txt.gz")
	realTokOnce.Do(func() { realTok, realTokErr = LoadTokenizerBPEGz(path) })
	if realTokErr != nil {
		t.Fatal(realTokErr)
	}
	return realTok
}
