package claude_test

import (
	"testing"

	"github.com/targetvision/targetvision/internal/claude"
	"github.com/targetvision/targetvision/internal/claude/claudetest"
)

func TestMemLedgerConformance(t *testing.T) {
	t.Parallel()
	claudetest.LedgerConformance(t, func(t *testing.T) claude.Ledger { return claude.NewMemLedger() })
}
