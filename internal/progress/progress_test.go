package progress_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/targetvision/targetvision/internal/progress"
)

// fakeStore is a job store whose changes the test makes: a progress value
// per user, and the listeners it signals.
type fakeStore struct {
	mu        sync.Mutex
	progress  map[int64]int
	listeners map[int]func(int64)
	next      int
	listens   int   // Listen calls
	fail      error // the next Listen returns this at once
	reads     map[int64]int
}

func newFakeStore() *fakeStore {
	return &fakeStore{progress: map[int64]int{}, listeners: map[int]func(int64){}, reads: map[int64]int{}}
}

func (f *fakeStore) Listen(ctx context.Context, ready func(), fn func(int64)) error {
	f.mu.Lock()
	f.listens++
	if err := f.fail; err != nil {
		f.fail = nil
		f.mu.Unlock()
		return err
	}
	id := f.next
	f.next++
	f.listeners[id] = fn
	f.mu.Unlock()
	ready()
	<-ctx.Done()
	f.mu.Lock()
	delete(f.listeners, id)
	f.mu.Unlock()
	return ctx.Err()
}

func (f *fakeStore) Read(_ context.Context, uid int64) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads[uid]++
	return fmt.Appendf(nil, `{"done":%d}`, f.progress[uid]), nil
}

// change moves uid's progress on; signal says whether listeners hear of it.
func (f *fakeStore) change(uid int64, signal bool) {
	f.mu.Lock()
	f.progress[uid]++
	var fns []func(int64)
	if signal {
		for _, fn := range f.listeners {
			fns = append(fns, fn)
		}
	}
	f.mu.Unlock()
	for _, fn := range fns {
		fn(uid)
	}
}

func (f *fakeStore) listening() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.listeners)
}

func (f *fakeStore) readsOf(uid int64) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.reads[uid]
}

func recv(t *testing.T, ch <-chan []byte) string {
	t.Helper()
	select {
	case b := <-ch:
		return string(b)
	default:
		t.Fatal("no progress waiting")
		return ""
	}
}

func none(t *testing.T, ch <-chan []byte, who string) {
	t.Helper()
	select {
	case b := <-ch:
		t.Fatalf("%s got %s, want nothing", who, b)
	default:
	}
}

// TestFanOut: one change of a user is read once and reaches every stream of
// that user, none of another's; while nothing changes, nothing is read.
func TestFanOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fs := newFakeStore()
		h := progress.New(progress.Config{Listen: fs.Listen, Read: fs.Read})
		var chans []<-chan []byte
		for range 3 {
			ch, cancel, err := h.Subscribe(t.Context(), 1)
			if err != nil {
				t.Fatal(err)
			}
			defer cancel()
			chans = append(chans, ch)
		}
		other, cancel, err := h.Subscribe(t.Context(), 2)
		if err != nil {
			t.Fatal(err)
		}
		defer cancel()
		for _, ch := range chans {
			if got := recv(t, ch); got != `{"done":0}` {
				t.Fatalf("first progress %s", got)
			}
		}
		recv(t, other)
		if n := fs.readsOf(1); n != 1 {
			t.Fatalf("three streams of one user read its progress %d times, want once", n)
		}
		// Once the listener listens, the hub reads what it may have
		// missed meanwhile; then an hour of nothing: no reads at all.
		time.Sleep(time.Second)
		synctest.Wait()
		base := fs.readsOf(1)
		before := h.Reads()
		time.Sleep(time.Hour)
		synctest.Wait()
		if h.Reads() != before {
			t.Fatalf("%d reads in a quiet hour", h.Reads()-before)
		}
		// A burst of changes: read once, pushed to each of the user's streams.
		for range 5 {
			fs.change(1, true)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if n := fs.readsOf(1) - base; n != 1 {
			t.Fatalf("a burst of 5 changes made %d reads, want 1", n)
		}
		for i, ch := range chans {
			if got := recv(t, ch); got != `{"done":5}` {
				t.Fatalf("stream %d got %s", i, got)
			}
		}
		none(t, other, "another user's stream")
		if fs.readsOf(2) != 2 {
			t.Fatalf("another user's progress was read %d times, want twice (subscribing, listening)", fs.readsOf(2))
		}
	})
}

// TestReconnect: progress made while the listener was lost reaches the
// streams once it is back.
func TestReconnect(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fs := newFakeStore()
		h := progress.New(progress.Config{Listen: fs.Listen, Read: fs.Read})
		fs.fail = errors.New("connection refused")
		ch, cancel, err := h.Subscribe(t.Context(), 1)
		if err != nil {
			t.Fatal(err)
		}
		defer cancel()
		recv(t, ch)
		fs.change(1, false) // nobody listening: not heard
		time.Sleep(time.Minute)
		synctest.Wait()
		if fs.listening() != 1 {
			t.Fatal("the listener did not reconnect")
		}
		if got := recv(t, ch); got != `{"done":1}` {
			t.Fatalf("after reconnecting the stream got %s, want the progress missed meanwhile", got)
		}
	})
}

// TestPoll: with Poll set, progress no listener heard (another process on
// SQLite) still arrives.
func TestPoll(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fs := newFakeStore()
		h := progress.New(progress.Config{Listen: fs.Listen, Read: fs.Read, Poll: 5 * time.Second})
		ch, cancel, err := h.Subscribe(t.Context(), 1)
		if err != nil {
			t.Fatal(err)
		}
		defer cancel()
		recv(t, ch)
		fs.change(1, false)
		time.Sleep(6 * time.Second)
		synctest.Wait()
		if got := recv(t, ch); got != `{"done":1}` {
			t.Fatalf("polled progress %s", got)
		}
		time.Sleep(time.Minute)
		synctest.Wait()
		none(t, ch, "an unchanged poll")
	})
}

// TestListenOnlyWhileSubscribed: the last stream closing stops listening
// (on Postgres, the LISTEN connection); the next stream starts it again.
func TestListenOnlyWhileSubscribed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fs := newFakeStore()
		h := progress.New(progress.Config{Listen: fs.Listen, Read: fs.Read})
		_, c1, _ := h.Subscribe(t.Context(), 1)
		_, c2, _ := h.Subscribe(t.Context(), 2)
		synctest.Wait()
		if fs.listening() != 1 {
			t.Fatalf("%d listeners for two streams, want 1", fs.listening())
		}
		c1()
		synctest.Wait()
		if fs.listening() != 1 {
			t.Fatal("stopped listening while a stream is open")
		}
		c2()
		synctest.Wait()
		if fs.listening() != 0 {
			t.Fatal("still listening with no stream open")
		}
		ch, c3, _ := h.Subscribe(t.Context(), 1)
		defer c3()
		recv(t, ch)
		fs.change(1, true) // before the new listener listens: caught up when it does
		synctest.Wait()
		time.Sleep(time.Second)
		synctest.Wait()
		if got := recv(t, ch); got != `{"done":1}` {
			t.Fatalf("a stream opened after all closed got %s", got)
		}
	})
}
