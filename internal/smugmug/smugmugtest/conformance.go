package smugmugtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/smugmug"
)

// RunStoreTests checks that a smugmug.Store implementation keeps the
// interface's contract, then runs the real Syncer against a fake SmugMug
// with it through a first sync, edits, moves, collects, deletes, a crash and
// a resume, comparing album membership with the fake after each step.
// newStore must return a store bound to a fresh, empty source on every call.
// The subtests run sequentially.
func RunStoreTests(t *testing.T, newStore func(t *testing.T) smugmug.Store) {
	t.Run("Cursor", func(t *testing.T) { testCursor(t, newStore(t)) })
	t.Run("Albums", func(t *testing.T) { testAlbums(t, newStore(t)) })
	t.Run("Images", func(t *testing.T) { testImages(t, newStore(t)) })
	t.Run("Sync", func(t *testing.T) { testSync(t, newStore(t)) })
}

type result[T any] struct {
	v   T
	err error
}

// must wraps a (value, error) pair; get fails the test on the error.
func must[T any](v T, err error) result[T] { return result[T]{v, err} }

func (r result[T]) get(t *testing.T) T {
	t.Helper()
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.v
}

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	sort.Strings(a)
	sort.Strings(b)
	return slices.Equal(a, b)
}

func testCursor(t *testing.T, st smugmug.Store) {
	ctx := t.Context()
	c := must(st.LoadCursor(ctx)).get(t)
	if c.NickName != "" || len(c.Albums) != 0 || !c.LastSync.IsZero() {
		t.Fatalf("fresh source has cursor %+v", c)
	}
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	want := smugmug.Cursor{
		NickName: "ansel",
		Albums: map[string]smugmug.AlbumCursor{
			"abc": {LastUpdated: at, ImagesLastUpdated: at.Add(time.Second), ImageCount: 3, Name: "Trip", URLPath: "/Trip", SyncedAt: at},
		},
		DeepStarted: at, LastSync: at.Add(-time.Hour),
	}
	noErr(t, st.SaveCursor(ctx, want))
	got := must(st.LoadCursor(ctx)).get(t)
	if got.NickName != want.NickName || !got.DeepStarted.Equal(want.DeepStarted) || !got.LastSync.Equal(want.LastSync) ||
		len(got.Albums) != 1 || !got.Albums["abc"].ImagesLastUpdated.Equal(at.Add(time.Second)) || got.Albums["abc"].ImageCount != 3 ||
		got.Albums["abc"].URLPath != "/Trip" {
		t.Fatalf("cursor round trip\n got %+v\nwant %+v", got, want)
	}
	want.Albums = nil
	want.DeepStarted = time.Time{}
	noErr(t, st.SaveCursor(ctx, want))
	if got := must(st.LoadCursor(ctx)).get(t); len(got.Albums) != 0 || !got.DeepStarted.IsZero() {
		t.Fatalf("SaveCursor did not replace: %+v", got)
	}
}

func testAlbums(t *testing.T, st smugmug.Store) {
	ctx := t.Context()
	at := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	a := smugmug.Album{AlbumKey: "A1", Name: "One", URLPath: "/One", LastUpdated: at, ImagesLastUpdated: at, ImageCount: 2}
	b := smugmug.Album{AlbumKey: "B2", Name: "Two", URLPath: "/F/Two", Keywords: []string{"x", "y z"}}
	noErr(t, st.UpsertAlbum(ctx, a))
	noErr(t, st.UpsertAlbum(ctx, b))
	noErr(t, st.UpsertAlbum(ctx, b)) // idempotent
	if got := must(st.AlbumKeys(ctx)).get(t); !sameSet(got, []string{"A1", "B2"}) {
		t.Fatalf("AlbumKeys = %v", got)
	}
	noErr(t, st.DeleteAlbum(ctx, "A1"))
	noErr(t, st.DeleteAlbum(ctx, "A1"))
	noErr(t, st.DeleteAlbum(ctx, "unknown"))
	if got := must(st.AlbumKeys(ctx)).get(t); !sameSet(got, []string{"B2"}) {
		t.Fatalf("after delete AlbumKeys = %v", got)
	}
	noErr(t, st.UpsertAlbum(ctx, a))
	if got := must(st.AlbumKeys(ctx)).get(t); !sameSet(got, []string{"A1", "B2"}) {
		t.Fatalf("upsert did not clear the deleted mark: %v", got)
	}
}

func testImages(t *testing.T, st smugmug.Store) {
	ctx := t.Context()
	for _, k := range []string{"A", "B"} {
		noErr(t, st.UpsertAlbum(ctx, smugmug.Album{AlbumKey: k, Name: k}))
	}
	img := func(key, album string) smugmug.Image {
		return smugmug.Image{ImageKey: key, AlbumKey: album, URI: "/api/v2/image/" + key + "-0", FileName: key + ".jpg",
			LastUpdated: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Keywords: []string{"k"}}
	}
	before := must(st.UpsertImages(ctx, []smugmug.Image{img("x", "A"), img("y", "A"), img("z", "B")})).get(t)
	if !slices.Equal(before, make([]smugmug.ImageBefore, 3)) {
		t.Fatalf("new images: before = %+v, want zero values", before)
	}
	before = must(st.UpsertImages(ctx, []smugmug.Image{img("y", "A"), img("x", "B")})).get(t) // x moves to B
	if !slices.Equal(before, []smugmug.ImageBefore{{AlbumKey: "A"}, {AlbumKey: "A"}}) {
		t.Fatalf("before = %+v", before)
	}
	if got := must(st.AlbumImageKeys(ctx, "A")).get(t); !sameSet(got, []string{"y"}) {
		t.Fatalf("A holds %v", got)
	}
	if got := must(st.AlbumImageKeys(ctx, "B")).get(t); !sameSet(got, []string{"x", "z"}) {
		t.Fatalf("B holds %v", got)
	}
	// x is no longer in A: deleting it "from A" must leave it alone.
	if n := must(st.DeleteImages(ctx, "A", []string{"x"})).get(t); n != 0 {
		t.Fatalf("DeleteImages deleted %d images that moved away", n)
	}
	if n := must(st.DeleteImages(ctx, "B", []string{"x", "unknown"})).get(t); n != 1 {
		t.Fatalf("DeleteImages = %d, want 1", n)
	}
	if n := must(st.DeleteImages(ctx, "B", []string{"x"})).get(t); n != 0 {
		t.Fatalf("second DeleteImages = %d, want 0", n)
	}
	if n := must(st.DeleteImages(ctx, "B", nil)).get(t); n != 0 {
		t.Fatalf("empty DeleteImages = %d", n)
	}
	if got := must(st.AlbumImageKeys(ctx, "B")).get(t); !sameSet(got, []string{"z"}) {
		t.Fatalf("B holds %v after delete", got)
	}
	before = must(st.UpsertImages(ctx, []smugmug.Image{img("x", "A")})).get(t)
	if !slices.Equal(before, []smugmug.ImageBefore{{AlbumKey: "B", Deleted: true}}) {
		t.Fatalf("re-upsert of a deleted image: before = %+v", before)
	}
	if got := must(st.AlbumImageKeys(ctx, "A")).get(t); !sameSet(got, []string{"x", "y"}) {
		t.Fatalf("upsert did not clear the deleted mark: A holds %v", got)
	}
	if got := must(st.UpsertImages(ctx, nil)).get(t); len(got) != 0 {
		t.Fatalf("empty upsert returned %v", got)
	}
	// Many at once (the Syncer sends up to 500).
	many := make([]smugmug.Image, 700)
	for i := range many {
		many[i] = img(fmt.Sprintf("m%03d", i), "B")
	}
	if got := must(st.UpsertImages(ctx, many)).get(t); len(got) != 700 {
		t.Fatalf("%d results for 700 images", len(got))
	}
	if got := must(st.AlbumImageKeys(ctx, "B")).get(t); len(got) != 701 {
		t.Fatalf("B holds %d images, want 701", len(got))
	}
}

// checkMembership compares, album by album, the store with the fake.
func checkMembership(t *testing.T, fake *Server, st smugmug.Store, nick string) {
	t.Helper()
	ctx := t.Context()
	keys := fake.AlbumKeys(nick)
	if got := must(st.AlbumKeys(ctx)).get(t); !sameSet(got, keys) {
		t.Fatalf("store albums %v, fake albums %v", got, keys)
	}
	own := map[string][]string{}
	for _, im := range fake.Images(nick) {
		if !im.IsVideo && !im.Processing {
			own[im.AlbumKey] = append(own[im.AlbumKey], im.Key)
		}
	}
	for _, k := range keys {
		if got := must(st.AlbumImageKeys(ctx, k)).get(t); !sameSet(got, own[k]) {
			t.Fatalf("album %s: store holds %d images, fake %d", k, len(got), len(own[k]))
		}
	}
}

func testSync(t *testing.T, st smugmug.Store) {
	fake := New(t, Options{})
	fake.AddUser("conf", "Conformance")
	albums := fake.Generate("conf", 12, func(i int) int { return []int{150, 30, 0}[i%3] })
	fake.AddImage(albums[1], Image{IsVideo: true})
	cfg := fake.Config()
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	client, err := smugmug.NewClient(cfg, fake.IssueToken("conf", smugmug.PermissionRead))
	noErr(t, err)
	syncer := smugmug.NewSyncer(client, st, smugmug.SyncerConfig{Logger: cfg.Logger, DeepEvery: -1})
	sync := func(ctx context.Context) smugmug.SyncResult {
		t.Helper()
		res, err := syncer.Sync(ctx, smugmug.SyncOptions{})
		noErr(t, err)
		return res
	}

	res := sync(t.Context())
	if res.Images != 4*150+4*30 || res.VideosSkipped != 1 {
		t.Fatalf("first sync: %+v", res)
	}
	checkMembership(t, fake, st, "conf")

	fake.ResetCounts()
	if res := sync(t.Context()); res.AlbumsSynced != 0 || fake.RequestCount() > 1 {
		t.Fatalf("unchanged re-sync: %+v in %d requests", res, fake.RequestCount())
	}

	img := func(album string, i int) string { s, _ := fake.AlbumState(album); return s.Images[i] }
	fake.MoveImage(img(albums[0], 0), albums[1])
	fake.DeleteImage(img(albums[3], 4))
	fake.CollectImage(img(albums[6], 0), albums[4])
	fake.AddImage(albums[2], Image{})
	fake.DeleteAlbum(albums[9])

	// Crash after a few albums, then resume.
	ctx, cancel := context.WithCancel(t.Context())
	n := 0
	crashing := smugmug.NewSyncer(client, st, smugmug.SyncerConfig{Logger: cfg.Logger, DeepEvery: -1, Progress: func(p smugmug.Progress) {
		if p.AlbumsDone > 0 {
			if n++; n == 2 {
				cancel()
			}
		}
	}})
	if _, err := crashing.Sync(ctx, smugmug.SyncOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("crashing sync: err = %v", err)
	}
	res = sync(t.Context())
	if res.AlbumsDeleted != 1 || res.AlbumsSkipped == 0 {
		t.Fatalf("resumed sync: %+v", res)
	}
	checkMembership(t, fake, st, "conf")
	if res := sync(t.Context()); res.AlbumsSynced != 0 || res.Images != 0 {
		t.Fatalf("sync after resume: %+v", res)
	}
}
