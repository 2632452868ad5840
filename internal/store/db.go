package store

import (
	"cmp"
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // database/sql driver "sqlite", pure Go
)

//go:embed migrations
var migrations embed.FS

// Dialect names a database family.
type Dialect string

// The supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is the store on either dialect. It is safe for concurrent use.
type DB struct {
	db      *sql.DB
	dialect Dialect
	now     func() time.Time
	// rankIndex: Postgres full text has an index that returns matches
	// best first (rum), so the text leg need not rank every match. Set
	// at Open and after each Migrate.
	rankIndex atomic.Bool
	// lang is the full-text language; stops caches its stop words (Postgres).
	lang  textLanguage
	stops stopCache
	log   *slog.Logger
	// dsn is the Postgres URL, for connections of their own (LISTEN).
	dsn string
	// signals fan job changes out to this process's listeners (SQLite).
	signals jobSignals
}

// Options tune Open. The zero value is ready to use.
type Options struct {
	// Now is the clock; default time.Now. Tests move it to exercise leases.
	Now func() time.Time
	// SkipMigrate leaves the schema alone (the `migrate` command and tests of
	// migrations use it); by default Open migrates to the latest version.
	SkipMigrate bool
	// TextLanguage is the language of full-text search, one of
	// TextLanguages; default DefaultTextLanguage ("english"). Migrate
	// rebuilds the full-text index when it was built for another.
	TextLanguage string
	// Logger receives notes on long maintenance (a full-text rebuild);
	// default slog.Default().
	Logger *slog.Logger
}

// Open connects to the store named by dsn: a postgres:// or postgresql:// URL
// selects PostgreSQL, anything else is a path to the SQLite file (created with
// its directory). Unless opts.SkipMigrate, pending migrations are applied.
func Open(ctx context.Context, dsn string, opts Options) (*DB, error) {
	s := &DB{now: opts.Now, log: cmp.Or(opts.Logger, slog.Default())}
	if s.now == nil {
		s.now = time.Now
	}
	var err error
	if s.lang, err = newTextLanguage(opts.TextLanguage); err != nil {
		return nil, err
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		s.dialect = Postgres
		s.dsn = shortQuerySettings(dsn)
		s.db, err = sql.Open("pgx", s.dsn)
		if err == nil {
			s.db.SetMaxOpenConns(20)
			s.db.SetMaxIdleConns(10)
			s.db.SetConnMaxIdleTime(5 * time.Minute)
		}
	} else {
		s.dialect = SQLite
		if err := os.MkdirAll(filepath.Dir(dsn), 0o700); err != nil {
			return nil, fmt.Errorf("store: create data dir: %w", err)
		}
		// The file holds password hashes and sealed tokens: only its owner
		// may read it, whatever the umask. SQLite gives its -wal and -shm
		// files the database file's mode.
		if err := ownerOnly(dsn); err != nil {
			return nil, err
		}
		// WAL lets readers run beside the single writer; IMMEDIATE transactions
		// take the write lock up front so two writers queue on busy_timeout
		// instead of failing with SQLITE_BUSY on lock upgrade. Reads go
		// through a memory map (no read syscall per page, and one copy of
		// the hot pages shared by every connection) and a 32 MiB page
		// cache per connection; the connections stay open, as closing one
		// throws its cache away.
		q := "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)" +
			"&_pragma=mmap_size(17179869184)&_pragma=cache_size(-32768)&_txlock=immediate"
		s.db, err = sql.Open("sqlite", "file:"+dsn+q)
		if err == nil {
			s.db.SetMaxOpenConns(8)
			s.db.SetMaxIdleConns(8)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", s.dialect, err)
	}
	if err := s.db.PingContext(ctx); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("store: connect %s: %w", s.dialect, err)
	}
	if !opts.SkipMigrate {
		if _, err := s.Migrate(ctx); err != nil {
			s.db.Close()
			return nil, err
		}
	}
	if err := s.findRankIndex(ctx); err != nil {
		s.db.Close()
		return nil, err
	}
	return s, nil
}

// findRankIndex looks for the full-text index rum's migration makes.
func (s *DB) findRankIndex(ctx context.Context) error {
	if s.dialect != Postgres {
		return nil
	}
	var found bool
	err := s.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_indexes
		WHERE schemaname = current_schema() AND indexname = 'photo_search_rum')`).Scan(&found)
	if err != nil {
		return fmt.Errorf("store: look for the text rank index: %w", err)
	}
	s.rankIndex.Store(found)
	return nil
}

// RankedTextIndex reports whether full-text matches come from an index that
// returns them best first (Postgres with the rum extension). Without it a
// search ranks every photo its words match, which is slow for common words
// in a library of hundreds of thousands of photos; SQLite's FTS5 needs none.
func (s *DB) RankedTextIndex() bool { return s.dialect == SQLite || s.rankIndex.Load() }

// querier is the pool or a transaction, for reads that run on either.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Dialect reports which database this store runs on.
func (s *DB) Dialect() Dialect { return s.dialect }

// SQL exposes the connection pool for packages that own dialect-specific
// queries of their own (the vector index, benchmarks). Scope by user there too.
func (s *DB) SQL() *sql.DB { return s.db }

// Close releases the connection pool.
func (s *DB) Close() error { return s.db.Close() }

// Ping checks that the database answers.
func (s *DB) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

func (s *DB) migrator() (*goose.Provider, error) {
	sub, err := fs.Sub(migrations, "migrations/"+string(s.dialect))
	if err != nil {
		return nil, fmt.Errorf("store: migrations: %w", err)
	}
	d := goose.DialectSQLite3
	if s.dialect == Postgres {
		d = goose.DialectPostgres
	}
	p, err := goose.NewProvider(d, s.db, sub)
	if err != nil {
		return nil, fmt.Errorf("store: migrations: %w", err)
	}
	return p, nil
}

// Migrate applies pending migrations and returns how many ran. Concurrent
// callers on Postgres are serialised by an advisory lock.
func (s *DB) Migrate(ctx context.Context) (int, error) {
	if s.dialect == Postgres {
		conn, err := s.db.Conn(ctx)
		if err != nil {
			return 0, fmt.Errorf("store: migrate: %w", err)
		}
		defer conn.Close()
		const lockID = 7_461_726_765 // "targetvision" migrations
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", lockID); err != nil {
			return 0, fmt.Errorf("store: migrate lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", lockID)
	}
	p, err := s.migrator()
	if err != nil {
		return 0, err
	}
	res, err := p.Up(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: migrate: %w", err)
	}
	if err := s.syncTextLanguage(ctx); err != nil {
		return len(res), err
	}
	if err := s.fillPlaces(ctx); err != nil {
		return len(res), err
	}
	return len(res), s.findRankIndex(ctx)
}

// Pending reports whether migrations remain to be applied (readiness checks).
func (s *DB) Pending(ctx context.Context) (bool, error) {
	p, err := s.migrator()
	if err != nil {
		return false, err
	}
	ok, err := p.HasPending(ctx)
	if err != nil {
		return false, fmt.Errorf("store: migration status: %w", err)
	}
	return ok, nil
}

// ts encodes a time for the dialect: NULL for the zero time; RFC 3339 UTC
// text with fixed width on SQLite (so it sorts as it compares); time.Time on
// Postgres.
func (s *DB) ts(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	if s.dialect == SQLite {
		return t.UTC().Format(sqliteTime)
	}
	return t.UTC()
}

const sqliteTime = "2006-01-02T15:04:05.000000Z"

// ownerOnly creates the SQLite file as 0600 if it is missing, and takes
// group and other permissions off an existing one.
func ownerOnly(path string) error {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("store: create %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("store: %s: %w", path, err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if err := f.Chmod(fi.Mode().Perm() &^ 0o077); err != nil {
			return fmt.Errorf("store: restrict %s to its owner: %w", path, err)
		}
	}
	for _, side := range []string{path + "-wal", path + "-shm"} {
		if fi, err := os.Stat(side); err == nil && fi.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(side, fi.Mode().Perm()&^0o077); err != nil {
				return fmt.Errorf("store: restrict %s to its owner: %w", side, err)
			}
		}
	}
	return nil
}

// nullTime scans either dialect's time encoding.
type nullTime struct{ t *time.Time }

func (n nullTime) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*n.t = time.Time{}
	case time.Time:
		*n.t = x.UTC()
	case string:
		return n.parse(x)
	case []byte:
		return n.parse(string(x))
	default:
		return fmt.Errorf("store: cannot scan %T as time", v)
	}
	return nil
}

func (n nullTime) parse(s string) error {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("store: bad time %q: %w", s, err)
	}
	*n.t = t.UTC()
	return nil
}

// tm wraps a destination for Scan.
func tm(t *time.Time) nullTime { return nullTime{t} }

// isUnique reports whether err is a unique-constraint violation on either dialect.
func isUnique(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "UNIQUE constraint failed") || strings.Contains(msg, "SQLSTATE 23505")
}

// notFound maps sql.ErrNoRows to ErrNotFound, wrapping everything else.
func notFound(what string, err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store: %s: %w", what, ErrNotFound)
	}
	return fmt.Errorf("store: %s: %w", what, err)
}

// inTx runs fn in a transaction, committing on nil and rolling back otherwise.
func (s *DB) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// placeholders returns "$from, $from+1, …" for n values.
func placeholders(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", from+i)
	}
	return b.String()
}

// shortQuerySettings sets, for this application's connections and unless
// the URL says otherwise, what suits its short queries: no JIT compiler
// (measured 1.6× slower on the search benchmark) and no parallel workers —
// a worker is a process started per query, ~20 ms here, for a scan that
// takes 4 (an album's exact vector scan at 1M photos: 32 → 6 ms).
func shortQuerySettings(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn
	}
	q := u.Query()
	for k, v := range map[string]string{"jit": "off", "max_parallel_workers_per_gather": "0"} {
		if q.Get(k) == "" {
			q.Set(k, v)
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}
