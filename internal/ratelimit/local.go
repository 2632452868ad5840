package ratelimit

import (
	"container/list"
	"context"
	"sync"
	"time"
)

// Local keeps buckets in this process's memory, in an LRU of at most a
// fixed number of keys: an attacker cycling through keys costs memory up to
// the bound and no more. A key evicted from the LRU starts again with a full
// bucket, so the bound should comfortably exceed the keys active within one
// refill period. Its budgets are per process: on a shared Postgres the
// store's buckets hold instead.
type Local struct {
	maxKeys int
	now     func() time.Time

	mu    sync.Mutex
	order *list.List // front = most recently used; values are *localEntry
	items map[string]*list.Element
}

type localEntry struct {
	key string
	tat time.Time
}

// NewLocal returns in-memory buckets remembering up to maxKeys keys
// (default 10000 when maxKeys <= 0). now is the clock (nil means
// time.Now); tests pass a fake clock so no test depends on timing.
func NewLocal(maxKeys int, now func() time.Time) *Local {
	if maxKeys <= 0 {
		maxKeys = 10000
	}
	if now == nil {
		now = time.Now
	}
	return &Local{maxKeys: maxKeys, now: now, order: list.New(), items: make(map[string]*list.Element)}
}

// entry returns key's entry, creating a full bucket (and evicting the least
// recently used key beyond the bound) as needed. The caller holds mu.
func (b *Local) entry(key string) *localEntry {
	if el, ok := b.items[key]; ok {
		b.order.MoveToFront(el)
		return el.Value.(*localEntry)
	}
	e := &localEntry{key: key}
	b.items[key] = b.order.PushFront(e)
	for b.order.Len() > b.maxKeys {
		oldest := b.order.Back()
		b.order.Remove(oldest)
		delete(b.items, oldest.Value.(*localEntry).key)
	}
	return e
}

// Take implements Buckets.
func (b *Local) Take(_ context.Context, key string, l Limit) (bool, time.Duration, error) {
	if err := l.Validate(); err != nil {
		return false, 0, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	e := b.entry(key)
	ok, tat, wait := Next(e.tat, b.now(), l)
	if ok {
		e.tat = tat
	}
	return ok, wait, nil
}

// Reserve implements Buckets.
func (b *Local) Reserve(_ context.Context, key string, l Limit) (time.Duration, error) {
	if err := l.Validate(); err != nil {
		return 0, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	e := b.entry(key)
	_, tat, wait := Next(e.tat, b.now(), l)
	e.tat = tat
	return wait, nil
}

// Hold implements Buckets.
func (b *Local) Hold(_ context.Context, key string, l Limit, until time.Time) error {
	if err := l.Validate(); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	e := b.entry(key)
	if t := HoldTAT(l, until); t.After(e.tat) {
		e.tat = t
	}
	return nil
}

// Reset implements Buckets.
func (b *Local) Reset(_ context.Context, key string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if el, ok := b.items[key]; ok {
		b.order.Remove(el)
		delete(b.items, key)
	}
	return nil
}

// Len returns how many keys are remembered (for tests and metrics).
func (b *Local) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.order.Len()
}
