// Package source holds what every photo source (local folders in
// localsource, SmugMug in smugsync) hands back from a sync, so the
// pipeline that runs them and the sources agree on one type that neither
// owns: the pipeline calls localsource directly, so the type cannot live
// in the pipeline without an import cycle.
package source

import "github.com/targetvision/targetvision/internal/store"

// Result counts what one sync of a source found.
type Result struct {
	// Files counts the photos found (a RAW+JPEG pair is one).
	Files     int
	New       int
	Changed   int
	Moved     int
	Deleted   int
	Unchanged int
	// ToProcess are the photos whose content is new or changed.
	ToProcess []int64
	// Deleted photos' ids, so the caller can remove their derived files.
	DeletedIDs []int64
	// Skipped are the files that did not become photos, with the reason.
	Skipped []store.SkippedFile
}

// Progress is called after each file (or remote photo) is looked at.
type Progress func(done, total int, file string)
