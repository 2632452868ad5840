package store_test

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/targetvision/targetvision/internal/store"
	"github.com/targetvision/targetvision/internal/store/storetest"
)

// TestBackupSQLite: the online backup is a database that opens and holds
// what was written before it, while the source stays usable.
func TestBackupSQLite(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "tv.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u, err := db.EnsureDefaultUser(ctx)
	if err != nil {
		t.Fatal(err)
	}
	src, err := db.CreateSource(ctx, store.Source{UserID: u.ID, Kind: store.SourceLocal, Name: "lib", Path: "/lib"})
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "backup.db")
	if err := db.BackupSQLite(ctx, dst); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateSource(ctx, store.Source{UserID: u.ID, Kind: store.SourceLocal, Name: "after", Path: "/after"}); err != nil {
		t.Fatalf("the source after a backup: %v", err)
	}
	copyDB, err := store.Open(ctx, dst, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer copyDB.Close()
	srcs, err := copyDB.Sources(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(srcs) != 1 || srcs[0].ID != src.ID || srcs[0].Name != "lib" {
		t.Errorf("the backup holds sources %+v; want only %q", srcs, "lib")
	}
}

func TestBackupSQLiteRefusesPostgres(t *testing.T) {
	t.Parallel()
	db := storetest.OpenPostgres(t, store.Options{})
	if err := db.BackupSQLite(t.Context(), filepath.Join(t.TempDir(), "x.db")); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("Postgres: %v; want ErrUnsupported", err)
	}
}
