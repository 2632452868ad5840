package storetest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/ratelimit"
	"github.com/targetvision/targetvision/internal/ratelimit/ratelimittest"
	"github.com/targetvision/targetvision/internal/store"
)

// Opener opens a fresh, migrated, empty store for one test.
type Opener func(t testing.TB, opts store.Options) *store.DB

// Clock is a settable clock for lease and backoff tests.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock starts a clock at a fixed instant.
func NewClock() *Clock { return &Clock{t: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)} }

// Now reads the clock.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// Run is the conformance suite: every store dialect must pass all of it.
func Run(t *testing.T, open Opener) {
	t.Run("Users", func(t *testing.T) { t.Parallel(); testUsers(t, open(t, store.Options{})) })
	t.Run("DefaultUserClaim", func(t *testing.T) { t.Parallel(); testDefaultUserClaim(t, open(t, store.Options{})) })
	t.Run("Sessions", func(t *testing.T) {
		t.Parallel()
		c := NewClock()
		testSessions(t, open(t, store.Options{Now: c.Now}), c)
	})
	t.Run("Sources", func(t *testing.T) { t.Parallel(); testSources(t, open(t, store.Options{})) })
	t.Run("Photos", func(t *testing.T) { t.Parallel(); testPhotos(t, open(t, store.Options{})) })
	t.Run("DeleteSource", func(t *testing.T) { t.Parallel(); testDeleteSource(t, open(t, store.Options{})) })
	t.Run("AbsorbSource", func(t *testing.T) { t.Parallel(); testAbsorbSource(t, open(t, store.Options{})) })
	t.Run("SkippedFiles", func(t *testing.T) { t.Parallel(); testSkippedFiles(t, open(t, store.Options{})) })
	t.Run("Filters", func(t *testing.T) { t.Parallel(); testFilters(t, open(t, store.Options{})) })
	t.Run("TextSearch", func(t *testing.T) { t.Parallel(); testTextSearch(t, open(t, store.Options{})) })
	t.Run("TextLanguage", func(t *testing.T) { t.Parallel(); testTextLanguage(t, open(t, store.Options{})) })
	t.Run("TextLanguageSimple", func(t *testing.T) {
		t.Parallel()
		testTextLanguageSimple(t, open(t, store.Options{TextLanguage: "simple"}))
	})
	t.Run("Embeddings", func(t *testing.T) { t.Parallel(); testEmbeddings(t, open(t, store.Options{})) })
	t.Run("JobsLifecycle", func(t *testing.T) {
		t.Parallel()
		c := NewClock()
		testJobsLifecycle(t, open(t, store.Options{Now: c.Now}), c)
	})
	t.Run("JobCounts", func(t *testing.T) { t.Parallel(); testJobCounts(t, open(t, store.Options{})) })
	t.Run("JobPrune", func(t *testing.T) {
		t.Parallel()
		c := NewClock()
		testJobPrune(t, open(t, store.Options{Now: c.Now}), c)
	})
	t.Run("ListenJobs", func(t *testing.T) { t.Parallel(); testListenJobs(t, open(t, store.Options{})) })
	t.Run("JobsConcurrentClaims", func(t *testing.T) { t.Parallel(); testJobsConcurrent(t, open(t, store.Options{})) })
	t.Run("DescribeLedger", func(t *testing.T) { t.Parallel(); testLedger(t, open(t, store.Options{})) })
	t.Run("Remote", func(t *testing.T) { t.Parallel(); testRemote(t, open(t, store.Options{})) })
	t.Run("UserSettings", func(t *testing.T) {
		t.Parallel()
		c := NewClock()
		testUserSettings(t, open(t, store.Options{Now: c.Now}), c)
	})
	t.Run("SourceWriteBack", func(t *testing.T) { t.Parallel(); testSourceWriteBack(t, open(t, store.Options{})) })
	t.Run("RemoteAlbumWrites", func(t *testing.T) { t.Parallel(); testRemoteAlbumWrites(t, open(t, store.Options{})) })
	t.Run("PhotoEdits", func(t *testing.T) { t.Parallel(); testPhotoEdits(t, open(t, store.Options{})) })
	t.Run("PhotoDates", func(t *testing.T) { t.Parallel(); testPhotoDates(t, open(t, store.Options{})) })
	t.Run("BulkEdits", func(t *testing.T) { t.Parallel(); testBulkEdits(t, open(t, store.Options{})) })
	t.Run("Places", func(t *testing.T) { t.Parallel(); testPlaces(t, open(t, store.Options{})) })
	t.Run("APITokens", func(t *testing.T) {
		t.Parallel()
		c := NewClock()
		testAPITokens(t, open(t, store.Options{Now: c.Now}), c)
	})
	t.Run("Accounts", func(t *testing.T) {
		t.Parallel()
		c := NewClock()
		testAccounts(t, open(t, store.Options{Now: c.Now}), c)
	})
	t.Run("RateBuckets", func(t *testing.T) {
		t.Parallel()
		ratelimittest.Run(t, func(t *testing.T, now func() time.Time) ratelimit.Buckets {
			return open(t, store.Options{Now: now}).RateBuckets()
		})
	})
	t.Run("RateBucketsPrune", func(t *testing.T) {
		t.Parallel()
		c := NewClock()
		testRatePrune(t, open(t, store.Options{Now: c.Now}), c)
	})
	t.Run("MigrateIdempotent", func(t *testing.T) {
		t.Parallel()
		db := open(t, store.Options{})
		n, err := db.Migrate(t.Context())
		if err != nil || n != 0 {
			t.Fatalf("second migrate: ran %d, err %v; want 0, nil", n, err)
		}
		if p, err := db.Pending(t.Context()); err != nil || p {
			t.Fatalf("pending after migrate = %v, %v", p, err)
		}
	})
}

// testRatePrune: Prune forgets the buckets that are full again, and only
// those; a forgotten bucket is full.
func testRatePrune(t *testing.T, db *store.DB, clock *Clock) {
	ctx := t.Context()
	b := db.RateBuckets()
	slow := ratelimit.Limit{Every: time.Hour, Burst: 1}
	fast := ratelimit.Limit{Every: time.Second, Burst: 1}
	for _, k := range []string{"slow", "fast"} {
		l := map[string]ratelimit.Limit{"slow": slow, "fast": fast}[k]
		if ok, _, err := b.Take(ctx, k, l); err != nil || !ok {
			t.Fatalf("take %s: %v %v", k, ok, err)
		}
	}
	clock.Advance(2 * time.Second)
	if n := must[int64](t)(b.Prune(ctx)); n != 1 {
		t.Fatalf("pruned %d buckets, want the full one only", n)
	}
	if ok, _, _ := b.Take(ctx, "slow", slow); ok {
		t.Fatal("prune forgot a bucket that was still empty")
	}
	if ok, _, _ := b.Take(ctx, "fast", fast); !ok {
		t.Fatal("a pruned bucket is not full")
	}
}

func must[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func noErr(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantNotFound(t testing.TB, err error, what string) {
	t.Helper()
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("%s: got %v, want ErrNotFound", what, err)
	}
}

func testUsers(t *testing.T, db *store.DB) {
	ctx := t.Context()
	d1 := must[store.User](t)(db.EnsureDefaultUser(ctx))
	d2 := must[store.User](t)(db.EnsureDefaultUser(ctx))
	if d1.ID != d2.ID || d1.Email != store.DefaultUserEmail || !d1.IsAdmin {
		t.Fatalf("default user not stable: %+v %+v", d1, d2)
	}
	if n := must[int](t)(db.CountUsers(ctx)); n != 0 {
		t.Fatalf("unclaimed default user counted: %d", n)
	}
	u := must[store.User](t)(db.CreateUser(ctx, " Ann@Example.com ", "hash", false))
	if u.Email != "ann@example.com" {
		t.Fatalf("email not normalised: %q", u.Email)
	}
	if _, err := db.CreateUser(ctx, "ANN@example.com", "h2", false); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("duplicate email: %v, want ErrConflict", err)
	}
	got := must[store.User](t)(db.UserByEmail(ctx, "ann@EXAMPLE.com"))
	if got.ID != u.ID {
		t.Fatalf("UserByEmail = %+v", got)
	}
	_, err := db.UserByID(ctx, 999999)
	wantNotFound(t, err, "UserByID")

	noErr(t, db.SetPassword(ctx, u.ID, "new hash"))
	if got := must[store.User](t)(db.UserByID(ctx, u.ID)); got.PasswordHash != "new hash" {
		t.Fatalf("SetPassword kept %q", got.PasswordHash)
	}
	wantNotFound(t, db.SetPassword(ctx, 999999, "x"), "SetPassword of unknown user")

	c := must[store.User](t)(db.ClaimDefaultUser(ctx, "owner@example.com", "pw"))
	if c.ID != d1.ID || !c.IsAdmin || c.PasswordHash != "pw" {
		t.Fatalf("claim kept id? %+v vs %+v", c, d1)
	}
	_, err = db.ClaimDefaultUser(ctx, "second@example.com", "pw")
	wantNotFound(t, err, "second claim")
}

// testDefaultUserClaim: the CLI's user is found by its flag, not its
// e-mail — an account holding the reserved address is not it — and of many
// concurrent claims exactly one wins, keeping the id (and so the photos).
func testDefaultUserClaim(t *testing.T, db *store.DB) {
	ctx := t.Context()
	// An account that took the reserved address before it was reserved.
	must[store.User](t)(db.CreateUser(ctx, " LOCAL@targetvision.invalid ", "attacker's hash", false))
	if _, err := db.EnsureDefaultUser(ctx); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("default user with its address taken: %v, want ErrConflict (never the squatter)", err)
	}
	if _, err := db.ClaimDefaultUser(ctx, "owner@example.com", "pw"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("claiming a default user that does not exist: %v", err)
	}

	// With the address free again, a default user appears; claims race.
	if _, err := db.SQL().ExecContext(ctx, "DELETE FROM users WHERE email = 'local@targetvision.invalid'"); err != nil {
		t.Fatal(err)
	}
	def := must[store.User](t)(db.EnsureDefaultUser(ctx))
	const racers = 8
	var wg sync.WaitGroup
	won := make(chan store.User, racers)
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u, err := db.ClaimDefaultUser(ctx, fmt.Sprintf("racer%d@example.com", i), "pw")
			switch {
			case err == nil:
				won <- u
			case !errors.Is(err, store.ErrNotFound):
				t.Errorf("racer %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	close(won)
	var winners []store.User
	for u := range won {
		winners = append(winners, u)
	}
	if len(winners) != 1 || winners[0].ID != def.ID || !winners[0].IsAdmin {
		t.Fatalf("claim winners %+v, want exactly one, keeping default user %d", winners, def.ID)
	}
	// The claimed account stays the CLI's user; no second default appears.
	again := must[store.User](t)(db.EnsureDefaultUser(ctx))
	if again.ID != def.ID || again.Email != winners[0].Email {
		t.Fatalf("after the claim the CLI's user is %+v, want the claimer %+v", again, winners[0])
	}
	if n := must[int](t)(db.CountUsers(ctx)); n != 1 {
		t.Fatalf("CountUsers after the claim = %d, want 1", n)
	}
}

// testSessions: a session is live until it expires or is deleted; one
// user's session ids do nothing for another; deleting all keeps one.
func testSessions(t *testing.T, db *store.DB, clock *Clock) {
	ctx := t.Context()
	a, b := twoUsers(t, db)
	live := func(uid int64, id string) bool {
		t.Helper()
		return must[bool](t)(db.SessionActive(ctx, uid, id))
	}
	exp := clock.Now().Add(time.Hour)
	for _, id := range []string{"a1", "a2", "a3"} {
		noErr(t, db.CreateSession(ctx, store.Session{ID: id, UserID: a.ID, ExpiresAt: exp, UserAgent: "Firefox", IP: "192.0.2.1"}))
		clock.Advance(time.Second)
	}
	noErr(t, db.CreateSession(ctx, store.Session{ID: "b1", UserID: b.ID, ExpiresAt: exp}))
	if err := db.CreateSession(ctx, store.Session{ID: "a1", UserID: b.ID, ExpiresAt: exp}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("reused session id: %v, want ErrConflict", err)
	}
	if !live(a.ID, "a1") || live(b.ID, "a1") || live(a.ID, "nope") {
		t.Fatal("SessionActive does not scope sessions to their user")
	}
	xs := must[[]store.Session](t)(db.Sessions(ctx, a.ID))
	if len(xs) != 3 || xs[0].UserAgent != "Firefox" || xs[0].IP != "192.0.2.1" || !xs[0].ExpiresAt.Equal(exp) {
		t.Fatalf("Sessions = %+v", xs)
	}
	// Use is noted, at most every few minutes, and orders the list.
	clock.Advance(10 * time.Minute)
	live(a.ID, "a1")
	xs = must[[]store.Session](t)(db.Sessions(ctx, a.ID))
	if xs[0].ID != "a1" || !xs[0].LastSeenAt.Equal(clock.Now()) {
		t.Fatalf("after use the list is %+v, want a1 first, seen now", xs)
	}

	wantNotFound(t, db.DeleteSession(ctx, b.ID, "a2"), "deleting another user's session")
	noErr(t, db.DeleteSession(ctx, a.ID, "a2"))
	if live(a.ID, "a2") {
		t.Fatal("deleted session still live")
	}
	if n := must[int](t)(db.DeleteSessions(ctx, a.ID, "a3")); n != 1 || !live(a.ID, "a3") || live(a.ID, "a1") || !live(b.ID, "b1") {
		t.Fatalf("DeleteSessions keeping a3 ended %d", n)
	}

	newExp := clock.Now().Add(2 * time.Hour)
	noErr(t, db.ExtendSession(ctx, a.ID, "a3", newExp))
	wantNotFound(t, db.ExtendSession(ctx, b.ID, "a3", newExp), "extending another user's session")
	clock.Advance(time.Hour)
	if !live(a.ID, "a3") || live(b.ID, "b1") {
		t.Fatal("expiry: the extended session must live, the other must have ended")
	}
	if xs := must[[]store.Session](t)(db.Sessions(ctx, b.ID)); len(xs) != 0 {
		t.Fatalf("expired sessions listed: %+v", xs)
	}
	// A new session prunes the user's expired ones.
	noErr(t, db.CreateSession(ctx, store.Session{ID: "b2", UserID: b.ID, ExpiresAt: clock.Now().Add(time.Hour)}))
	var n int
	noErr(t, db.SQL().QueryRowContext(ctx, "SELECT COUNT(*) FROM sessions WHERE user_id = $1", b.ID).Scan(&n))
	if n != 1 {
		t.Fatalf("%d session rows for b after the prune, want 1", n)
	}
	// Removing the user ends its sessions.
	if _, err := db.SQL().ExecContext(ctx, "DELETE FROM users WHERE id = $1", b.ID); err != nil {
		t.Fatal(err)
	}
	if live(b.ID, "b2") {
		t.Fatal("a removed user's session lives on")
	}
}

func twoUsers(t testing.TB, db *store.DB) (a, b store.User) {
	ctx := context.Background()
	a = must[store.User](t)(db.CreateUser(ctx, "a@example.com", "x", false))
	b = must[store.User](t)(db.CreateUser(ctx, "b@example.com", "x", false))
	return a, b
}

func testSources(t *testing.T, db *store.DB) {
	ctx := t.Context()
	a, b := twoUsers(t, db)
	s1 := must[store.Source](t)(db.CreateSource(ctx, store.Source{UserID: a.ID, Kind: store.SourceLocal, Name: "/photos", Path: "/photos"}))
	s2 := must[store.Source](t)(db.CreateSource(ctx, store.Source{UserID: a.ID, Kind: store.SourceLocal, Name: "/photos", Path: "/photos"}))
	if s1.ID != s2.ID || s1.Status != store.SourceOK {
		t.Fatalf("adding a folder twice made two sources: %d %d", s1.ID, s2.ID)
	}
	_, err := db.Source(ctx, b.ID, s1.ID)
	wantNotFound(t, err, "other user's source")
	wantNotFound(t, db.SetSourceStatus(ctx, b.ID, s1.ID, store.SourceError, "x", time.Time{}), "other user's status")

	when := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	noErr(t, db.SetSourceStatus(ctx, a.ID, s1.ID, store.SourceError, "disk gone", when))
	noErr(t, db.SetSourceCursor(ctx, a.ID, s1.ID, []byte(`{"c":1}`)))
	noErr(t, db.SetSourceToken(ctx, a.ID, s1.ID, []byte{1, 2, 3}))
	got := must[store.Source](t)(db.Source(ctx, a.ID, s1.ID))
	if got.Status != store.SourceError || got.LastError != "disk gone" || !got.LastSyncedAt.Equal(when) ||
		string(got.Cursor) != `{"c":1}` || !slices.Equal(got.Token, []byte{1, 2, 3}) {
		t.Fatalf("source round trip: %+v", got)
	}
	if l := must[[]store.Source](t)(db.Sources(ctx, b.ID)); len(l) != 0 {
		t.Fatalf("user b sees %d sources", len(l))
	}
	if l := must[[]store.Source](t)(db.AllSources(ctx)); len(l) != 1 {
		t.Fatalf("AllSources = %d", len(l))
	}
}

// fixture is a user with a source and an album.
type fixture struct {
	user   store.User
	source store.Source
	album  store.Album
}

func newFixture(t testing.TB, db *store.DB, email string) fixture {
	ctx := context.Background()
	var f fixture
	f.user = must[store.User](t)(db.CreateUser(ctx, email, "x", false))
	f.source = must[store.Source](t)(db.CreateSource(ctx, store.Source{UserID: f.user.ID, Kind: store.SourceLocal, Name: "/p", Path: "/p"}))
	f.album = must[store.Album](t)(db.UpsertAlbum(ctx, store.Album{UserID: f.user.ID, SourceID: f.source.ID, Key: "trips", Name: "Summer Trips"}))
	return f
}

func (f fixture) photo(key string) store.Photo {
	return store.Photo{UserID: f.user.ID, SourceID: f.source.ID, AlbumID: f.album.ID, SourceKey: key, FileName: key, ContentHash: "h-" + key}
}

func testPhotos(t *testing.T, db *store.DB) {
	ctx := t.Context()
	f := newFixture(t, db, "a@example.com")
	g := newFixture(t, db, "b@example.com")

	p := f.photo("trips/IMG_0001.jpg")
	p.Title, p.Caption, p.Keywords = "Lake", "Kids at the lake", []string{"lake", "summer"}
	p.TakenAt = time.Date(2024, 7, 1, 18, 30, 0, 0, time.UTC)
	p.Width, p.Height, p.Size, p.Format = 4000, 3000, 123456, "jpeg"
	p.CameraMake, p.CameraModel, p.Lens, p.ExposureTime, p.FNumber, p.ISO, p.FocalLength = "Canon", "EOS 40D", "EF 50mm", "1/250", 2.8, 200, 50
	p.GPS = &store.GPS{Lat: 47.5, Lon: -122.25}
	p.Place = "Seattle, United States" // named by the store from the GPS
	p.Rating, p.Label, p.Issue = 4, "Red", ""
	p.Companions = []store.Companion{{Key: "trips/IMG_0001.CR2", Role: store.CompanionRAW, Size: 25 << 20,
		ModTime: time.Date(2024, 7, 1, 18, 31, 0, 0, time.UTC)}, {Key: "trips/IMG_0001.xmp", Role: store.CompanionSidecar, Size: 900,
		ModTime: time.Date(2024, 7, 2, 9, 0, 0, 0, time.UTC)}}
	got, changed, err := db.UpsertPhoto(ctx, p)
	noErr(t, err)
	if !changed || got.ID == 0 || got.Status != store.PhotoPending || got.AlbumName != "Summer Trips" {
		t.Fatalf("insert: changed=%v %+v", changed, got)
	}
	p.ID, p.CreatedAt, p.UpdatedAt, p.Status, p.AlbumName = got.ID, got.CreatedAt, got.UpdatedAt, got.Status, got.AlbumName
	if !reflect.DeepEqual(got, p) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, p)
	}
	_, changed, err = db.UpsertPhoto(ctx, p)
	noErr(t, err)
	if changed {
		t.Fatal("same content reported as changed")
	}
	p.ContentHash = "h-new"
	again, changed, err := db.UpsertPhoto(ctx, p)
	noErr(t, err)
	if !changed || again.ID != got.ID {
		t.Fatalf("new content: changed=%v id %d→%d", changed, got.ID, again.ID)
	}

	_, err = db.Photo(ctx, g.user.ID, got.ID)
	wantNotFound(t, err, "other user's photo")
	if l := must[[]store.Photo](t)(db.PhotosByIDs(ctx, g.user.ID, []int64{got.ID})); len(l) != 0 {
		t.Fatal("PhotosByIDs leaks another user's photo")
	}
	if l := must[[]store.Photo](t)(db.PhotosByHash(ctx, f.user.ID, "h-new")); len(l) != 1 || l[0].ID != got.ID {
		t.Fatalf("PhotosByHash = %+v", l)
	}
	keys := must[map[string]int64](t)(db.SourceKeys(ctx, f.user.ID, f.source.ID))
	if len(keys) != 1 || keys["trips/IMG_0001.jpg"] != got.ID {
		t.Fatalf("SourceKeys = %v", keys)
	}

	noErr(t, db.MovePhoto(ctx, f.user.ID, got.ID, "other/IMG_0001.jpg", "IMG_0001.jpg", 0))
	moved := must[store.Photo](t)(db.PhotoByKey(ctx, f.user.ID, f.source.ID, "other/IMG_0001.jpg"))
	if moved.ID != got.ID || moved.AlbumID != 0 {
		t.Fatalf("move: %+v", moved)
	}
	noErr(t, db.SetPhotoStatus(ctx, f.user.ID, got.ID, store.PhotoFailed, store.IssueCorrupt, "photo: x.jpg: corrupt image: EOF"))
	if c := must[map[string]int](t)(db.CountPhotos(ctx, f.user.ID)); c[store.PhotoFailed] != 1 {
		t.Fatalf("CountPhotos = %v", c)
	}
	if is := must[[]store.FileIssue](t)(db.FileIssues(ctx, f.user.ID, f.source.ID)); len(is) != 1 || is[0].Reason != store.IssueCorrupt ||
		is[0].PhotoID != got.ID || is[0].Path != "other/IMG_0001.jpg" || !strings.Contains(is[0].Detail, "EOF") {
		t.Fatalf("FileIssues after a failure = %+v", is)
	}
	wantNotFound(t, db.DeletePhoto(ctx, g.user.ID, got.ID), "delete other user's photo")

	noErr(t, db.SaveAIMetadata(ctx, store.AIMetadata{PhotoID: got.ID, UserID: f.user.ID, Model: "m", PromptVersion: "v1",
		Description: "Two kids jump off a dock.", Keywords: []string{"dock", "jump"}, Colors: []string{"blue"}, PeopleCount: 2,
		InputTokens: 100, OutputTokens: 50, CostUSD: 0.0005}))
	wantNotFound(t, db.SaveAIMetadata(ctx, store.AIMetadata{PhotoID: got.ID, UserID: g.user.ID, Model: "m"}), "ai metadata for other user's photo")
	m := must[store.AIMetadata](t)(db.AIMetadata(ctx, f.user.ID, got.ID))
	if m.Description != "Two kids jump off a dock." || !slices.Equal(m.Keywords, []string{"dock", "jump"}) || m.PeopleCount != 2 || m.CostUSD != 0.0005 {
		t.Fatalf("ai metadata round trip: %+v", m)
	}
	_, err = db.AIMetadata(ctx, g.user.ID, got.ID)
	wantNotFound(t, err, "other user's ai metadata")

	noErr(t, db.DeletePhoto(ctx, f.user.ID, got.ID))
	_, err = db.Photo(ctx, f.user.ID, got.ID)
	wantNotFound(t, err, "deleted photo")
	if hits := must[[]store.TextHit](t)(db.SearchText(ctx, f.user.ID, store.TextQuery{Terms: []string{"dock"}})); len(hits) != 0 {
		t.Fatalf("deleted photo still found: %v", hits)
	}
	wantNotFound(t, db.DeleteAlbum(ctx, g.user.ID, f.album.ID), "delete other user's album")
}

func testFilters(t *testing.T, db *store.DB) {
	ctx := t.Context()
	f := newFixture(t, db, "a@example.com")
	other := must[store.Album](t)(db.UpsertAlbum(ctx, store.Album{UserID: f.user.ID, SourceID: f.source.ID, Key: "home", Name: "Home"}))
	mk := func(key, camera string, taken time.Time, album int64, kw []string, gps bool) int64 {
		p := f.photo(key)
		p.CameraMake, p.CameraModel, p.TakenAt, p.AlbumID, p.Keywords = "Canon", camera, taken, album, kw
		if gps {
			p.GPS = &store.GPS{Lat: 1, Lon: 2}
		}
		got, _, err := db.UpsertPhoto(ctx, p)
		noErr(t, err)
		return got.ID
	}
	d := func(y int) time.Time { return time.Date(y, 6, 1, 0, 0, 0, 0, time.UTC) }
	p1 := mk("a.jpg", "EOS 40D", d(2020), f.album.ID, []string{"Beach"}, true)
	p2 := mk("b.jpg", "EOS R5", d(2022), other.ID, []string{"barn"}, false)
	p3 := mk("c.jpg", "EOS R5", time.Time{}, f.album.ID, nil, false)
	exposure := map[int64]struct {
		stars   int
		lens    string
		iso     int
		fNumber float64
	}{p1: {2, "EF 50mm f/1.8 STM", 100, 1.8}, p2: {5, "RF 24-70mm F2.8 L", 3200, 2.8}, p3: {-1, "", 0, 0}}
	for id, e := range exposure {
		p := must[store.Photo](t)(db.Photo(ctx, f.user.ID, id))
		p.Rating, p.Lens, p.ISO, p.FNumber = e.stars, e.lens, e.iso, e.fNumber
		_, _, err := db.UpsertPhoto(ctx, p)
		noErr(t, err)
	}
	fav := true
	noErr(t, db.SetPhotoEdits(ctx, f.user.ID, p2, store.PhotoEdit{Favorite: &fav}))
	g := newFixture(t, db, "b@example.com")
	mk2, _, err := db.UpsertPhoto(ctx, g.photo("a.jpg"))
	noErr(t, err)

	cases := []struct {
		name string
		f    store.Filter
		want []int64
	}{
		{"all", store.Filter{}, []int64{p2, p1, p3}},
		{"album by id", store.Filter{AlbumID: f.album.ID}, []int64{p1, p3}},
		{"album by name", store.Filter{Album: "home"}, []int64{p2}},
		{"camera", store.Filter{Camera: "r5"}, []int64{p2, p3}},
		{"keyword case-insensitive", store.Filter{Keyword: "beach"}, []int64{p1}},
		{"from", store.Filter{From: d(2021)}, []int64{p2}},
		{"to", store.Filter{To: d(2021)}, []int64{p1}},
		{"gps", store.Filter{HasGPS: true}, []int64{p1}},
		{"rating at least 3", store.Filter{MinRating: 3}, []int64{p2}},
		{"rating at least 2", store.Filter{MinRating: 2}, []int64{p2, p1}},
		{"source", store.Filter{SourceID: g.source.ID}, nil},
		{"lens", store.Filter{Lens: "50MM"}, []int64{p1}},
		{"lens _ is literal", store.Filter{Lens: "24_70"}, nil},
		{"ISO at least", store.Filter{MinISO: 400}, []int64{p2}},
		{"ISO at most (a photo without one is not ISO 0)", store.Filter{MaxISO: 400}, []int64{p1}},
		{"ISO exactly", store.Filter{MinISO: 100, MaxISO: 100}, []int64{p1}},
		{"aperture up to", store.Filter{MaxFNumber: 2}, []int64{p1}},
		{"aperture from", store.Filter{MinFNumber: 2.8}, []int64{p2}},
		{"aperture range", store.Filter{MinFNumber: 1.75, MaxFNumber: 2.85}, []int64{p2, p1}},
		{"favourites", store.Filter{Favorite: true}, []int64{p2}},
		{"favourites with a rating", store.Filter{Favorite: true, MinRating: 3, Lens: "rf"}, []int64{p2}},
		// LIKE's wildcards in what the user typed are plain characters.
		{"camera _ is literal", store.Filter{Camera: "_"}, nil},
		{"camera % is literal", store.Filter{Camera: "eos%40"}, nil},
		{"keyword % is literal", store.Filter{Keyword: "%"}, nil},
		{"keyword _ is literal", store.Filter{Keyword: "b_rn"}, nil},
		{"exclude a word (by its stem)", store.Filter{Exclude: "barns"}, []int64{p1, p3}},
		{"exclude any of two words", store.Filter{Exclude: "beach BARN"}, []int64{p3}},
		{"exclude within an album", store.Filter{Exclude: "beach", AlbumID: f.album.ID}, []int64{p3}},
		{"excluding a stop word excludes nothing", store.Filter{Exclude: "the"}, []int64{p2, p1, p3}},
	}
	for _, c := range cases {
		ps, total, err := db.ListPhotos(ctx, f.user.ID, c.f, 10, 0)
		noErr(t, err)
		var ids []int64
		for _, p := range ps {
			ids = append(ids, p.ID)
		}
		if !slices.Equal(ids, c.want) || total != len(c.want) {
			t.Errorf("%s: got %v (total %d), want %v", c.name, ids, total, c.want)
		}
	}
	ps, total, err := db.ListPhotos(ctx, f.user.ID, store.Filter{}, 1, 1)
	noErr(t, err)
	if total != 3 || len(ps) != 1 || ps[0].ID != p1 {
		t.Fatalf("pagination: total %d, %+v", total, ps)
	}
	if ps, _, _ := db.ListPhotos(ctx, g.user.ID, store.Filter{}, 10, 0); len(ps) != 1 || ps[0].ID != mk2.ID {
		t.Fatalf("user scoping in ListPhotos: %+v", ps)
	}
	albums := must[[]store.AlbumSummary](t)(db.Albums(ctx, f.user.ID))
	if len(albums) != 2 || albums[0].Name != "Home" || albums[0].PhotoCount != 1 || albums[1].PhotoCount != 2 {
		t.Fatalf("Albums = %+v", albums)
	}
}

func testTextSearch(t *testing.T, db *store.DB) {
	ctx := t.Context()
	f := newFixture(t, db, "a@example.com")
	g := newFixture(t, db, "b@example.com")
	add := func(fx fixture, key, title, desc string) int64 {
		p := fx.photo(key)
		p.Title = title
		got, _, err := db.UpsertPhoto(ctx, p)
		noErr(t, err)
		if desc != "" {
			noErr(t, db.SaveAIMetadata(ctx, store.AIMetadata{PhotoID: got.ID, UserID: fx.user.ID, Model: "m", PromptVersion: "1", Description: desc}))
		}
		return got.ID
	}
	barn := add(f, "IMG_2041.jpg", "Red barn", "A red barn in snow at dusk.")
	lake := add(f, "DSC_7781.jpg", "", "Kids jumping into a lake at sunset.")
	both := add(f, "x.jpg", "Barn by the lake", "")
	add(g, "g.jpg", "Red barn", "A red barn in snow.")

	ids := func(hits []store.TextHit) []int64 {
		var out []int64
		for _, h := range hits {
			out = append(out, h.PhotoID)
		}
		return out
	}
	search := func(q store.TextQuery) []int64 {
		t.Helper()
		return ids(must[[]store.TextHit](t)(db.SearchText(ctx, f.user.ID, q)))
	}
	sorted := func(xs ...int64) []int64 { slices.Sort(xs); return xs }
	set := func(xs []int64) []int64 { return sorted(xs...) }

	if got := search(store.TextQuery{Terms: []string{"barn"}}); !slices.Equal(set(got), sorted(barn, both)) {
		t.Errorf("barn: %v", got)
	}
	if got := search(store.TextQuery{Terms: []string{"jump"}}); !slices.Equal(got, []int64{lake}) {
		t.Errorf("stem jump (jumping): %v", got)
	}
	if got := search(store.TextQuery{Terms: []string{"2041"}}); !slices.Equal(got, []int64{barn}) {
		t.Errorf("file-name part: %v", got)
	}
	if got := search(store.TextQuery{Terms: []string{"trips"}}); len(got) != 3 {
		t.Errorf("album name: %v", got)
	}
	if got := search(store.TextQuery{Terms: []string{"barn", "snow"}}); len(got) != 2 || got[0] != barn {
		t.Errorf("more matched terms rank first: %v (barn=%d)", got, barn)
	}
	// Photos with every word come first even when a photo with one word
	// many times would outrank them word by word.
	h := newFixture(t, db, "c@example.com")
	add(h, "heavy.jpg", "Barn, barn, barn", "Barn. The barn. A barn, barn.")
	quiet := add(h, "quiet.jpg", "", "An old shed and, far away, a barn; behind it a lake.")
	if got := ids(must[[]store.TextHit](t)(db.SearchText(ctx, h.user.ID, store.TextQuery{Terms: []string{"barn", "lake"}, Limit: 1}))); !slices.Equal(got, []int64{quiet}) {
		t.Errorf("a photo with every word ranks first: %v (want %d)", got, quiet)
	}
	if got := search(store.TextQuery{Terms: []string{"barn", "lake"}}); !slices.Equal(set(got), sorted(barn, lake, both)) {
		t.Errorf("any word matches when all do not fill the list: %v", got)
	}
	if got := search(store.TextQuery{Phrases: []string{"red barn"}}); !slices.Equal(got, []int64{barn}) {
		t.Errorf("phrase: %v", got)
	}
	if got := search(store.TextQuery{Terms: []string{"barn"}, Exclude: []string{"lake"}}); !slices.Equal(got, []int64{barn}) {
		t.Errorf("exclude: %v", got)
	}
	if got := search(store.TextQuery{Exclude: []string{"lake"}}); len(got) != 0 {
		t.Errorf("only exclusions must not search: %v", got)
	}
	if got := search(store.TextQuery{Terms: []string{"barn"}, Filter: store.Filter{Album: "nope"}}); len(got) != 0 {
		t.Errorf("filter: %v", got)
	}
	if got := search(store.TextQuery{Terms: []string{`"); DROP TABLE photos; --`, "barn*", "NOT"}}); !slices.Equal(set(got), sorted(barn, both)) {
		t.Errorf("hostile syntax is plain text: %v", got)
	}
	if got := search(store.TextQuery{Terms: []string{"barn"}, Limit: 1}); len(got) != 1 {
		t.Errorf("limit: %v", got)
	}
}

// describedPhotos adds one photo per description (as its AI description)
// and returns their ids in order.
func describedPhotos(t testing.TB, db *store.DB, f fixture, descs ...string) []int64 {
	var ids []int64
	for i, d := range descs {
		p, _, err := db.UpsertPhoto(context.Background(), f.photo(fmt.Sprintf("p%d.jpg", i)))
		noErr(t, err)
		noErr(t, db.SaveAIMetadata(context.Background(), store.AIMetadata{PhotoID: p.ID, UserID: f.user.ID, Model: "m", PromptVersion: "1", Description: d}))
		ids = append(ids, p.ID)
	}
	return ids
}

func hitIDs(hits []store.TextHit) []int64 {
	out := []int64{}
	for _, h := range hits {
		out = append(out, h.PhotoID)
	}
	return out
}

// testTextLanguage: the language rules of the default (english) text leg
// are the same on every store — stop words never match on their own, a
// word matches its other forms (stems, not prefixes), phrases keep their
// order.
func testTextLanguage(t *testing.T, db *store.DB) {
	ctx := t.Context()
	f := newFixture(t, db, "a@example.com")
	ids := describedPhotos(t, db, f,
		"A red barn in snow at dusk.",
		"Three people in a field at noon, the sun behind them.",
		"Two zebracorns graze by the barn.",
		"A zebracorn alone on a hill.",
		"Snow on a red roof.",
	)
	barn, field, zebras, zebra, roof := ids[0], ids[1], ids[2], ids[3], ids[4]
	search := func(q store.TextQuery) []int64 {
		t.Helper()
		got := hitIDs(must[[]store.TextHit](t)(db.SearchText(ctx, f.user.ID, q)))
		slices.Sort(got)
		return got
	}
	set := func(xs ...int64) []int64 { xs = append([]int64{}, xs...); slices.Sort(xs); return xs }
	for _, w := range []string{"the", "a", "at", "in", "The", "AT"} {
		if got := search(store.TextQuery{Terms: []string{w}}); len(got) != 0 {
			t.Errorf("stop word %q alone matched %v", w, got)
		}
	}
	if got := search(store.TextQuery{Terms: []string{"the", "at", "a"}, Phrases: []string{"in the"}}); len(got) != 0 {
		t.Errorf("a query of stop words matched %v", got)
	}
	if got := search(store.TextQuery{Terms: []string{"red", "barn", "in", "snow"}}); !slices.Equal(got, set(barn, zebras, roof)) {
		t.Errorf("red barn in snow: %v, want the photos with red, barn or snow (%v), not every photo with \"in\"", got, set(barn, zebras, roof))
	}
	if hits := must[[]store.TextHit](t)(db.SearchText(ctx, f.user.ID, store.TextQuery{Terms: []string{"red", "barn", "in", "snow"}})); len(hits) == 0 || hits[0].PhotoID != barn {
		t.Errorf("red barn in snow: the photo with every word is not first: %v", hitIDs(hits))
	}
	if got := search(store.TextQuery{Terms: []string{"zebracorns"}}); !slices.Equal(got, set(zebras, zebra)) {
		t.Errorf("zebracorns (a stem of zebracorn): %v, want %v", got, set(zebras, zebra))
	}
	if got := search(store.TextQuery{Terms: []string{"zebracorn"}}); !slices.Equal(got, set(zebras, zebra)) {
		t.Errorf("zebracorn: %v", got)
	}
	if got := search(store.TextQuery{Terms: []string{"zebra"}}); len(got) != 0 {
		t.Errorf("zebra is not a form of zebracorn, only a prefix: %v", got)
	}
	if got := search(store.TextQuery{Terms: []string{"grazing"}}); !slices.Equal(got, []int64{zebras}) {
		t.Errorf("grazing (graze): %v", got)
	}
	if got := search(store.TextQuery{Phrases: []string{"red barn"}}); !slices.Equal(got, []int64{barn}) {
		t.Errorf("phrase red barn: %v", got)
	}
	if got := search(store.TextQuery{Phrases: []string{"barn red"}}); len(got) != 0 {
		t.Errorf("a phrase keeps its order: barn red matched %v", got)
	}
	if got := search(store.TextQuery{Phrases: []string{"barn in snow"}}); !slices.Equal(got, []int64{barn}) {
		t.Errorf("a phrase with a stop word: %v", got)
	}
	if got := search(store.TextQuery{Terms: []string{"barn"}, Exclude: []string{"the"}}); !slices.Equal(got, set(barn, zebras)) {
		t.Errorf("an excluded stop word excludes nothing: %v", got)
	}
	if got := search(store.TextQuery{Terms: []string{"snow"}, Exclude: []string{"roofs"}}); !slices.Equal(got, []int64{barn}) {
		t.Errorf("an exclusion matches stems too: %v", got)
	}
	_ = field

	// Where each word matched, in the photo's own words.
	p := f.photo("fields.jpg")
	p.Title, p.Keywords = "Old barn", []string{"Snowing", "farm"}
	tp, _, err := db.UpsertPhoto(ctx, p)
	titled := tp.ID
	noErr(t, err)
	g := newFixture(t, db, "b@example.com")
	theirs := describedPhotos(t, db, g, "A red barn in snow.")[0]
	matches := must[[]store.TextMatch](t)(db.TextMatches(ctx, f.user.ID, []int64{zebras, barn, titled, theirs},
		store.TextQuery{Terms: []string{"zebracorn", "barn", "in", "snow"}, Phrases: []string{"red barn", "in the"}}))
	type m struct {
		photo              int64
		term, field, words string
	}
	var gotM []m
	for _, x := range matches {
		gotM = append(gotM, m{x.PhotoID, x.Term, x.Field, strings.Join(x.Words, ",")})
	}
	wantM := []m{
		{zebras, "zebracorn", store.FieldDescription, "zebracorns"},
		{zebras, "barn", store.FieldDescription, "barn"},
		{barn, "barn", store.FieldDescription, "barn"},
		{barn, "snow", store.FieldDescription, "snow"},
		{barn, "red barn", store.FieldDescription, "red,barn"},
		{titled, "barn", store.FieldTitle, "barn"},
		{titled, "snow", store.FieldKeywords, "snowing"},
	}
	if !slices.Equal(gotM, wantM) {
		t.Errorf("TextMatches:\n got %v\nwant %v", gotM, wantM)
	}

	// Did you mean: the user's own words nearest to a typo.
	describedPhotos(t, db, g, "A flamingo.")
	sugg := must[map[string]string](t)(db.SuggestWords(ctx, f.user.ID, []string{"zebracorm", "grazng", "peopel", "xqzzyv", "the", "flamingoo", "ba"}))
	if g := sugg["grazng"]; len(sugg) != 3 || sugg["zebracorm"] != "zebracorn" || (g != "graze" && g != "grazes") || sugg["peopel"] != "people" {
		t.Errorf("SuggestWords = %v, want zebracorm: zebracorn, grazng: graze(s), peopel: people (its stem is peopl) and nothing else (another user's words are never offered)", sugg)
	}

	stop := must[[]string](t)(db.StopWords(ctx, []string{"the", "barn", "in", "zebracorns", "at"}))
	if !slices.Equal(stop, []string{"the", "in", "at"}) {
		t.Errorf("StopWords = %v", stop)
	}
}

// testTextLanguageSimple: the "simple" language has neither stop words nor
// stems, on every store.
func testTextLanguageSimple(t *testing.T, db *store.DB) {
	ctx := t.Context()
	if db.TextLanguage() != "simple" {
		t.Fatalf("TextLanguage = %q", db.TextLanguage())
	}
	f := newFixture(t, db, "a@example.com")
	ids := describedPhotos(t, db, f, "The zebracorns in the snow.", "A zebracorn.")
	search := func(w string) []int64 {
		t.Helper()
		return hitIDs(must[[]store.TextHit](t)(db.SearchText(ctx, f.user.ID, store.TextQuery{Terms: []string{w}})))
	}
	if got := search("the"); !slices.Equal(got, ids[:1]) {
		t.Errorf("simple: the = %v", got)
	}
	if got := search("zebracorn"); !slices.Equal(got, ids[1:]) {
		t.Errorf("simple: zebracorn = %v (no stems)", got)
	}
	if stop := must[[]string](t)(db.StopWords(ctx, []string{"the", "a"})); len(stop) != 0 {
		t.Errorf("simple: StopWords = %v", stop)
	}
}

func testEmbeddings(t *testing.T, db *store.DB) {
	ctx := t.Context()
	f := newFixture(t, db, "a@example.com")
	g := newFixture(t, db, "b@example.com")
	p, _, err := db.UpsertPhoto(ctx, f.photo("a.jpg"))
	noErr(t, err)
	v := make([]float32, 512)
	for i := range v {
		v[i] = float32(math.Sin(float64(i))) / 16
	}
	noErr(t, db.SaveEmbedding(ctx, store.Embedding{PhotoID: p.ID, UserID: f.user.ID, Model: "clip", Vector: v}))
	wantNotFound(t, db.SaveEmbedding(ctx, store.Embedding{PhotoID: p.ID, UserID: g.user.ID, Model: "clip", Vector: v}), "embedding for other user's photo")
	got := must[[]float32](t)(db.Embedding(ctx, f.user.ID, p.ID, "clip"))
	if !slices.Equal(got, v) {
		t.Fatal("embedding round trip lost precision")
	}
	_, err = db.Embedding(ctx, g.user.ID, p.ID, "clip")
	wantNotFound(t, err, "other user's embedding")
	n := 0
	noErr(t, db.ScanEmbeddings(ctx, "clip", func(uid, pid int64, vec []float32) error {
		n++
		if uid != f.user.ID || pid != p.ID || len(vec) != 512 {
			t.Errorf("scan: %d %d %d", uid, pid, len(vec))
		}
		return nil
	}))
	if n != 1 {
		t.Fatalf("scanned %d", n)
	}
}

func testJobsLifecycle(t *testing.T, db *store.DB, clock *Clock) {
	ctx := t.Context()
	f := newFixture(t, db, "a@example.com")
	j1, created, err := db.Enqueue(ctx, store.Job{UserID: f.user.ID, Kind: "embed", DedupeKey: "embed:1", Payload: []byte(`{"p":1}`)})
	noErr(t, err)
	if !created || j1.State != store.JobQueued {
		t.Fatalf("enqueue: %+v", j1)
	}
	if _, created, _ := db.Enqueue(ctx, store.Job{UserID: f.user.ID, Kind: "embed", DedupeKey: "embed:1"}); created {
		t.Fatal("duplicate dedupe key enqueued twice")
	}
	hi, _, err := db.Enqueue(ctx, store.Job{UserID: f.user.ID, Kind: "sync", Priority: 10, MaxAttempts: 2})
	noErr(t, err)

	if _, err := db.Claim(ctx, "w1", []string{"other"}, time.Minute); !errors.Is(err, store.ErrNoJob) {
		t.Fatalf("claim of unknown kind: %v", err)
	}
	c := must[store.Job](t)(db.Claim(ctx, "w1", []string{"embed", "sync"}, time.Minute))
	if c.ID != hi.ID || c.State != store.JobRunning || c.Attempts != 1 || c.LockedBy != "w1" {
		t.Fatalf("priority first: %+v", c)
	}
	// Attempt 1 fails: back in 30s, not before.
	noErr(t, db.Fail(ctx, c.ID, "w1", "boom", 30*time.Second, false))
	if err := db.Complete(ctx, c.ID, "w1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("complete of a job no longer held: %v", err)
	}
	c2 := must[store.Job](t)(db.Claim(ctx, "w1", []string{"embed", "sync"}, time.Minute))
	if c2.ID != j1.ID || string(c2.Payload) != `{"p":1}` {
		t.Fatalf("backed-off job claimed early: %+v", c2)
	}
	if _, err := db.Claim(ctx, "w2", []string{"embed", "sync"}, time.Minute); !errors.Is(err, store.ErrNoJob) {
		t.Fatalf("nothing should be ready: %v", err)
	}
	clock.Advance(31 * time.Second)
	c3 := must[store.Job](t)(db.Claim(ctx, "w2", []string{"sync"}, time.Minute))
	if c3.ID != hi.ID || c3.Attempts != 2 {
		t.Fatalf("retry: %+v", c3)
	}
	noErr(t, db.Fail(ctx, c3.ID, "w2", "boom again", time.Second, false))
	failed := must[store.Job](t)(db.Job(ctx, f.user.ID, hi.ID))
	if failed.State != store.JobFailed || failed.LastError != "boom again" {
		t.Fatalf("out of attempts should fail for good: %+v", failed)
	}
	noErr(t, db.RetryJob(ctx, f.user.ID, hi.ID))
	g := newFixture(t, db, "b@example.com")
	wantNotFound(t, db.RetryJob(ctx, g.user.ID, hi.ID), "retry other user's job")
	_, err = db.Job(ctx, g.user.ID, hi.ID)
	wantNotFound(t, err, "other user's job")

	// w1 still holds j1 (c2); its lease runs out → another worker takes it over.
	clock.Advance(2 * time.Minute)
	stolen := must[store.Job](t)(db.Claim(ctx, "w3", []string{"embed"}, time.Minute))
	if stolen.ID != j1.ID || stolen.Attempts != 2 {
		t.Fatalf("expired lease not reclaimed: %+v", stolen)
	}
	if err := db.Complete(ctx, j1.ID, "w1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("stale worker completed a job it lost: %v", err)
	}
	noErr(t, db.Heartbeat(ctx, j1.ID, "w3", time.Minute))
	n := must[int](t)(db.ReleaseWorker(ctx, "w3"))
	if n != 1 {
		t.Fatalf("released %d", n)
	}
	back := must[store.Job](t)(db.Claim(ctx, "w4", []string{"embed"}, time.Minute))
	if back.ID != j1.ID || back.Attempts != 2 {
		t.Fatalf("released job should keep its attempt count: %+v", back)
	}
	noErr(t, db.Snooze(ctx, back.ID, "w4", "waiting for API key", time.Hour))
	clock.Advance(time.Hour + time.Second)
	back = must[store.Job](t)(db.Claim(ctx, "w4", []string{"embed"}, time.Minute))
	if back.Attempts != 2 || back.LastError != "waiting for API key" {
		t.Fatalf("snooze should not count an attempt: %+v", back)
	}
	noErr(t, db.Complete(ctx, back.ID, "w4"))
	counts := must[map[string]int](t)(db.JobCounts(ctx, f.user.ID))
	if counts[store.JobDone] != 1 || counts[store.JobQueued] != 1 {
		t.Fatalf("counts: %v", counts)
	}
	if _, created, _ := db.Enqueue(ctx, store.Job{UserID: f.user.ID, Kind: "embed", DedupeKey: "embed:1"}); !created {
		t.Fatal("a done job must not block a new one with its key")
	}
	if l := must[[]store.Job](t)(db.Jobs(ctx, f.user.ID, store.JobDone, 10)); len(l) != 1 {
		t.Fatalf("Jobs(done) = %d", len(l))
	}
	if l := must[[]store.Job](t)(db.Jobs(ctx, g.user.ID, "", 10)); len(l) != 0 {
		t.Fatalf("other user sees %d jobs", len(l))
	}
}

// testJobsConcurrent claims from several goroutines at once: every job must
// be handed out exactly once.
func testJobsConcurrent(t *testing.T, db *store.DB) {
	ctx := t.Context()
	f := newFixture(t, db, "a@example.com")
	const jobs, workers = 60, 6
	for i := range jobs {
		_, _, err := db.Enqueue(ctx, store.Job{UserID: f.user.ID, Kind: "k", DedupeKey: fmt.Sprint("k", i)})
		noErr(t, err)
	}
	var mu sync.Mutex
	seen := map[int64]int{}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			name := fmt.Sprint("w", w)
			for {
				j, err := db.Claim(ctx, name, []string{"k"}, time.Minute)
				if errors.Is(err, store.ErrNoJob) {
					return
				}
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				seen[j.ID]++
				mu.Unlock()
				if err := db.Complete(ctx, j.ID, name); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if len(seen) != jobs {
		t.Fatalf("ran %d distinct jobs, want %d", len(seen), jobs)
	}
	wantExactCounts(t, db, "after workers raced")
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("job %d ran %d times", id, n)
		}
	}
}

func testLedger(t *testing.T, db *store.DB) {
	ctx := t.Context()
	a, b := "1", "2"
	if _, ok, err := db.LedgerLookup(ctx, "k1"); ok || err != nil {
		t.Fatalf("empty lookup: %v %v", ok, err)
	}
	june := time.Date(2026, 6, 15, 0, 0, 0, 0, time.UTC)
	noErr(t, db.LedgerRecord(ctx, "k1", []byte(`{"d":1}`), a, june, 0.25))
	noErr(t, db.LedgerRecord(ctx, "k1", []byte(`{"d":2}`), a, june.AddDate(0, 1, 0), 0.5))
	got, ok, err := db.LedgerLookup(ctx, "k1")
	if err != nil || !ok || string(got) != `{"d":2}` {
		t.Fatalf("lookup: %s %v %v", got, ok, err)
	}
	noErr(t, db.LedgerCharge(ctx, a, june.AddDate(0, 1, 1), 0.125))
	noErr(t, db.LedgerCharge(ctx, b, june.AddDate(0, 1, 1), 7))
	if s := must[float64](t)(db.LedgerSpent(ctx, a, june.AddDate(0, 1, 0))); s != 0.625 {
		t.Fatalf("spent since July = %v, want 0.625", s)
	}
	if s := must[float64](t)(db.LedgerSpent(ctx, a, time.Time{}.Add(time.Hour))); s != 0.875 {
		t.Fatalf("spent all time = %v", s)
	}
	noErr(t, db.LedgerSaveBatch(ctx, "b2", a, june.Add(time.Hour), []byte(`{"id":"b2"}`)))
	noErr(t, db.LedgerSaveBatch(ctx, "b1", a, june, []byte(`{"id":"b1"}`)))
	noErr(t, db.LedgerSaveBatch(ctx, "b3", b, june, []byte(`{"id":"b3"}`)))
	pend := must[[][]byte](t)(db.LedgerPendingBatches(ctx, a))
	if len(pend) != 2 || string(pend[0]) != `{"id":"b1"}` {
		t.Fatalf("pending: %q", pend)
	}
	noErr(t, db.LedgerFinishBatch(ctx, "b1"))
	noErr(t, db.LedgerFinishBatch(ctx, "unknown"))
	if pend := must[[][]byte](t)(db.LedgerPendingBatches(ctx, a)); len(pend) != 1 || string(pend[0]) != `{"id":"b2"}` {
		t.Fatalf("pending after finish: %q", pend)
	}
}

// testDeleteSource: removing a source takes its albums, photos, AI
// metadata, embeddings, search entries, token and queued jobs, keeps the
// describe ledger and everything of the user's other sources, and is
// refused for another user.
func testDeleteSource(t *testing.T, db *store.DB) {
	ctx := t.Context()
	f := newFixture(t, db, "a@example.com")
	g := newFixture(t, db, "b@example.com")
	keep := must[store.Source](t)(db.CreateSource(ctx, store.Source{UserID: f.user.ID, Kind: store.SourceLocal, Name: "/q", Path: "/q"}))
	noErr(t, db.SetSourceToken(ctx, f.user.ID, f.source.ID, []byte("sealed")))
	var gone []int64
	for _, key := range []string{"x.jpg", "y.jpg"} {
		p := f.photo(key)
		p.Caption = "lighthouse at dusk"
		saved, _, err := db.UpsertPhoto(ctx, p)
		noErr(t, err)
		gone = append(gone, saved.ID)
		noErr(t, db.SaveAIMetadata(ctx, store.AIMetadata{PhotoID: saved.ID, UserID: f.user.ID, Model: "m", PromptVersion: "v1", Description: "a lighthouse"}))
		v := make([]float32, 512)
		v[len(gone)] = 1
		noErr(t, db.SaveEmbedding(ctx, store.Embedding{PhotoID: saved.ID, UserID: f.user.ID, Model: "clip", Vector: v}))
		_, _, err = db.Enqueue(ctx, store.Job{UserID: f.user.ID, Kind: "describe", PhotoID: saved.ID, DedupeKey: fmt.Sprintf("describe:%d", saved.ID)})
		noErr(t, err)
	}
	_, _, err := db.Enqueue(ctx, store.Job{UserID: f.user.ID, Kind: "sync", DedupeKey: fmt.Sprintf("sync:%d", f.source.ID)})
	noErr(t, err)
	kept := f.photo("k.jpg")
	kept.SourceID, kept.AlbumID, kept.Caption = keep.ID, 0, "lighthouse"
	keptPhoto, _, err := db.UpsertPhoto(ctx, kept)
	noErr(t, err)
	_, _, err = db.Enqueue(ctx, store.Job{UserID: f.user.ID, Kind: "describe", PhotoID: keptPhoto.ID, DedupeKey: fmt.Sprintf("describe:%d", keptPhoto.ID)})
	noErr(t, err)
	noErr(t, db.LedgerRecord(ctx, "hash-model-v1", []byte(`{"d":1}`), fmt.Sprint(f.user.ID), time.Now(), 0.001))
	noErr(t, db.SetSkippedFiles(ctx, f.user.ID, f.source.ID, []store.SkippedFile{{Path: "clip.mov", Reason: store.IssueUnsupported}}))

	_, err = db.DeleteSource(ctx, g.user.ID, f.source.ID)
	wantNotFound(t, err, "delete another user's source")
	ids := must[[]int64](t)(db.DeleteSource(ctx, f.user.ID, f.source.ID))
	if !slices.Equal(ids, gone) {
		t.Fatalf("DeleteSource returned %v, want %v", ids, gone)
	}
	_, err = db.Source(ctx, f.user.ID, f.source.ID)
	wantNotFound(t, err, "deleted source")
	for _, id := range gone {
		_, err := db.Photo(ctx, f.user.ID, id)
		wantNotFound(t, err, "photo of a deleted source")
		_, err = db.AIMetadata(ctx, f.user.ID, id)
		wantNotFound(t, err, "AI metadata of a deleted source")
	}
	left := 0
	noErr(t, db.ScanEmbeddings(ctx, "clip", func(_, _ int64, _ []float32) error { left++; return nil }))
	if left != 0 {
		t.Fatalf("%d embeddings left", left)
	}
	hits := must[[]store.TextHit](t)(db.SearchText(ctx, f.user.ID, store.TextQuery{Terms: []string{"lighthouse"}}))
	if len(hits) != 1 || hits[0].PhotoID != keptPhoto.ID {
		t.Fatalf("text search after removal: %+v, want only photo %d", hits, keptPhoto.ID)
	}
	js := must[[]store.Job](t)(db.Jobs(ctx, f.user.ID, "", 100))
	if len(js) != 1 || js[0].PhotoID != keptPhoto.ID {
		t.Fatalf("jobs after removal: %+v, want only the other source's", js)
	}
	if as := must[[]store.AlbumSummary](t)(db.Albums(ctx, f.user.ID)); len(as) != 0 {
		t.Fatalf("albums left: %+v", as)
	}
	if r, ok, err := db.LedgerLookup(ctx, "hash-model-v1"); err != nil || !ok || string(r) != `{"d":1}` {
		t.Fatalf("ledger entry lost: %q %v %v", r, ok, err)
	}
	if is := must[[]store.FileIssue](t)(db.FileIssues(ctx, f.user.ID, f.source.ID)); len(is) != 0 {
		t.Fatalf("skipped files left: %+v", is)
	}
	if _, err := db.Source(ctx, g.user.ID, g.source.ID); err != nil {
		t.Fatalf("the other user's source: %v", err)
	}
}

// testSkippedFiles: a sync's record replaces the last one, and issues list
// skipped files with the photos that have an issue, by path.
func testSkippedFiles(t *testing.T, db *store.DB) {
	ctx := t.Context()
	f := newFixture(t, db, "a@example.com")
	g := newFixture(t, db, "b@example.com")
	noErr(t, db.SetSkippedFiles(ctx, f.user.ID, f.source.ID, []store.SkippedFile{{Path: "old.mov", Reason: store.IssueUnsupported}}))
	noErr(t, db.SetSkippedFiles(ctx, f.user.ID, f.source.ID, []store.SkippedFile{
		{Path: "b/clip.mov", Reason: store.IssueUnsupported}, {Path: "@eaDir/", Reason: store.IssueExcluded}}))
	p := f.photo("a/IMG_1.CR2")
	p.Status, p.Issue = store.PhotoReady, store.IssueNoPreview
	saved, _, err := db.UpsertPhoto(ctx, p)
	noErr(t, err)
	_, _, err = db.UpsertPhoto(ctx, f.photo("a/fine.jpg"))
	noErr(t, err)
	got := must[[]store.FileIssue](t)(db.FileIssues(ctx, f.user.ID, f.source.ID))
	want := []store.FileIssue{{Path: "@eaDir/", Reason: store.IssueExcluded}, {Path: "a/IMG_1.CR2", Reason: store.IssueNoPreview, PhotoID: saved.ID},
		{Path: "b/clip.mov", Reason: store.IssueUnsupported}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("FileIssues:\n got %+v\nwant %+v", got, want)
	}
	if is := must[[]store.FileIssue](t)(db.FileIssues(ctx, g.user.ID, f.source.ID)); len(is) != 0 {
		t.Fatalf("another user sees %+v", is)
	}
	// The source list's counts, every source at once.
	_, _, err = db.UpsertPhoto(ctx, g.photo("g.jpg"))
	noErr(t, err)
	stats := must[map[int64]store.SourceStats](t)(db.SourceStats(ctx, f.user.ID))
	wantStats := map[int64]store.SourceStats{f.source.ID: {Photos: 2,
		Issues: map[string]int{store.IssueExcluded: 1, store.IssueUnsupported: 1, store.IssueNoPreview: 1}}}
	if !reflect.DeepEqual(stats, wantStats) {
		t.Fatalf("SourceStats = %+v, want %+v", stats, wantStats)
	}
}

// testAbsorbSource: a folder added above an indexed one takes its albums
// and photos (same ids, descriptions kept, keys prefixed), a photo both
// already had is kept once, and the inner source is gone.
func testAbsorbSource(t *testing.T, db *store.DB) {
	ctx := t.Context()
	u := must[store.User](t)(db.CreateUser(ctx, "a@example.com", "x", false))
	inner := must[store.Source](t)(db.CreateSource(ctx, store.Source{UserID: u.ID, Kind: store.SourceLocal, Name: "/p/camera", Path: "/p/camera"}))
	outer := must[store.Source](t)(db.CreateSource(ctx, store.Source{UserID: u.ID, Kind: store.SourceLocal, Name: "/p", Path: "/p"}))
	root := must[store.Album](t)(db.UpsertAlbum(ctx, store.Album{UserID: u.ID, SourceID: inner.ID, Key: ".", Name: "camera"}))
	sub := must[store.Album](t)(db.UpsertAlbum(ctx, store.Album{UserID: u.ID, SourceID: inner.ID, Key: "2024", Name: "2024"}))
	outerCam := must[store.Album](t)(db.UpsertAlbum(ctx, store.Album{UserID: u.ID, SourceID: outer.ID, Key: "camera", Name: "camera"}))
	mk := func(src, album int64, key, caption string) store.Photo {
		p, _, err := db.UpsertPhoto(ctx, store.Photo{UserID: u.ID, SourceID: src, AlbumID: album, SourceKey: key, FileName: path.Base(key),
			ContentHash: "h-" + path.Base(key), Caption: caption})
		noErr(t, err)
		return p
	}
	a := mk(inner.ID, root.ID, "a.jpg", "harbour")
	b := mk(inner.ID, sub.ID, "2024/b.jpg", "")
	twice := mk(outer.ID, outerCam.ID, "camera/a.jpg", "")
	noErr(t, db.SaveAIMetadata(ctx, store.AIMetadata{PhotoID: a.ID, UserID: u.ID, Model: "m", PromptVersion: "v", Description: "boats"}))

	wantNotFound(t, db.AbsorbSource(ctx, u.ID+1, inner.ID, outer.ID, "camera"), "absorb as another user")
	noErr(t, db.AbsorbSource(ctx, u.ID, inner.ID, outer.ID, "camera"))
	_, err := db.Source(ctx, u.ID, inner.ID)
	wantNotFound(t, err, "absorbed source")
	ps, total, err := db.ListPhotos(ctx, u.ID, store.Filter{}, 10, 0)
	noErr(t, err)
	if total != 2 {
		t.Fatalf("%d photos after absorbing, want 2: %+v", total, ps)
	}
	got := map[string]store.Photo{}
	for _, p := range ps {
		got[p.SourceKey] = p
	}
	if p := got["camera/a.jpg"]; p.ID != a.ID || p.SourceID != outer.ID || p.AlbumID != outerCam.ID {
		t.Errorf("camera/a.jpg: %+v; want photo %d in album %d", p, a.ID, outerCam.ID)
	}
	if p := got["camera/2024/b.jpg"]; p.ID != b.ID || p.SourceID != outer.ID || p.AlbumName != "2024" {
		t.Errorf("camera/2024/b.jpg: %+v", p)
	}
	_, err = db.Photo(ctx, u.ID, twice.ID)
	wantNotFound(t, err, "the second copy of a photo both sources had")
	if m, err := db.AIMetadata(ctx, u.ID, a.ID); err != nil || m.Description != "boats" {
		t.Errorf("description after absorbing: %+v %v", m, err)
	}
	hits := must[[]store.TextHit](t)(db.SearchText(ctx, u.ID, store.TextQuery{Terms: []string{"harbour"}, Filter: store.Filter{SourceID: outer.ID}}))
	if len(hits) != 1 || hits[0].PhotoID != a.ID {
		t.Errorf("text search by the new source: %+v", hits)
	}
	as := must[[]store.AlbumSummary](t)(db.Albums(ctx, u.ID))
	if len(as) != 2 {
		t.Errorf("albums after absorbing: %+v", as)
	}
}
