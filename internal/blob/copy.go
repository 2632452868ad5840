package blob

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"sync"
	"time"
)

// CopyOptions configure Copy.
type CopyOptions struct {
	// Prefixes are the key prefixes to copy; none means every key.
	Prefixes []string
	// Move deletes each source blob once its copy is in place and has the
	// source's size.
	Move bool
	// Workers copy in parallel; default 4.
	Workers int
	// Progress, if set, is told after each blob (from one goroutine at a
	// time).
	Progress func(CopyProgress)
}

// CopyProgress counts what Copy has done so far.
type CopyProgress struct {
	// Copied blobs were written to the destination; Skipped were there
	// already with the same size and no older than the source (an earlier,
	// interrupted run).
	Copied, Skipped int
	// Bytes is the size of the blobs copied.
	Bytes int64
	// Key is the blob just handled.
	Key string
}

// Copy copies every blob under the prefixes from one store to another. It
// is resumable: a blob already at the destination with the same size, and
// not written again in the source since, is skipped (and, with Move, removed from the source), so running it again
// after an interruption finishes the job without copying anything twice.
func Copy(ctx context.Context, from, to Store, opts CopyOptions) (CopyProgress, error) {
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	prefixes := opts.Prefixes
	if len(prefixes) == 0 {
		prefixes = []string{""}
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		mu   sync.Mutex
		done CopyProgress
		wg   sync.WaitGroup
	)
	keys := make(chan Info)
	for range opts.Workers {
		wg.Go(func() {
			for info := range keys {
				copied, err := copyOne(ctx, from, to, info, opts.Move)
				if err != nil {
					cancel(err)
					continue // drain
				}
				mu.Lock()
				if copied {
					done.Copied++
					done.Bytes += info.Size
				} else {
					done.Skipped++
				}
				done.Key = info.Key
				if opts.Progress != nil {
					opts.Progress(done)
				}
				mu.Unlock()
			}
		})
	}
	var listErr error
	for _, p := range prefixes {
		listErr = feed(ctx, from.List(ctx, p), keys)
		if listErr != nil {
			break
		}
	}
	close(keys)
	wg.Wait()
	// The cause is a worker's error or the caller's cancellation; a listing
	// error matters only without one (it is then the cancellation itself).
	err := context.Cause(ctx)
	if err == nil {
		err = listErr
	}
	done.Key = ""
	if err != nil {
		return done, fmt.Errorf("blob: copy from %s to %s: %w", from.Describe(), to.Describe(), err)
	}
	return done, nil
}

func feed(ctx context.Context, list iter.Seq2[Info, error], keys chan<- Info) error {
	for info, err := range list {
		if err != nil {
			return err
		}
		select {
		case keys <- info:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// rewritten reports whether the source blob was written again after the
// destination's copy was made: a thumbnail made anew (its photo edited)
// keeps its key and may keep its size. Modification times are compared to
// the second, which is all S3 keeps; a rewrite within the second of the copy
// goes unseen.
func rewritten(src, dst Info) bool {
	return src.ModTime.Truncate(time.Second).After(dst.ModTime)
}

// copyOne copies one blob unless the destination has it already; with
// move it then removes the source.
func copyOne(ctx context.Context, from, to Store, info Info, move bool) (copied bool, err error) {
	st, err := to.Stat(ctx, info.Key)
	switch {
	case err == nil && st.Size == info.Size && !rewritten(info, st):
	case err == nil || errors.Is(err, ErrNotFound):
		r, err := from.Open(ctx, info.Key)
		if errors.Is(err, ErrNotFound) {
			return false, nil // removed since it was listed
		}
		if err != nil {
			return false, err
		}
		err = to.Put(ctx, info.Key, r, r.Size)
		r.Close()
		if err != nil {
			return false, err
		}
		if st, err = to.Stat(ctx, info.Key); err != nil {
			return false, err
		}
		if st.Size != r.Size {
			return false, fmt.Errorf("blob: copy of %s has %d bytes, want %d", info.Key, st.Size, r.Size)
		}
		copied = true
	default:
		return false, err
	}
	if move {
		if err := from.Delete(ctx, info.Key); err != nil {
			return copied, err
		}
	}
	return copied, nil
}
