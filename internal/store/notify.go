package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"

	"github.com/jackc/pgx/v5"
)

// JobsChannel is the Postgres notification channel on which the jobs
// table's triggers publish, at commit, the id of each user whose jobs
// changed state (migration 00041).
const JobsChannel = "targetvision_jobs"

// jobSignals fans this process's job changes out to its ListenJobs
// callers (SQLite, where there is no LISTEN/NOTIFY).
type jobSignals struct {
	mu   sync.Mutex
	next int
	subs map[int]func(userID int64)
}

// jobsChanged tells this process's listeners whose jobs changed state. On
// Postgres the triggers publish to every process instead, so it does
// nothing there.
func (s *DB) jobsChanged(userIDs ...int64) {
	if s.dialect == Postgres || len(userIDs) == 0 {
		return
	}
	slices.Sort(userIDs)
	userIDs = slices.Compact(userIDs)
	s.signals.mu.Lock()
	fns := make([]func(int64), 0, len(s.signals.subs))
	for _, fn := range s.signals.subs {
		fns = append(fns, fn)
	}
	s.signals.mu.Unlock()
	for _, fn := range fns {
		for _, uid := range userIDs {
			fn(uid)
		}
	}
}

// ListenJobs calls ready once it listens, then fn with the id of each user
// whose jobs changed state, until ctx ends. On Postgres it hears every process (LISTEN on
// JobsChannel, on a connection of its own); on SQLite it hears this
// process only — another process's changes (a CLI run beside the server)
// are not signalled, so a caller that must see them also re-reads now and
// then. fn must not block: it runs on the goroutine that made the change
// (SQLite) or receives the notifications (Postgres). It returns when ctx
// ends (with ctx's error) or the connection is lost; changes made while no
// listener was listening are not told, so a caller should re-read
// everything when ready is called.
func (s *DB) ListenJobs(ctx context.Context, ready func(), fn func(userID int64)) error {
	if s.dialect == Postgres {
		return s.listenPostgres(ctx, ready, fn)
	}
	s.signals.mu.Lock()
	if s.signals.subs == nil {
		s.signals.subs = map[int]func(int64){}
	}
	id := s.signals.next
	s.signals.next++
	s.signals.subs[id] = fn
	s.signals.mu.Unlock()
	ready()
	<-ctx.Done()
	s.signals.mu.Lock()
	delete(s.signals.subs, id)
	s.signals.mu.Unlock()
	return ctx.Err()
}

func (s *DB) listenPostgres(ctx context.Context, ready func(), fn func(int64)) error {
	conn, err := pgx.Connect(ctx, s.dsn)
	if err != nil {
		return fmt.Errorf("store: listen for job changes: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+JobsChannel); err != nil {
		return fmt.Errorf("store: listen for job changes: %w", err)
	}
	ready()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("store: listen for job changes: %w", err)
		}
		if uid, err := strconv.ParseInt(n.Payload, 10, 64); err == nil {
			fn(uid)
		}
	}
}
