package smugmug_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/targetvision/targetvision/internal/ratelimit"
	"github.com/targetvision/targetvision/internal/smugmug"
	"github.com/targetvision/targetvision/internal/smugmug/smugmugtest"
)

// account is one SmugMug user synced into its own store.
type account struct {
	nick   string
	tok    smugmug.Token
	client *smugmug.Client
	store  *smugmugtest.MemStore
	syncer *smugmug.Syncer
}

func newAccount(t *testing.T, fake *smugmugtest.Server, cfg smugmug.Config, nick string, scfg smugmug.SyncerConfig) *account {
	t.Helper()
	return newAccountWithToken(t, cfg, nick, fake.IssueToken(nick, smugmug.PermissionModify), scfg)
}

func newAccountWithToken(t *testing.T, cfg smugmug.Config, nick string, tok smugmug.Token, scfg smugmug.SyncerConfig) *account {
	t.Helper()
	a := &account{nick: nick, tok: tok, store: smugmugtest.NewMemStore()}
	cfg.Logger = cmp.Or(cfg.Logger, quietLogger())
	if scfg.Logger == nil {
		scfg.Logger = quietLogger()
	}
	c, err := smugmug.NewClient(cfg, a.tok)
	if err != nil {
		t.Fatal(err)
	}
	a.client = c
	if scfg.DeepEvery == 0 {
		scfg.DeepEvery = -1 // deep syncs only when a test asks
	}
	a.syncer = smugmug.NewSyncer(c, a.store, scfg)
	return a
}

func (a *account) sync(t *testing.T, opts smugmug.SyncOptions) smugmug.SyncResult {
	t.Helper()
	res, err := a.syncer.Sync(t.Context(), opts)
	if err != nil {
		t.Fatalf("sync %s: %v", a.nick, err)
	}
	return res
}

// assertMirror checks the store holds exactly the fake's library: every
// photo once, not deleted, with the right fields; videos absent; nothing
// else alive.
func assertMirror(t *testing.T, fake *smugmugtest.Server, a *account) {
	t.Helper()
	rows := a.store.Images()
	want := map[string]bool{}
	for _, im := range fake.Images(a.nick) {
		if im.IsVideo || im.Processing {
			if _, ok := rows[im.Key]; ok {
				t.Fatalf("video or processing image %s was stored", im.Key)
			}
			continue
		}
		want[im.Key] = true
		row, ok := rows[im.Key]
		if !ok {
			t.Fatalf("%s: image %s (album %s) missing", a.nick, im.Key, im.AlbumKey)
		}
		if row.Deleted {
			t.Fatalf("%s: image %s marked deleted", a.nick, im.Key)
		}
		checkImage(t, row.Image, im)
	}
	for k, row := range rows {
		if !row.Deleted && !want[k] {
			t.Fatalf("%s: image %s alive in the store but not on SmugMug", a.nick, k)
		}
	}
	albums := map[string]bool{}
	for _, k := range fake.AlbumKeys(a.nick) {
		albums[k] = true
		fa, _ := fake.AlbumState(k)
		row, ok := a.store.Albums()[k]
		if !ok || row.Deleted || row.Name != fa.Name || row.URLPath != fa.URLPath() || row.ImageCount != len(fa.Images) {
			t.Fatalf("%s: album %s stored as %+v, want %+v", a.nick, k, row, fa)
		}
	}
	for k, row := range a.store.Albums() {
		if !row.Deleted && !albums[k] {
			t.Fatalf("%s: album %s alive in the store but not on SmugMug", a.nick, k)
		}
	}
}

func TestSyncThreeLibraries(t *testing.T) {
	t.Parallel()
	fake := smugmugtest.New(t, smugmugtest.Options{})
	cfg := fake.Config()
	cfg.Logger = quietLogger()
	// Inline size details multiply the payload; TestAlbumImagesExpandSizes
	// covers them. This test is about counts and fields at scale.
	cfg.DisableSizeExpansion = true
	for _, n := range []string{"big", "small", "empty"} {
		fake.AddUser(n, strings.ToUpper(n))
	}
	// 250 albums, 20,000 images: every fifth album spans two pages.
	fake.Generate("big", 250, func(i int) int {
		if i%5 == 0 {
			return 160
		}
		return 60
	})
	small := fake.Generate("small", 3, func(i int) int { return []int{101, 0, 7}[i] })
	fake.AddImage(small[2], smugmugtest.Image{IsVideo: true})
	fake.AddImage(small[2], smugmugtest.Image{Processing: true})

	var progress []smugmug.Progress
	accounts := map[string]*account{}
	for _, n := range []string{"big", "small", "empty"} {
		scfg := smugmug.SyncerConfig{}
		if n == "big" {
			scfg.Progress = func(p smugmug.Progress) { progress = append(progress, p) }
		}
		accounts[n] = newAccount(t, fake, cfg, n, scfg)
	}

	fake.ResetCounts()
	res := accounts["big"].sync(t, smugmug.SyncOptions{})
	first := fake.RequestCount()
	if res.Images != 20000 || res.ImagesNew != 20000 || res.AlbumsSynced != 250 || res.Albums != 250 {
		t.Fatalf("first sync: %+v", res)
	}
	// authuser + 3 album pages + 200 one-page albums + 50 two-page albums.
	if want := 1 + 3 + 200 + 2*50; first != want {
		t.Fatalf("first sync made %d requests, want %d", first, want)
	}
	t.Logf("first sync of 250 albums / 20,000 images: %d requests", first)
	assertMirror(t, fake, accounts["big"])
	for k, row := range accounts["big"].store.Images() {
		if row.Upserts != 1 {
			t.Fatalf("image %s written %d times", k, row.Upserts)
		}
	}
	if len(progress) != 251 || progress[250].AlbumsDone != 250 || progress[250].AlbumsTotal != 250 || progress[250].ImagesSeen != 20000 {
		t.Fatalf("progress: %d reports, last %+v", len(progress), progress[len(progress)-1])
	}
	for i := 1; i < len(progress); i++ {
		if progress[i].AlbumsDone != progress[i-1].AlbumsDone+1 || progress[i].ImagesSeen < progress[i-1].ImagesSeen {
			t.Fatalf("progress not monotonic at %d: %+v after %+v", i, progress[i], progress[i-1])
		}
	}

	res = accounts["small"].sync(t, smugmug.SyncOptions{})
	if res.Images != 108 || res.VideosSkipped != 1 || res.ProcessingSkipped != 1 {
		t.Fatalf("small: %+v", res)
	}
	assertMirror(t, fake, accounts["small"])
	if res := accounts["empty"].sync(t, smugmug.SyncOptions{}); res.Albums != 0 || res.Images != 0 {
		t.Fatalf("empty: %+v", res)
	}

	// Nothing changed: only the album list is read.
	fake.ResetCounts()
	upserts := accounts["big"].store.Upserts()
	res = accounts["big"].sync(t, smugmug.SyncOptions{})
	again := fake.RequestCount()
	if res.AlbumsSkipped != 250 || res.AlbumsSynced != 0 || res.Images != 0 {
		t.Fatalf("unchanged re-sync: %+v", res)
	}
	if limit := 250/100 + 3; again > limit {
		t.Fatalf("unchanged re-sync of 250 albums made %d requests, limit %d", again, limit)
	}
	t.Logf("unchanged re-sync of 250 albums: %d requests", again)
	if accounts["big"].store.Upserts() != upserts {
		t.Fatal("unchanged re-sync wrote images")
	}
	// The album with a processing image is listed again until it settles.
	fake.ResetCounts()
	res = accounts["small"].sync(t, smugmug.SyncOptions{})
	if res.AlbumsSynced != 1 || res.ProcessingSkipped != 1 || fake.PathCounts()["/api/v2/album/"+small[2]+"!images"] != 1 {
		t.Fatalf("processing album: %+v %v", res, fake.PathCounts())
	}
}

func TestSyncReflectsChanges(t *testing.T) {
	t.Parallel()
	fake := smugmugtest.New(t, smugmugtest.Options{})
	fake.AddUser("ansel", "")
	keys := fake.Generate("ansel", 5, func(int) int { return 30 })
	a := newAccount(t, fake, fake.Config(), "ansel", smugmug.SyncerConfig{Logger: quietLogger()})
	a.sync(t, smugmug.SyncOptions{})
	assertMirror(t, fake, a)
	imgs := func(album string) []string { s, _ := fake.AlbumState(album); return s.Images }

	// Owner edits image text: SmugMug leaves album timestamps alone, so an
	// incremental sync cannot see it and a deep sync must.
	edited := imgs(keys[0])[3]
	fake.EditImage(edited, func(im *smugmugtest.Image) { im.Caption = "Edited by the owner"; im.Keywords = "new; words" })
	fake.ResetCounts()
	if res := a.sync(t, smugmug.SyncOptions{}); res.AlbumsSynced != 0 {
		t.Fatalf("text edit re-listed albums: %+v", res)
	}
	if got := a.store.Images()[edited]; got.Caption == "Edited by the owner" {
		t.Fatal("the fake bumped album timestamps on a text edit")
	}
	res := a.sync(t, smugmug.SyncOptions{Deep: true})
	if !res.Deep || res.AlbumsSynced != 5 {
		t.Fatalf("deep sync: %+v", res)
	}
	assertMirror(t, fake, a)

	// Move, delete, replace, add, rename, delete an album, add an album.
	moved := imgs(keys[1])[0]
	fake.MoveImage(moved, keys[2])
	deleted := imgs(keys[2])[5]
	fake.DeleteImage(deleted)
	replaced := imgs(keys[3])[1]
	fake.ReplaceImage(replaced)
	added := fake.AddImage(keys[3], smugmugtest.Image{Title: "new one"})
	fake.EditAlbum(keys[4], func(al *smugmugtest.Album) { al.Name = "Renamed" })
	goneAlbum := fake.Generate("ansel", 1, func(int) int { return 4 })[0]
	a.sync(t, smugmug.SyncOptions{})
	fake.MoveImage(imgs(goneAlbum)[0], keys[0]) // rescued before the album goes
	rescued := imgs(keys[0])[len(imgs(keys[0]))-1]
	fake.DeleteAlbum(goneAlbum)
	newAlbum := fake.AddAlbum("ansel", "/New", "Brand new")
	fake.AddImage(newAlbum, smugmugtest.Image{})

	fake.ResetCounts()
	res = a.sync(t, smugmug.SyncOptions{})
	assertMirror(t, fake, a)
	want := smugmug.SyncResult{
		Albums: 6, AlbumsSynced: 2, AlbumsSkipped: 4, AlbumsDeleted: 1,
		Images: 31 + 1, ImagesNew: 1, ImagesMoved: 1, ImagesDeleted: 3,
	}
	// keys[0] (the rescued image arrived) and newAlbum changed; goneAlbum
	// was deleted; keys[4]'s rename was picked up by the previous sync.
	if res != want {
		t.Fatalf("result %+v\n  want %+v", res, want)
	}
	rows := a.store.Images()
	if rows[rescued].AlbumKey != keys[0] || rows[rescued].Deleted {
		t.Fatalf("image moved out of a deleted album: %+v", rows[rescued])
	}
	if !rows[deleted].Deleted || rows[moved].AlbumKey != keys[2] || rows[replaced].Serial != 1 || rows[added].Title != "new one" {
		t.Fatal("changes of the previous sync lost")
	}
	if !a.store.Albums()[goneAlbum].Deleted || a.store.Albums()[keys[4]].Name != "Renamed" {
		t.Fatal("album changes not stored")
	}
}

func TestSyncResumesAfterCrash(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		crash func(fake *smugmugtest.Server, a *account, albums []string) (ctx context.Context, undo func())
	}{
		{"context cancelled mid-sync", func(_ *smugmugtest.Server, a *account, _ []string) (context.Context, func()) {
			ctx, cancel := context.WithCancel(t.Context())
			n := 0
			a.store.SetFail(func(op string) error {
				if op == "SaveCursor" {
					if n++; n == 4 {
						cancel()
					}
				}
				return nil
			})
			return ctx, func() { a.store.SetFail(nil) }
		}},
		{"server keeps failing on an album", func(fake *smugmugtest.Server, _ *account, albums []string) (context.Context, func()) {
			fake.SetFault(func(r smugmugtest.Request) *smugmugtest.Fault {
				if r.Path == "/api/v2/album/"+albums[5]+"!images" && r.Query.Get("start") == "101" {
					return &smugmugtest.Fault{Status: 500}
				}
				return nil
			})
			return t.Context(), func() { fake.SetFault(nil) }
		}},
		{"store fails mid-album", func(_ *smugmugtest.Server, a *account, _ []string) (context.Context, func()) {
			n := 0
			a.store.SetFail(func(op string) error {
				if op == "UpsertImages" {
					if n++; n == 7 {
						return errors.New("disk full")
					}
				}
				return nil
			})
			return t.Context(), func() { a.store.SetFail(nil) }
		}},
		{"token revoked mid-sync", func(fake *smugmugtest.Server, a *account, albums []string) (context.Context, func()) {
			fake.SetFault(func(r smugmugtest.Request) *smugmugtest.Fault {
				if r.Path == "/api/v2/album/"+albums[4]+"!images" {
					return &smugmugtest.Fault{Status: 401}
				}
				return nil
			})
			return t.Context(), func() { fake.SetFault(nil) }
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake := smugmugtest.New(t, smugmugtest.Options{})
			fake.AddUser("ansel", "")
			albums := fake.Generate("ansel", 10, func(i int) int { return 150 })
			a := newAccount(t, fake, fake.Config(), "ansel", smugmug.SyncerConfig{Logger: quietLogger()})
			// A previous sync, then changes: the crash hits a sync that
			// also has moves and deletes to apply.
			a.sync(t, smugmug.SyncOptions{})
			s3, _ := fake.AlbumState(albums[3])
			s8, _ := fake.AlbumState(albums[8])
			fake.MoveImage(s3.Images[0], albums[8])
			fake.DeleteImage(s8.Images[1])
			for _, k := range albums {
				fake.AddImage(k, smugmugtest.Image{})
			}

			ctx, undo := tt.crash(fake, a, albums)
			if _, err := a.syncer.Sync(ctx, smugmug.SyncOptions{}); err == nil {
				t.Fatal("sync survived the crash")
			} else if tt.name == "token revoked mid-sync" && !errors.Is(err, smugmug.ErrUnauthorized) {
				t.Fatalf("err = %v, want ErrUnauthorized", err)
			}
			for k, row := range a.store.Images() {
				if row.Deleted && k != s8.Images[1] && k != s3.Images[0] {
					t.Fatalf("crash lost image %s", k)
				}
			}
			undo()
			fake.ResetCounts()
			res := a.sync(t, smugmug.SyncOptions{})
			assertMirror(t, fake, a)
			// Albums completed before the crash are not listed again.
			listed := 0
			for path := range fake.PathCounts() {
				if strings.HasSuffix(path, "!images") {
					listed++
				}
			}
			if listed != res.AlbumsSynced || res.AlbumsSynced+res.AlbumsSkipped != 10 || res.AlbumsSkipped == 0 {
				t.Fatalf("resume listed %d albums: %+v", listed, res)
			}
			for k, row := range a.store.Images() {
				if row.Upserts > 3 {
					t.Fatalf("image %s written %d times", k, row.Upserts)
				}
			}
		})
	}
}

// TestSyncUnderRateLimitAnd429s: two syncers of one account, every request
// answered 429 once, keep together to the account's budget. It runs in a
// testing/synctest bubble with the fake called in-process, so the fake's
// request clock is the bubble's clock that the budget waits on: the check
// is exact (every request conforms to the bucket, no tolerance), where a
// wall-clock window failed now and then on a busy machine.
func TestSyncUnderRateLimitAnd429s(t *testing.T) {
	t.Parallel()
	fake := smugmugtest.New(t, smugmugtest.Options{})
	fake.AddUser("ansel", "")
	fake.Generate("ansel", 6, func(int) int { return 150 })
	fake.SetFault(smugmugtest.FirstAttempt(smugmugtest.Fault{Status: 429, RetryAfter: "0"}))
	tokA := fake.IssueToken("ansel", smugmug.PermissionModify)
	synctest.Test(t, func(t *testing.T) {
		cfg := fake.Config()
		cfg.HTTPClient = fake.InMemoryClient()
		cfg.Logger = quietLogger()
		const perMinute = 1200 // 20 per second
		cfg.RequestsPerMinute = perMinute
		// Two syncers of the same account run at once (e.g. a web and a
		// worker process share the budget): the bucket is per account.
		a := newAccountWithToken(t, cfg, "ansel", tokA, smugmug.SyncerConfig{})
		b := newAccountWithToken(t, cfg, "ansel", tokA, smugmug.SyncerConfig{})
		start := time.Now()
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, acc := range []*account{a, b} {
			wg.Go(func() { _, errs[i] = acc.syncer.Sync(t.Context(), smugmug.SyncOptions{}) })
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		assertMirror(t, fake, a)
		assertMirror(t, fake, b)

		reqs := fake.Requests()
		got429 := 0
		for _, r := range reqs {
			if r.Status == 429 {
				got429++
			}
		}
		// Each sync: authuser + 1 album page + 6×2 image pages, each
		// answered once with 429 first.
		if len(reqs) != 2*2*14 || got429 != len(reqs)/2 {
			t.Fatalf("%d requests, %d answered 429", len(reqs), got429)
		}
		if v := smugmugtest.RateViolation(reqs, ratelimit.PerMinute(perMinute, 1), 0); v != "" {
			t.Fatal(v)
		}
		// And the budget was spent, not wasted: 56 requests at 20 a second
		// take 55 intervals of the bubble's clock, and no more.
		if took := time.Since(start); took != 55*50*time.Millisecond {
			t.Fatalf("56 requests took %v of the fake clock, want 2.75s", took)
		}
	})
}

func TestSyncRevokedTokenLosesNothing(t *testing.T) {
	t.Parallel()
	fake := smugmugtest.New(t, smugmugtest.Options{})
	fake.AddUser("ansel", "")
	keys := fake.Generate("ansel", 3, func(int) int { return 20 })
	a := newAccount(t, fake, fake.Config(), "ansel", smugmug.SyncerConfig{Logger: quietLogger()})
	a.sync(t, smugmug.SyncOptions{})
	before := a.store.Images()
	fake.AddImage(keys[0], smugmugtest.Image{})
	fake.RevokeToken(a.tok.Token)
	_, err := a.syncer.Sync(t.Context(), smugmug.SyncOptions{})
	if !errors.Is(err, smugmug.ErrUnauthorized) {
		t.Fatalf("err = %v, want ErrUnauthorized", err)
	}
	after := a.store.Images()
	if len(after) != len(before) {
		t.Fatalf("%d images before, %d after", len(before), len(after))
	}
	for k, row := range after {
		if row.Deleted {
			t.Fatalf("image %s deleted by a failed sync", k)
		}
	}
	// Re-connecting (a new token for the same source) resumes.
	fresh := fake.IssueToken("ansel", smugmug.PermissionRead)
	c, err := smugmug.NewClient(fake.Config(), fresh)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := smugmug.NewSyncer(c, a.store, smugmug.SyncerConfig{Logger: quietLogger()}).Sync(t.Context(), smugmug.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	assertMirror(t, fake, a)
}

func TestDeepSyncEveryResumes(t *testing.T) {
	t.Parallel()
	fake := smugmugtest.New(t, smugmugtest.Options{})
	fake.AddUser("ansel", "")
	fake.Generate("ansel", 4, func(int) int { return 10 })
	clock := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	now := func() time.Time { return clock }
	a := newAccount(t, fake, fake.Config(), "ansel", smugmug.SyncerConfig{Logger: quietLogger(), DeepEvery: 24 * time.Hour, Now: now})
	if res := a.sync(t, smugmug.SyncOptions{}); !res.Deep {
		t.Fatal("first sync is not deep")
	}
	clock = clock.Add(time.Hour)
	if res := a.sync(t, smugmug.SyncOptions{}); res.Deep || res.AlbumsSynced != 0 {
		t.Fatalf("sync an hour later: %+v", res)
	}
	clock = clock.Add(24 * time.Hour)
	// A deep sync interrupted after two albums…
	calls := 0
	a.store.SetFail(func(op string) error {
		if op == "UpsertAlbum" {
			if calls++; calls == 3 {
				return fmt.Errorf("crash")
			}
		}
		return nil
	})
	if _, err := a.syncer.Sync(t.Context(), smugmug.SyncOptions{}); err == nil {
		t.Fatal("no crash")
	}
	a.store.SetFail(nil)
	clock = clock.Add(time.Minute)
	// …resumes as a deep sync that skips the two albums already done.
	res := a.sync(t, smugmug.SyncOptions{})
	if !res.Deep || res.AlbumsSynced != 2 || res.AlbumsSkipped != 2 {
		t.Fatalf("resumed deep sync: %+v", res)
	}
	if res := a.sync(t, smugmug.SyncOptions{}); res.Deep || res.AlbumsSynced != 0 {
		t.Fatalf("after the deep sync: %+v", res)
	}
}

// SmugMug's own window limit: the client pauses when X-RateLimit-Remaining
// reaches 0 instead of running into 429s.
func TestClientPausesAtServerWindowLimit(t *testing.T) {
	t.Parallel()
	fake := smugmugtest.New(t, smugmugtest.Options{RateLimit: 6, RateWindow: time.Second})
	fake.AddUser("ansel", "")
	fake.Generate("ansel", 2, func(int) int { return 250 })
	cfg := fake.Config()
	cfg.MaxRetryDelay = 3 * time.Second
	a := newAccount(t, fake, cfg, "ansel", smugmug.SyncerConfig{})
	a.sync(t, smugmug.SyncOptions{})
	assertMirror(t, fake, a)
	reqs := fake.Requests()
	for _, r := range reqs {
		if r.Status == 429 {
			t.Fatalf("request %s?%s hit the server's limit", r.Path, r.Query)
		}
	}
	if len(reqs) != 8 {
		t.Fatalf("%d requests, want 8", len(reqs))
	}
}

func TestSyncTransient404AndVanishingAlbum(t *testing.T) {
	t.Parallel()
	fake := smugmugtest.New(t, smugmugtest.Options{})
	fake.AddUser("ansel", "")
	keys := fake.Generate("ansel", 3, func(int) int { return 120 })
	a := newAccount(t, fake, fake.Config(), "ansel", smugmug.SyncerConfig{})
	a.sync(t, smugmug.SyncOptions{})
	for _, k := range keys {
		fake.AddImage(k, smugmugtest.Image{})
	}
	var once sync.Once
	fake.SetFault(func(r smugmugtest.Request) *smugmugtest.Fault {
		var f *smugmugtest.Fault
		switch r.Path {
		case "/api/v2/album/" + keys[0] + "!images": // SmugMug's intermittent mid-walk 404
			if r.Query.Get("start") == "101" {
				once.Do(func() { f = &smugmugtest.Fault{Status: 404} })
			}
		case "/api/v2/album/" + keys[1] + "!images": // deleted after the album list
			f = &smugmugtest.Fault{Status: 404}
		}
		return f
	})
	res := a.sync(t, smugmug.SyncOptions{})
	if res.AlbumsSynced != 3 || res.Images != 2*121 {
		t.Fatalf("%+v", res)
	}
	fake.SetFault(nil)
	fake.DeleteAlbum(keys[1])
	res = a.sync(t, smugmug.SyncOptions{})
	if res.AlbumsDeleted != 1 || res.ImagesDeleted != 120 {
		t.Fatalf("%+v", res)
	}
	assertMirror(t, fake, a)
}

func TestSyncCollectedImageStaysInItsAlbum(t *testing.T) {
	t.Parallel()
	fake := smugmugtest.New(t, smugmugtest.Options{})
	fake.AddUser("ansel", "")
	keys := fake.Generate("ansel", 3, func(int) int { return 5 })
	a := newAccount(t, fake, fake.Config(), "ansel", smugmug.SyncerConfig{})
	a.sync(t, smugmug.SyncOptions{})
	st, _ := fake.AlbumState(keys[2])
	x := st.Images[0]

	// Collected into an earlier album: that album changes, the image's
	// own album does not.
	fake.CollectImage(x, keys[0])
	res := a.sync(t, smugmug.SyncOptions{})
	if res.ImagesMoved != 0 || res.AlbumsSynced != 1 || a.store.Images()[x].AlbumKey != keys[2] {
		t.Fatalf("collect: %+v, stored in %s", res, a.store.Images()[x].AlbumKey)
	}
	assertMirror(t, fake, a)
	fake.RemoveFromAlbum(x, keys[0])
	res = a.sync(t, smugmug.SyncOptions{})
	if res.ImagesDeleted != 0 || a.store.Images()[x].Deleted {
		t.Fatalf("un-collect deleted the image: %+v", res)
	}
	assertMirror(t, fake, a)
	// Deleting it removes it from every album.
	fake.CollectImage(x, keys[1])
	a.sync(t, smugmug.SyncOptions{})
	fake.DeleteImage(x)
	res = a.sync(t, smugmug.SyncOptions{})
	if res.ImagesDeleted != 1 || !a.store.Images()[x].Deleted {
		t.Fatalf("delete: %+v", res)
	}
	assertMirror(t, fake, a)
}
