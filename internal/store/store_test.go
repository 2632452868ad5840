package store_test

import (
	"testing"

	"github.com/targetvision/targetvision/internal/store"
	"github.com/targetvision/targetvision/internal/store/storetest"
	"github.com/targetvision/targetvision/internal/testshared"
)

func TestSQLite(t *testing.T) {
	t.Parallel()
	storetest.Run(t, storetest.OpenSQLite)
}

func TestPostgres(t *testing.T) {
	t.Parallel()
	if testshared.InCI() && !storetest.OpenPostgres(t, store.Options{}).RankedTextIndex() {
		t.Fatal("the CI cluster has no rum extension (scripts/install-deps.sh installs postgresql-15-rum): the text leg's ranked index goes untested")
	}
	storetest.Run(t, storetest.OpenPostgres)
}

// TestPostgresWithoutRum runs the suite on Postgres as it is without the
// rum extension: the same answers, from the GIN index.
func TestPostgresWithoutRum(t *testing.T) {
	t.Parallel()
	storetest.Run(t, storetest.OpenPostgresWithoutRum)
}
