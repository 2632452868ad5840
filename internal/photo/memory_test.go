package photo

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestDecodeBudgetCountsBytes: the 16-bit PNG of 10000×9999 that took
// 1.67 GB to index is under the pixel limit; what decoding it costs in bytes
// is what refuses it, while the same size at 8-bit gray passes.
func TestDecodeBudgetCountsBytes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, c := range []struct {
		name       string
		depth, ct  byte
		memory     *Memory
		tooLarge   bool
		wantNeedMB int64
	}{
		{"16-bit RGBA", 16, 6, nil, true, 762},
		{"16-bit RGBA, larger budget", 16, 6, NewMemory(1 << 30), false, 762},
		{"8-bit gray", 8, 0, nil, false, 95},
		{"8-bit RGBA, small budget", 8, 6, NewMemory(256 << 20), true, 381},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, c.name+".png")
			if err := os.WriteFile(path, pngHeaderOf(10000, 9999, c.depth, c.ct), 0o600); err != nil {
				t.Fatal(err)
			}
			f, err := load(t.Context(), path, Limits{Memory: c.memory}.withDefaults())
			if got := errors.Is(err, ErrTooLarge); got != c.tooLarge {
				t.Fatalf("too large = %v (%v), want %v", got, err, c.tooLarge)
			}
			if f.need>>20 != c.wantNeedMB {
				t.Errorf("need %d MiB, want %d", f.need>>20, c.wantNeedMB)
			}
		})
	}
}

// TestMemoryBudgetIsShared: decodes wait for each other's bytes; none
// holds more than the budget.
func TestMemoryBudgetIsShared(t *testing.T) {
	t.Parallel()
	m := NewMemory(100)
	release, err := m.acquire(t.Context(), 70)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if _, err := m.acquire(ctx, 40); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a second decode past the budget: %v, want it to wait", err)
	}
	got := make(chan error, 1)
	go func() {
		r, err := m.acquire(t.Context(), 40)
		if err == nil {
			r()
		}
		got <- err
	}()
	release()
	if err := <-got; err != nil {
		t.Fatalf("after the first released: %v", err)
	}
	var nilBudget *Memory
	r, err := nilBudget.acquire(t.Context(), 1<<40)
	if err != nil {
		t.Fatal(err)
	}
	r()
}

func TestProgressiveJPEG(t *testing.T) {
	t.Parallel()
	seg := func(marker byte, n int) []byte {
		return append([]byte{0xFF, marker, byte((n + 2) >> 8), byte(n + 2)}, make([]byte, n)...)
	}
	soi := []byte{0xFF, 0xD8}
	for _, c := range []struct {
		name string
		data []byte
		want bool
	}{
		{"progressive after APP1", append(append(append([]byte{}, soi...), seg(0xE1, 300)...), seg(0xC2, 15)...), true},
		{"baseline", append(append(append([]byte{}, soi...), seg(0xDB, 65)...), seg(0xC0, 15)...), false},
		{"DHT before SOF2", append(append(append([]byte{}, soi...), seg(0xC4, 20)...), seg(0xC2, 15)...), true},
		{"truncated", append(append([]byte{}, soi...), 0xFF, 0xE1, 0x10), false},
	} {
		if got := progressiveJPEG(c.data); got != c.want {
			t.Errorf("%s: progressive = %v, want %v", c.name, got, c.want)
		}
	}
}
