// Package storetest opens scratch stores for tests and holds the store
// conformance suite that every dialect must pass.
//
// Postgres tests read TARGETVISION_TEST_DATABASE_URL (an admin URL of a test
// cluster; .ci/run starts one). Without it a Postgres test fails when CI=true
// — a skipped database test in CI would hide a broken set-up — and skips
// otherwise, so `go test ./...` still works on a laptop without Postgres.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/targetvision/targetvision/internal/store"
	"github.com/targetvision/targetvision/internal/testshared"
)

// EnvPostgres names the environment variable with the test cluster's URL.
const EnvPostgres = "TARGETVISION_TEST_DATABASE_URL"

// OpenSQLite returns a migrated store in a fresh file under t.TempDir().
func OpenSQLite(t testing.TB, opts store.Options) *store.DB {
	t.Helper()
	db, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "tv.db"), opts)
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// PostgresURL creates a fresh, empty database on the test cluster and
// returns its URL; the database is dropped when the test ends.
func PostgresURL(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(EnvPostgres)
	if admin == "" {
		if testshared.InCI() {
			t.Fatalf("%s is not set: CI must run the Postgres tests (see .ci/run)", EnvPostgres)
		}
		t.Skipf("%s not set; Postgres tests skipped outside CI", EnvPostgres)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	adb, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatalf("postgres admin: %v", err)
	}
	defer adb.Close()
	b := make([]byte, 6)
	rand.Read(b)
	name := "tv_test_" + hex.EncodeToString(b)
	if _, err := adb.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		adb, err := sql.Open("pgx", admin)
		if err != nil {
			return
		}
		defer adb.Close()
		adb.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("bad %s: %v", EnvPostgres, err)
	}
	u.Path = "/" + name
	return u.String()
}

// OpenPostgres returns a migrated store on a fresh database of the test cluster.
func OpenPostgres(t testing.TB, opts store.Options) *store.DB {
	t.Helper()
	db, err := store.Open(t.Context(), PostgresURL(t), opts)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// OpenPostgresWithoutRum is OpenPostgres as a server without the rum
// extension leaves it (migration 00011): full text on its GIN index, every
// match ranked. CI's cluster has rum, so this keeps the other path tested.
func OpenPostgresWithoutRum(t testing.TB, opts store.Options) *store.DB {
	t.Helper()
	url := PostgresURL(t)
	db, err := store.Open(t.Context(), url, opts)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	for _, q := range []string{
		"DROP INDEX IF EXISTS photo_search_rum",
		"CREATE INDEX IF NOT EXISTS photo_search_tsv ON photo_search USING gin (tsv)",
	} {
		if _, err := db.SQL().ExecContext(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	if db, err = store.Open(t.Context(), url, opts); err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	if db.RankedTextIndex() {
		t.Fatal("the store still reports a ranked text index")
	}
	t.Cleanup(func() { db.Close() })
	return db
}
