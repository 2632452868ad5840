package localsource_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/localsource"
	"github.com/targetvision/targetvision/internal/store"
	"github.com/targetvision/targetvision/internal/store/storetest"
)

func write(t *testing.T, root, rel, content string) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// newStore opens a scratch store and its default user.
func newStore(t *testing.T) (*store.DB, store.User) {
	t.Helper()
	db := storetest.OpenSQLite(t, store.Options{})
	u, err := db.EnsureDefaultUser(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return db, u
}

func keys(ps []store.Photo) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.SourceKey)
	}
	slices.Sort(out)
	return out
}

// TestSyncGroupsAndAccounts: a RAW with a JPEG of its name is one photo
// (the JPEG, with the RAW as companion); a lone RAW is a photo; sidecars
// join their photo (name.xmp and name.ext.xmp); other files are skipped as
// unsupported and excluded folders as excluded; a changed sidecar
// re-processes its photo.
func TestSyncGroupsAndAccounts(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db, u := newStore(t)
	root := t.TempDir()
	for rel, body := range map[string]string{
		"a/IMG_1.CR2": "raw", "a/IMG_1.JPG": "jpeg", "a/IMG_1.xmp": "x", "a/IMG_1.CR2.xmp": "xx",
		"a/IMG_2.NEF": "raw2", "a/IMG_2.nef.xmp": "y", "a/clip.MOV": "mov", "a/orphan.xmp": "z",
		"a/.DS_Store": "d", "@eaDir/IMG_1.JPG/thumb.jpg": "t", "Lightroom/Cat Previews.lrdata/p.jpg": "p",
		"skip/me.jpg": "s",
	} {
		write(t, root, rel, body)
	}
	added, err := localsource.Add(ctx, db, u.ID, root, &localsource.Settings{Exclude: []string{"skip"}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := localsource.Sync(ctx, db, added.Source, nil)
	if err != nil {
		t.Fatal(err)
	}
	ps, _, err := db.ListPhotos(ctx, u.ID, store.Filter{}, 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := keys(ps); !slices.Equal(got, []string{"a/IMG_1.JPG", "a/IMG_2.NEF"}) || res.New != 2 {
		t.Fatalf("photos %v (new %d), want the JPEG of the pair and the lone RAW", got, res.New)
	}
	byKey := map[string]store.Photo{}
	for _, p := range ps {
		byKey[p.SourceKey] = p
	}
	var comp []string
	for _, c := range byKey["a/IMG_1.JPG"].Companions {
		comp = append(comp, c.Role+":"+c.Key)
	}
	if want := []string{"raw:IMG_1.CR2", "sidecar:IMG_1.xmp", "sidecar:IMG_1.CR2.xmp"}; !slices.Equal(comp, want) {
		t.Errorf("companions of the pair %v, want %v", comp, want)
	}
	if c := byKey["a/IMG_2.NEF"].Companions; len(c) != 1 || c[0].Key != "IMG_2.nef.xmp" {
		t.Errorf("companions of the lone RAW %+v", c)
	}
	issues, err := db.FileIssues(ctx, u.ID, added.Source.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, is := range issues {
		got = append(got, is.Reason+":"+is.Path)
	}
	want := []string{"excluded:@eaDir/", "excluded:Lightroom/Cat Previews.lrdata/", "excluded:a/.DS_Store",
		"unsupported:a/clip.MOV", "unsupported:a/orphan.xmp", "excluded:skip/"}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("issues\n got %v\nwant %v", got, want)
	}

	// Nothing changed: nothing to do.
	if res, err := localsource.Sync(ctx, db, added.Source, nil); err != nil || len(res.ToProcess) != 0 || res.Unchanged != 2 {
		t.Fatalf("second sync: %+v %v", res, err)
	}
	// The photographer edits the sidecar: its photo is processed again.
	later := time.Now().Add(time.Minute)
	write(t, root, "a/IMG_1.xmp", "edited keywords")
	os.Chtimes(filepath.Join(root, "a", "IMG_1.xmp"), later, later)
	res, err = localsource.Sync(ctx, db, added.Source, nil)
	if err != nil || len(res.ToProcess) != 1 || res.ToProcess[0] != byKey["a/IMG_1.JPG"].ID || res.Changed != 1 {
		t.Fatalf("after a sidecar edit: %+v %v; want photo %d re-processed", res, err, byKey["a/IMG_1.JPG"].ID)
	}
}

// TestAddOverlap: a folder inside an indexed one is refused with the
// source it belongs to; a folder above indexed ones takes them over.
func TestAddOverlap(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db, u := newStore(t)
	root := t.TempDir()
	write(t, root, "photos/camera/x.jpg", "x")
	camera, err := localsource.Add(ctx, db, u.ID, filepath.Join(root, "photos", "camera"), nil)
	if err != nil {
		t.Fatal(err)
	}
	again, err := localsource.Add(ctx, db, u.ID, filepath.Join(root, "photos", "camera"), nil)
	if err != nil || again.Source.ID != camera.Source.ID {
		t.Fatalf("adding the same folder again: %+v %v", again, err)
	}
	photos, err := localsource.Add(ctx, db, u.ID, filepath.Join(root, "photos"), nil)
	if err != nil || len(photos.Merged) != 1 || photos.Merged[0].ID != camera.Source.ID {
		t.Fatalf("adding the parent: %+v %v; want it to take over source %d", photos, err, camera.Source.ID)
	}
	_, err = localsource.Add(ctx, db, u.ID, filepath.Join(root, "photos", "camera"), nil)
	var overlap *localsource.OverlapError
	if !errors.As(err, &overlap) || overlap.Source.ID != photos.Source.ID {
		t.Fatalf("adding a folder inside a source: %v; want an OverlapError naming source %d", err, photos.Source.ID)
	}
	if srcs, _ := db.Sources(ctx, u.ID); len(srcs) != 1 {
		t.Fatalf("%d sources, want 1", len(srcs))
	}
	if _, err := localsource.Add(ctx, db, u.ID, root, &localsource.Settings{Exclude: []string{"[unclosed"}}); err == nil {
		t.Fatal("a malformed exclude pattern was accepted")
	}
}
