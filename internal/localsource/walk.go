package localsource

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/targetvision/targetvision/internal/photo"
	"github.com/targetvision/targetvision/internal/store"
)

// DefaultExclude are the patterns every local source skips: hidden files
// and folders, trash folders, NAS thumbnail folders (Synology's @eaDir,
// QNAP's .@__thumb), Lightroom previews, desktop thumbnail caches.
var DefaultExclude = []string{".*", ".Trash*", "@eaDir", "#recycle", "$RECYCLE.BIN", "System Volume Information",
	"*.lrdata", ".thumbnails"}

// Settings are a local source's options, stored as its settings JSON.
type Settings struct {
	// Exclude are glob patterns (path.Match) skipped besides
	// DefaultExclude: a pattern without "/" is matched against each file
	// and folder name, one with "/" against the path from the source root.
	Exclude []string `json:"exclude,omitempty"`
}

// ParseSettings reads a local source's settings; empty means defaults.
func ParseSettings(b []byte) (Settings, error) {
	var s Settings
	if len(b) == 0 {
		return s, nil
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("bad source settings: %w", err)
	}
	return s, s.Validate()
}

// Validate checks that every pattern is a well-formed glob.
func (s Settings) Validate() error {
	for _, p := range s.Exclude {
		if _, err := path.Match(p, ""); err != nil || strings.TrimSpace(p) == "" {
			return fmt.Errorf("exclude pattern %q is not a valid glob", p)
		}
	}
	return nil
}

// Patterns are the defaults and the source's own exclude patterns.
func (s Settings) Patterns() []string {
	return append(slices.Clone(DefaultExclude), s.Exclude...)
}

// excluded reports whether the entry at rel (slash-separated, relative to
// the root) with the given name matches a pattern.
func excluded(patterns []string, rel, name string) bool {
	for _, p := range patterns {
		subject := name
		if strings.Contains(p, "/") {
			subject = rel
		}
		if ok, _ := path.Match(p, subject); ok {
			return true
		}
	}
	return false
}

// entry is one regular file the walk found.
type entry struct {
	rel   string
	abs   string
	size  int64
	mtime time.Time
}

// walk lists the photos under root, their companion files, and the files
// skipped with the reason.
func walk(ctx context.Context, root string, patterns []string) ([]file, []store.SkippedFile, error) {
	var skipped []store.SkippedFile
	byDir := map[string][]entry{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root {
				return err
			}
			return nil // an unreadable subfolder must not stop the run
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if p == root {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return nil
		}
		rel = filepath.ToSlash(rel)
		if excluded(patterns, rel, d.Name()) {
			if d.IsDir() {
				skipped = append(skipped, store.SkippedFile{Path: rel + "/", Reason: store.IssueExcluded})
				return filepath.SkipDir
			}
			skipped = append(skipped, store.SkippedFile{Path: rel, Reason: store.IssueExcluded})
			return nil
		}
		if d.IsDir() {
			return nil
		}
		if !d.Type().IsRegular() {
			skipped = append(skipped, store.SkippedFile{Path: rel, Reason: store.IssueUnsupported})
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		dir := path.Dir(rel)
		byDir[dir] = append(byDir[dir], entry{rel: rel, abs: p, size: info.Size(), mtime: info.ModTime().UTC().Truncate(time.Microsecond)})
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	var files []file
	dirs := make([]string, 0, len(byDir))
	for d := range byDir {
		dirs = append(dirs, d)
	}
	slices.Sort(dirs)
	for _, d := range dirs {
		photos, sk := group(byDir[d])
		files = append(files, photos...)
		skipped = append(skipped, sk...)
	}
	slices.SortFunc(skipped, func(a, b store.SkippedFile) int { return strings.Compare(a.Path, b.Path) })
	return files, skipped, nil
}

// group makes the photos of one folder's files: a RAW with a non-RAW image
// of the same base name becomes that image's companion, sidecars join the
// photo they name, and what is neither image nor sidecar is skipped as
// unsupported. A sidecar with no photo is skipped too.
func group(entries []entry) ([]file, []store.SkippedFile) {
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.rel, b.rel) })
	var skipped []store.SkippedFile
	stem := func(name string) string { return strings.ToLower(strings.TrimSuffix(name, path.Ext(name))) }
	var images, sidecars []entry
	for _, e := range entries {
		name := path.Base(e.rel)
		switch {
		case strings.EqualFold(path.Ext(name), ".xmp"):
			sidecars = append(sidecars, e)
		case photo.IsSupportedExt(name):
			images = append(images, e)
		default:
			skipped = append(skipped, store.SkippedFile{Path: e.rel, Reason: store.IssueUnsupported})
		}
	}
	// The photo that shows each base name's pixels: its first non-RAW
	// image (JPEG before HEIC before others, by name order otherwise).
	primary := map[string]int{}
	rank := func(name string) int {
		switch strings.ToLower(path.Ext(name)) {
		case ".jpg", ".jpeg":
			return 0
		case ".heic", ".heif", ".hif", ".avif":
			return 1
		}
		return 2
	}
	for i, e := range images {
		name := path.Base(e.rel)
		if photo.IsRAWExt(name) {
			continue
		}
		if j, ok := primary[stem(name)]; !ok || rank(name) < rank(path.Base(images[j].rel)) {
			primary[stem(name)] = i
		}
	}
	var files []file
	index := map[int]int{} // images index → files index
	byName := map[string]int{}
	for i, e := range images {
		name := path.Base(e.rel)
		if j, ok := primary[stem(name)]; ok && j != i && photo.IsRAWExt(name) {
			continue // a companion of its JPEG; attached below
		}
		index[i] = len(files)
		byName[strings.ToLower(name)] = len(files)
		files = append(files, file{key: e.rel, abs: e.abs, size: e.size, mtime: e.mtime})
	}
	for i, e := range images {
		if _, ok := index[i]; ok {
			continue
		}
		j := index[primary[stem(path.Base(e.rel))]]
		byName[strings.ToLower(path.Base(e.rel))] = j // its name.ext.xmp describes the pair
		f := &files[j]
		f.companions = append(f.companions, store.Companion{Key: path.Base(e.rel), Role: store.CompanionRAW, Size: e.size, ModTime: e.mtime})
	}
	// name.ext.xmp names one file; name.xmp every photo of that base name.
	// The general one is attached first, so the specific one is read last
	// and wins where both say something.
	slices.SortStableFunc(sidecars, func(a, b entry) int {
		return strings.Count(path.Base(a.rel), ".") - strings.Count(path.Base(b.rel), ".")
	})
	for _, sc := range sidecars {
		base := strings.TrimSuffix(path.Base(sc.rel), path.Ext(sc.rel))
		c := store.Companion{Key: path.Base(sc.rel), Role: store.CompanionSidecar, Size: sc.size, ModTime: sc.mtime}
		attached := false
		if j, ok := byName[strings.ToLower(base)]; ok {
			files[j].companions = append(files[j].companions, c)
			attached = true
		} else {
			for j := range files {
				if stem(path.Base(files[j].key)) == strings.ToLower(base) {
					files[j].companions = append(files[j].companions, c)
					attached = true
				}
			}
		}
		if !attached {
			skipped = append(skipped, store.SkippedFile{Path: sc.rel, Reason: store.IssueUnsupported})
		}
	}
	return files, skipped
}
