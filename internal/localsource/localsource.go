// Package localsource syncs a folder on disk into the store: it finds new,
// changed, moved and deleted image files and reports which photos need
// (re)processing. Decoding, EXIF and thumbnails happen later, in the
// pipeline's process jobs, so a sync of a large unchanged folder is one
// directory walk and one query.
//
// A photo may be more than one file: a RAW and a JPEG of the same name are
// one photo (the JPEG's pixels, the RAW listed beside it), and XMP sidecars
// (name.xmp, name.ext.xmp) belong to the photo they describe; a changed
// sidecar re-processes its photo. Every other file is accounted for: the
// sync records what it skipped and why (unsupported, excluded).
package localsource

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/targetvision/targetvision/internal/source"
	"github.com/targetvision/targetvision/internal/store"
)

// Store is what a folder sync needs.
type Store interface {
	ListPhotos(ctx context.Context, userID int64, f store.Filter, limit, offset int) ([]store.Photo, int, error)
	UpsertAlbum(ctx context.Context, a store.Album) (store.Album, error)
	UpsertPhoto(ctx context.Context, p store.Photo) (store.Photo, bool, error)
	MovePhoto(ctx context.Context, userID, id int64, sourceKey, fileName string, albumID int64) error
	DeletePhoto(ctx context.Context, userID, id int64) error
	SetSkippedFiles(ctx context.Context, userID, sourceID int64, files []store.SkippedFile) error
}

type file struct {
	key   string // slash-separated path relative to the root
	abs   string
	size  int64
	mtime time.Time
	// companions are the photo's other files in the same folder (a RAW
	// beside its JPEG, sidecars), keyed by file name.
	companions []store.Companion
}

// Sync brings src (a local source) up to date with its folder.
func Sync(ctx context.Context, st Store, src store.Source, progress source.Progress) (source.Result, error) {
	var res source.Result
	root := src.Path
	if fi, err := os.Stat(root); err != nil || !fi.IsDir() {
		if err == nil {
			err = fmt.Errorf("not a directory")
		}
		return res, fmt.Errorf("localsource: %s: %w", root, err)
	}
	ex, err := ParseSettings(src.Settings)
	if err != nil {
		return res, fmt.Errorf("localsource: %s: %w", root, err)
	}
	files, skipped, err := walk(ctx, root, ex.Patterns())
	if err != nil {
		return res, fmt.Errorf("localsource: walk %s: %w", root, err)
	}
	res.Files, res.Skipped = len(files), skipped
	if err := st.SetSkippedFiles(ctx, src.UserID, src.ID, skipped); err != nil {
		return res, fmt.Errorf("localsource: %w", err)
	}

	existing, _, err := st.ListPhotos(ctx, src.UserID, store.Filter{SourceID: src.ID}, 1<<30, 0)
	if err != nil {
		return res, fmt.Errorf("localsource: %w", err)
	}
	byKey := make(map[string]store.Photo, len(existing))
	for _, p := range existing {
		byKey[p.SourceKey] = p
	}
	seen := make(map[string]bool, len(files))
	for _, f := range files {
		seen[f.key] = true
	}
	// Photos whose file is gone are either moved (same content elsewhere) or deleted.
	missingByHash := map[string][]store.Photo{}
	for _, p := range existing {
		if !seen[p.SourceKey] {
			missingByHash[p.ContentHash] = append(missingByHash[p.ContentHash], p)
		}
	}

	albums := map[string]int64{}
	albumID := func(key string) (int64, error) {
		dir := path.Dir(key)
		if id, ok := albums[dir]; ok {
			return id, nil
		}
		name := path.Base(dir)
		if dir == "." {
			name = filepath.Base(root)
		}
		a, err := st.UpsertAlbum(ctx, store.Album{UserID: src.UserID, SourceID: src.ID, Key: dir, Name: name})
		if err != nil {
			return 0, err
		}
		albums[dir] = a.ID
		return a.ID, nil
	}

	for i, f := range files {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		if progress != nil {
			progress(i+1, len(files), f.key)
		}
		old, known := byKey[f.key]
		sameFiles := known && sameCompanions(old.Companions, f.companions)
		if known && old.Size == f.size && old.RemoteUpdated.Equal(f.mtime) && sameFiles {
			res.Unchanged++
			continue
		}
		hash, err := hashFile(f.abs)
		if err != nil {
			continue // vanished or unreadable since the walk; next sync sees it
		}
		aid, err := albumID(f.key)
		if err != nil {
			return res, fmt.Errorf("localsource: %w", err)
		}
		if !known {
			if cands := missingByHash[hash]; len(cands) > 0 {
				moved := cands[0]
				missingByHash[hash] = cands[1:]
				if err := st.MovePhoto(ctx, src.UserID, moved.ID, f.key, path.Base(f.key), aid); err != nil {
					return res, fmt.Errorf("localsource: %w", err)
				}
				res.Moved++
				if !sameCompanions(moved.Companions, f.companions) {
					// It moved and its sidecars changed: read them again.
					moved.SourceKey, moved.FileName, moved.AlbumID = f.key, path.Base(f.key), aid
					moved.Companions, moved.Status, moved.Error = f.companions, store.PhotoPending, ""
					saved, _, err := st.UpsertPhoto(ctx, moved)
					if err != nil {
						return res, fmt.Errorf("localsource: %w", err)
					}
					res.ToProcess = append(res.ToProcess, saved.ID)
				}
				continue
			}
		}
		p := old
		if !known {
			p = store.Photo{UserID: src.UserID, SourceID: src.ID, SourceKey: f.key}
		}
		p.AlbumID, p.FileName, p.Size, p.RemoteUpdated = aid, path.Base(f.key), f.size, f.mtime
		p.Companions = f.companions
		sameContent := known && old.ContentHash == hash && sameFiles
		p.ContentHash = hash
		if !sameContent {
			p.Status, p.Error = store.PhotoPending, ""
		}
		saved, _, err := st.UpsertPhoto(ctx, p)
		if err != nil {
			return res, fmt.Errorf("localsource: %w", err)
		}
		switch {
		case sameContent:
			res.Unchanged++ // touched, same bytes and companions
		case known:
			res.Changed++
			res.ToProcess = append(res.ToProcess, saved.ID)
		default:
			res.New++
			res.ToProcess = append(res.ToProcess, saved.ID)
		}
	}
	for _, ps := range missingByHash {
		for _, p := range ps {
			if err := st.DeletePhoto(ctx, src.UserID, p.ID); err != nil {
				return res, fmt.Errorf("localsource: %w", err)
			}
			res.Deleted++
			res.DeletedIDs = append(res.DeletedIDs, p.ID)
		}
	}
	return res, nil
}

// Path returns the file of a local photo.
func Path(src store.Source, p store.Photo) string {
	return filepath.Join(src.Path, filepath.FromSlash(p.SourceKey))
}

// CompanionPath returns the file of one of a local photo's companions
// (they live in the photo's folder).
func CompanionPath(src store.Source, p store.Photo, c store.Companion) string {
	return filepath.Join(src.Path, filepath.FromSlash(path.Dir(p.SourceKey)), c.Key)
}

// sameCompanions reports whether two photos' companion files are the same
// files unchanged (by name, role, size and time).
func sameCompanions(a, b []store.Companion) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Key != b[i].Key || a[i].Role != b[i].Role || a[i].Size != b[i].Size || !a[i].ModTime.Equal(b[i].ModTime) {
			return false
		}
	}
	return true
}

func hashFile(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
