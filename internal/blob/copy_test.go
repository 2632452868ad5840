package blob_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/blob"
	"github.com/targetvision/targetvision/internal/blob/blobtest"
)

// countingStore counts the puts that reach a store.
type countingStore struct {
	blob.Store
	puts atomic.Int64
}

func (c *countingStore) Put(ctx context.Context, key string, r io.Reader, size int64) error {
	c.puts.Add(1)
	return c.Store.Put(ctx, key, r, size)
}

func fill(t *testing.T, s blob.Store, keys map[string][]byte) {
	t.Helper()
	for k, b := range keys {
		if err := s.Put(t.Context(), k, bytes.NewReader(b), int64(len(b))); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCopy(t *testing.T) {
	t.Parallel()
	for _, dst := range []struct {
		name string
		open func(t *testing.T) blob.Store
	}{
		{"dir", func(t *testing.T) blob.Store { return blob.NewDir(t.TempDir()) }},
		{"s3", func(t *testing.T) blob.Store { return openS3(t, blobtest.S3Options(t)) }},
	} {
		t.Run(dst.name, func(t *testing.T) {
			t.Parallel()
			t.Run("Move", func(t *testing.T) {
				t.Parallel()
				from, to := blob.NewDir(filepath.Join(t.TempDir(), "data")), dst.open(t)
				want := map[string][]byte{}
				for i := range 5 {
					want[fmt.Sprintf("thumbs/1/%d.jpg", i)] = []byte(fmt.Sprintf("thumb %d", i))
					want[fmt.Sprintf("renditions/1/%d.jpg", i)] = bytes.Repeat([]byte{byte(i)}, 1000*i)
				}
				fill(t, from, want)
				fill(t, from, map[string][]byte{"secret.key": []byte("not a blob"), "models/m/model.safetensors": []byte("weights")})
				res, err := blob.Copy(t.Context(), from, to, blob.CopyOptions{Prefixes: []string{"thumbs/", "renditions/"}, Move: true})
				if err != nil {
					t.Fatal(err)
				}
				if res.Copied != 10 || res.Skipped != 0 {
					t.Errorf("copied %d, skipped %d; want 10 and 0", res.Copied, res.Skipped)
				}
				for k, b := range want {
					r, err := to.Open(t.Context(), k)
					if err != nil {
						t.Fatal(err)
					}
					got, _ := io.ReadAll(r)
					r.Close()
					if !bytes.Equal(got, b) {
						t.Errorf("%s: copied %d bytes, want %d", k, len(got), len(b))
					}
					if _, err := from.Stat(t.Context(), k); !errors.Is(err, blob.ErrNotFound) {
						t.Errorf("%s still in the source after a move: %v", k, err)
					}
				}
				for _, k := range []string{"secret.key", "models/m/model.safetensors"} {
					if _, err := from.Stat(t.Context(), k); err != nil {
						t.Errorf("%s: outside the prefixes, yet moved: %v", k, err)
					}
					if _, err := to.Stat(t.Context(), k); !errors.Is(err, blob.ErrNotFound) {
						t.Errorf("%s: outside the prefixes, yet copied", k)
					}
				}
			})
			t.Run("Resume", func(t *testing.T) {
				t.Parallel()
				from := blob.NewDir(filepath.Join(t.TempDir(), "data"))
				to := &countingStore{Store: dst.open(t)}
				keys := map[string][]byte{}
				for i := range 12 {
					keys[fmt.Sprintf("thumbs/2/%d.jpg", i)] = []byte(fmt.Sprintf("photo %d", i))
				}
				fill(t, from, keys)
				ctx, cancel := context.WithCancel(t.Context())
				first, err := blob.Copy(ctx, from, to, blob.CopyOptions{Workers: 2, Progress: func(p blob.CopyProgress) {
					if p.Copied == 4 {
						cancel() // interrupted, as by Ctrl-C
					}
				}})
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("interrupted copy: %v; want context.Canceled", err)
				}
				if first.Copied < 4 || first.Copied >= 12 {
					t.Fatalf("interrupted copy copied %d of 12", first.Copied)
				}
				second, err := blob.Copy(t.Context(), from, to, blob.CopyOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if second.Copied+second.Skipped != 12 || second.Skipped < first.Copied {
					t.Errorf("second run copied %d and skipped %d after the first copied %d", second.Copied, second.Skipped, first.Copied)
				}
				if n := to.puts.Load(); n > 12+int64(2) {
					// At most the two workers' blobs in flight at the
					// interruption are written twice.
					t.Errorf("%d puts for 12 blobs: the second run copied again what the first had", n)
				}
				// A third run has nothing to do.
				third, err := blob.Copy(t.Context(), from, to, blob.CopyOptions{})
				if err != nil || third.Copied != 0 || third.Skipped != 12 {
					t.Errorf("third run: %+v, %v; want all 12 skipped", third, err)
				}
			})
			t.Run("Rewritten", func(t *testing.T) {
				// A thumbnail made again after a first run (its photo was
				// edited) has the same key, and may have the same size: the
				// next run copies it again, because it is newer than the copy.
				t.Parallel()
				from, to := blob.NewDir(filepath.Join(t.TempDir(), "data")), dst.open(t)
				fill(t, from, map[string][]byte{"thumbs/3/1.jpg": []byte("old thumb"), "thumbs/3/2.jpg": []byte("unchanged")})
				if _, err := blob.Copy(t.Context(), from, to, blob.CopyOptions{}); err != nil {
					t.Fatal(err)
				}
				time.Sleep(1100 * time.Millisecond) // S3 keeps modification times to the second
				fill(t, from, map[string][]byte{"thumbs/3/1.jpg": []byte("new thumb")})
				res, err := blob.Copy(t.Context(), from, to, blob.CopyOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if res.Copied != 1 || res.Skipped != 1 {
					t.Errorf("after a rewrite: copied %d, skipped %d; want 1 and 1", res.Copied, res.Skipped)
				}
				r, err := to.Open(t.Context(), "thumbs/3/1.jpg")
				if err != nil {
					t.Fatal(err)
				}
				got, _ := io.ReadAll(r)
				r.Close()
				if string(got) != "new thumb" {
					t.Errorf("the destination holds %q after the source was rewritten", got)
				}
			})
		})
	}
}
