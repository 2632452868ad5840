package store

import "context"

// MigrateTo applies the migrations up to and including version: for tests
// of an upgrade from an older schema.
func MigrateTo(ctx context.Context, db *DB, version int64) error {
	p, err := db.migrator()
	if err != nil {
		return err
	}
	_, err = p.UpTo(ctx, version)
	return err
}
