package localsource

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/targetvision/targetvision/internal/store"
)

// AddStore is what adding a folder needs.
type AddStore interface {
	Sources(ctx context.Context, userID int64) ([]store.Source, error)
	CreateSource(ctx context.Context, src store.Source) (store.Source, error)
	SetSourceSettings(ctx context.Context, userID, id int64, settings []byte) error
	AbsorbSource(ctx context.Context, userID, fromID, toID int64, prefix string) error
}

// OverlapError refuses a folder that lies inside a folder already indexed:
// its photos are that source's photos already.
type OverlapError struct {
	Dir    string
	Source store.Source
}

func (e *OverlapError) Error() string {
	return fmt.Sprintf("%s is inside source %d (%s), which already indexes it: sync that source instead (targetvision sync --source %d)",
		e.Dir, e.Source.ID, e.Source.Path, e.Source.ID)
}

// Added is the outcome of Add.
type Added struct {
	Source store.Source
	// Merged are the sources inside the new folder that it took over:
	// their photos (descriptions and embeddings included) now belong to it.
	Merged []store.Source
}

// Add makes dir a local source of the user, or returns the source that is
// that folder already. A folder inside an existing source is refused with
// an *OverlapError; existing sources inside dir are merged into the new
// one, so no photo is ever listed twice. A non-nil settings replaces the
// source's settings.
func Add(ctx context.Context, st AddStore, userID int64, dir string, settings *Settings) (Added, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return Added{}, fmt.Errorf("localsource: %w", err)
	}
	if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
		return Added{}, fmt.Errorf("localsource: %s is not a folder", dir)
	}
	if settings != nil {
		if err := settings.Validate(); err != nil {
			return Added{}, fmt.Errorf("localsource: %w", err)
		}
	}
	real := resolve(abs)
	existing, err := st.Sources(ctx, userID)
	if err != nil {
		return Added{}, fmt.Errorf("localsource: %w", err)
	}
	var inner []store.Source
	for _, s := range existing {
		if s.Kind != store.SourceLocal {
			continue
		}
		other := resolve(s.Path)
		switch {
		case other == real && s.Path == abs:
		case other == real || within(real, other):
			return Added{}, &OverlapError{Dir: abs, Source: s}
		case within(other, real):
			inner = append(inner, s)
		}
	}
	var raw []byte
	if settings != nil {
		if raw, err = json.Marshal(settings); err != nil {
			return Added{}, fmt.Errorf("localsource: %w", err)
		}
	}
	src, err := st.CreateSource(ctx, store.Source{UserID: userID, Kind: store.SourceLocal, Name: abs, Path: abs, Settings: raw})
	if err != nil {
		return Added{}, fmt.Errorf("localsource: %w", err)
	}
	if settings != nil && string(src.Settings) != string(raw) {
		if err := st.SetSourceSettings(ctx, userID, src.ID, raw); err != nil {
			return Added{}, fmt.Errorf("localsource: %w", err)
		}
		src.Settings = raw
	}
	out := Added{Source: src}
	for _, s := range inner {
		rel, err := filepath.Rel(real, resolve(s.Path))
		if err != nil {
			return out, fmt.Errorf("localsource: %w", err)
		}
		if err := st.AbsorbSource(ctx, userID, s.ID, src.ID, filepath.ToSlash(rel)); err != nil {
			return out, fmt.Errorf("localsource: merge source %d (%s): %w", s.ID, s.Path, err)
		}
		out.Merged = append(out.Merged, s)
	}
	return out, nil
}

// resolve is the folder's path with symbolic links resolved, so one folder
// reached two ways is recognised; a path that cannot be resolved (a folder
// since removed) is kept as it is.
func resolve(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	return filepath.Clean(p)
}

// within reports whether p lies strictly inside dir.
func within(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != "." && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
