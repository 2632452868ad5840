// Package progress pushes each user's job progress to the open event
// streams of this process. A change of a user's jobs is published once, by
// the store (Postgres LISTEN/NOTIFY, heard by every process; an in-process
// signal on SQLite), and the hub reads that user's progress once and hands
// it to every stream of the user: a stream costs a goroutine and a channel,
// and no query while nothing changes — where each stream used to count the
// jobs table every second.
package progress

import (
	"bytes"
	"context"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"
)

// Listener calls ready once it listens, then fn with the id of each user
// whose jobs changed, until ctx ends or the connection it listens on is
// lost (store.DB.ListenJobs).
type Listener func(ctx context.Context, ready func(), fn func(userID int64)) error

// Reader reads a user's progress as the event a stream sends.
type Reader func(ctx context.Context, userID int64) ([]byte, error)

// Config configures a Hub. Listen and Read are required.
type Config struct {
	Listen Listener
	Read   Reader
	// Settle is how long the hub gathers changes before reading: a worker
	// finishing jobs back to back makes one read per Settle, not one per
	// job. Default 250ms.
	Settle time.Duration
	// Poll, if positive, re-reads every subscribed user's progress this
	// often even when nothing was heard: for a Listener that does not hear
	// other processes (SQLite: a CLI run beside the server). Default 0.
	Poll time.Duration
	// Logger hears of lost listeners. Default discards.
	Logger *slog.Logger
}

// Hub fans progress out to subscribers. It listens only while someone is
// subscribed.
type Hub struct {
	cfg Config

	mu    sync.Mutex
	subs  map[int64]map[*sub]struct{}
	last  map[int64][]byte // the progress each subscribed user's streams last got
	dirty map[int64]bool
	all   bool          // every subscribed user is dirty (the listener reconnected)
	wake  chan struct{} // a change arrived (buffered 1)
	stop  context.CancelFunc
	done  chan struct{} // closed when the running listener has stopped
	reads int           // progress reads made, for tests
}

type sub struct {
	ch chan []byte // the latest progress not yet taken (buffered 1)
}

// New returns a hub.
func New(cfg Config) *Hub {
	if cfg.Settle <= 0 {
		cfg.Settle = 250 * time.Millisecond
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Hub{cfg: cfg, subs: map[int64]map[*sub]struct{}{}, last: map[int64][]byte{}, dirty: map[int64]bool{},
		wake: make(chan struct{}, 1)}
}

// Subscribe opens a stream of userID's progress: the channel has the
// current progress at once, then each change. Only the newest progress
// waits in the channel: a slow reader skips what it missed. Call cancel
// when done; ctx bounds the first read and, on the first subscription, the
// hub's listener is started with ctx's values but not its cancellation.
func (h *Hub) Subscribe(ctx context.Context, userID int64) (<-chan []byte, func(), error) {
	s := &sub{ch: make(chan []byte, 1)}
	h.mu.Lock()
	if len(h.subs) == 0 && h.stop == nil {
		lctx, stop := context.WithCancel(context.WithoutCancel(ctx))
		h.stop, h.done = stop, make(chan struct{})
		go h.run(lctx, h.done)
	}
	if h.subs[userID] == nil {
		h.subs[userID] = map[*sub]struct{}{}
	}
	h.subs[userID][s] = struct{}{}
	cur, known := h.last[userID]
	h.mu.Unlock()
	cancel := func() { h.unsubscribe(userID, s) }
	if !known {
		var err error
		if cur, err = h.read(ctx, userID); err != nil {
			cancel()
			return nil, nil, err
		}
		h.mu.Lock()
		if _, raced := h.last[userID]; !raced {
			h.last[userID] = cur
		}
		h.mu.Unlock()
	}
	h.mu.Lock()
	select {
	case s.ch <- cur:
	default: // a newer progress was published meanwhile
	}
	h.mu.Unlock()
	return s.ch, cancel, nil
}

func (h *Hub) unsubscribe(userID int64, s *sub) {
	h.mu.Lock()
	delete(h.subs[userID], s)
	if len(h.subs[userID]) == 0 {
		delete(h.subs, userID)
		delete(h.last, userID)
		delete(h.dirty, userID)
	}
	var stop context.CancelFunc
	var done chan struct{}
	if len(h.subs) == 0 && h.stop != nil {
		stop, done, h.stop = h.stop, h.done, nil
	}
	h.mu.Unlock()
	if stop != nil {
		stop()
		<-done
	}
}

// changed marks userID's progress stale; it runs on the listener's or the
// changing goroutine and never blocks.
func (h *Hub) changed(userID int64) {
	h.mu.Lock()
	if _, ok := h.subs[userID]; ok {
		h.dirty[userID] = true
	}
	h.mu.Unlock()
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

func (h *Hub) markAll() {
	h.mu.Lock()
	h.all = true
	h.mu.Unlock()
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// run listens, reconnecting with backoff, and publishes until ctx ends.
func (h *Hub) run(ctx context.Context, done chan struct{}) {
	defer close(done)
	var wg sync.WaitGroup
	wg.Go(func() { h.listen(ctx) })
	defer wg.Wait()
	var poll <-chan time.Time
	if h.cfg.Poll > 0 {
		t := time.NewTicker(h.cfg.Poll)
		defer t.Stop()
		poll = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-poll:
			h.markAll()
			continue
		case <-h.wake:
		}
		// Let the burst this change belongs to settle, then read once.
		t := time.NewTimer(h.cfg.Settle)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		h.publish(ctx)
	}
}

func (h *Hub) listen(ctx context.Context) {
	failures := 0
	for ctx.Err() == nil {
		start := time.Now()
		// Changes made before the listener listened were not heard:
		// once it does, every subscribed user's progress is read again.
		err := h.cfg.Listen(ctx, h.markAll, h.changed)
		if ctx.Err() != nil {
			return
		}
		if time.Since(start) > time.Minute {
			failures = 0
		}
		failures++
		wait := min(time.Duration(1<<min(failures-1, 5))*time.Second, 30*time.Second)
		wait = wait/2 + rand.N(wait/2+1)
		h.cfg.Logger.WarnContext(ctx, "progress: listening for job changes failed; progress is re-read after reconnecting",
			"err", err, "retry_in", wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// publish reads the progress of each stale user once and hands what
// changed to each of the user's streams.
func (h *Hub) publish(ctx context.Context) {
	h.mu.Lock()
	var users []int64
	if h.all {
		for uid := range h.subs {
			users = append(users, uid)
		}
	} else {
		for uid := range h.dirty {
			users = append(users, uid)
		}
	}
	h.all = false
	clear(h.dirty)
	h.mu.Unlock()
	for _, uid := range users {
		cur, err := h.read(ctx, uid)
		if err != nil {
			if ctx.Err() == nil {
				h.cfg.Logger.WarnContext(ctx, "progress: read", "user_id", uid, "err", err)
				h.changed(uid) // try again with the next change or poll
			}
			continue
		}
		h.mu.Lock()
		if bytes.Equal(h.last[uid], cur) || h.subs[uid] == nil {
			h.mu.Unlock()
			continue
		}
		h.last[uid] = cur
		for s := range h.subs[uid] {
			select { // keep only the newest
			case <-s.ch:
			default:
			}
			s.ch <- cur
		}
		h.mu.Unlock()
	}
}

func (h *Hub) read(ctx context.Context, userID int64) ([]byte, error) {
	h.mu.Lock()
	h.reads++
	h.mu.Unlock()
	return h.cfg.Read(ctx, userID)
}

// Reads reports how many times the hub has read anyone's progress: the
// cost that streams share (for tests and metrics).
func (h *Hub) Reads() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.reads
}
