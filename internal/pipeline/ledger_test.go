package pipeline_test

import (
	"testing"

	"github.com/targetvision/targetvision/internal/claude"
	"github.com/targetvision/targetvision/internal/claude/claudetest"
	"github.com/targetvision/targetvision/internal/pipeline"
	"github.com/targetvision/targetvision/internal/store"
	"github.com/targetvision/targetvision/internal/store/storetest"
)

// The store-backed ledger passes the claude package's ledger contract on both stores.
func TestLedgerConformance(t *testing.T) {
	t.Parallel()
	for name, open := range map[string]storetest.Opener{"sqlite": storetest.OpenSQLite, "postgres": storetest.OpenPostgres} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			claudetest.LedgerConformance(t, func(t *testing.T) claude.Ledger {
				return pipeline.Ledger{DB: open(t, store.Options{})}
			})
		})
	}
}
