package smugmugtest_test

import (
	"testing"

	"github.com/targetvision/targetvision/internal/smugmug"
	"github.com/targetvision/targetvision/internal/smugmug/smugmugtest"
)

func TestMemStoreConformance(t *testing.T) {
	t.Parallel()
	smugmugtest.RunStoreTests(t, func(*testing.T) smugmug.Store { return smugmugtest.NewMemStore() })
}
