package store

import (
	"context"
	"errors"
	"fmt"

	"modernc.org/sqlite"
)

// BackupSQLite writes a consistent copy of the SQLite database to the
// file path with SQLite's online backup API: other connections and
// processes go on reading and writing meanwhile. Postgres is backed up
// with pg_dump instead (errors.ErrUnsupported).
func (s *DB) BackupSQLite(ctx context.Context, path string) error {
	if s.dialect != SQLite {
		return fmt.Errorf("store: the online backup is SQLite's; back PostgreSQL up with pg_dump: %w", errors.ErrUnsupported)
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		src, ok := dc.(interface {
			NewBackup(dstURI string) (*sqlite.Backup, error)
		})
		if !ok {
			return fmt.Errorf("driver connection %T has no online backup", dc)
		}
		b, err := src.NewBackup(path)
		if err != nil {
			return err
		}
		// All pages in one step: the read transaction it holds sees one
		// state of the database, and in WAL mode writers are not blocked.
		if _, err := b.Step(-1); err != nil {
			b.Finish()
			return err
		}
		return b.Finish()
	})
	if err != nil {
		return fmt.Errorf("store: backup to %s: %w", path, err)
	}
	return nil
}
