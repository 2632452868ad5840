package claude_test

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/claude"
	"github.com/targetvision/targetvision/internal/claude/claudetest"
)

// sleeps records requested waits without sleeping (a tiny real pause keeps
// batch poll loops from spinning hot).
type sleeps struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Millisecond):
		return nil
	}
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// newDescriber builds a Describer pointed at fake with test-friendly defaults.
func newDescriber(t *testing.T, fake *claudetest.Server, mod func(*claude.Config)) (*claude.Describer, *sleeps) {
	t.Helper()
	cfg := claude.Config{
		APIKey:           "test-key",
		BaseURL:          fake.URL,
		Logger:           quietLogger(),
		Ledger:           claude.NewMemLedger(),
		BatchPollInitial: time.Second,
		Now:              fake.Now,
	}
	if mod != nil {
		mod(&cfg)
	}
	d, err := claude.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := &sleeps{}
	claude.SetSleep(d, s.sleep)
	return d, s
}

// tinyPhotos writes n small distinct JPEGs; photo i has the mean colour
// whose quantised tone the fake reports as toneOf(i).
func tinyPhotos(t *testing.T, n int) []string {
	t.Helper()
	dir := t.TempDir()
	paths := make([]string, n)
	for i := range n {
		img := image.NewRGBA(image.Rect(0, 0, 48, 32))
		c := toneColor(i)
		for y := 0; y < 32; y++ {
			for x := 0; x < 48; x++ {
				img.Set(x, y, c)
			}
		}
		p := filepath.Join(dir, fmt.Sprintf("p%03d.jpg", i))
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := jpeg.Encode(f, img, &jpeg.Options{Quality: 90}); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		paths[i] = p
	}
	return paths
}

func toneColor(i int) color.RGBA {
	return color.RGBA{uint8(16 + 32*(i%8)), uint8(16 + 32*((i/8)%8)), uint8(16 + 32*((i/64)%8)), 255}
}

func toneOf(i int) string { return fmt.Sprintf("tone-%d-%d-%d", i%8, (i/8)%8, (i/64)%8) }

func requests(user string, paths []string) []claude.Request {
	out := make([]claude.Request, len(paths))
	for i, p := range paths {
		out[i] = claude.Request{UserID: user, Path: p}
	}
	return out
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// fakeCost prices the fake's billed token totals with the published price.
func fakeCost(st claudetest.Stats, p claude.Price) float64 {
	std := claude.Usage{InputTokens: st.StandardInput, OutputTokens: st.StandardOutput,
		CacheCreationInputTokens: st.StandardCacheWrite, CacheReadInputTokens: st.StandardCacheRead}
	bat := claude.Usage{InputTokens: st.BatchInput, OutputTokens: st.BatchOutput,
		CacheCreationInputTokens: st.BatchCacheWrite, CacheReadInputTokens: st.BatchCacheRead}
	return p.Cost(std, false) + p.Cost(bat, true)
}

func cents(usd float64) int64 { return int64(math.Round(usd * 100)) }

// waitUntil polls cond until it holds, failing the test after a minute
// rather than hanging it.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
