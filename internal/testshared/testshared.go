// Package testshared finds the project's shared test material: ../shared
// beside the repository root (the directory holding go.mod), read in place
// as CI lays it out — never copied into the repository. Only tests and
// test helpers import it.
package testshared

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// Root walks up from the working directory to the directory holding go.mod.
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("testshared: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("testshared: go.mod not found above the working directory")
		}
		dir = parent
	}
}

// Path is a file or directory under ../shared (Path(t) is ../shared itself);
// the test fails if it is missing.
func Path(t testing.TB, elem ...string) string {
	t.Helper()
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(append([]string{root, "..", "shared"}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("shared test material missing (CI puts shared/ beside the clone): %v", err)
	}
	return p
}

// InCI reports whether the tests run in CI (CI set, and not "false"):
// there a missing service or tool fails the test that needs it, where on a
// laptop it skips. Every such check asks this one function.
func InCI() bool {
	v := os.Getenv("CI")
	return v != "" && v != "false" && v != "0"
}
