package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/store"
)

// testUserSettings: a user's settings are one typed record, zero until
// saved, kept per user, and gone with the user.
func testUserSettings(t *testing.T, db *store.DB, c *Clock) {
	ctx := t.Context()
	a, b := twoUsers(t, db)
	if st := must[store.UserSettings](t)(db.UserSettings(ctx, a.ID)); st != (store.UserSettings{}) {
		t.Fatalf("settings before any were saved: %+v", st)
	}
	_, err := db.UserSettings(ctx, 999999)
	wantNotFound(t, err, "settings of no user")
	wantNotFound(t, db.SetUserSettings(ctx, 999999, store.UserSettings{ClaudeModel: "m"}), "saving settings of no user")
	if err := db.SetUserSettings(ctx, a.ID, store.UserSettings{MonthlyBudgetUSD: -1}); err == nil {
		t.Fatal("a negative budget was saved")
	}

	noErr(t, db.SetUserSettings(ctx, a.ID, store.UserSettings{ClaudeModel: "claude-sonnet-4-5", MonthlyBudgetUSD: 2.5}))
	got := must[store.UserSettings](t)(db.UserSettings(ctx, a.ID))
	if got.ClaudeModel != "claude-sonnet-4-5" || got.MonthlyBudgetUSD != 2.5 || !got.UpdatedAt.Equal(c.Now()) {
		t.Fatalf("settings round trip: %+v (now %v)", got, c.Now())
	}
	if st := must[store.UserSettings](t)(db.UserSettings(ctx, b.ID)); st != (store.UserSettings{}) {
		t.Fatalf("user b got user a's settings: %+v", st)
	}
	c.Advance(1)
	noErr(t, db.SetUserSettings(ctx, a.ID, store.UserSettings{}))
	if got := must[store.UserSettings](t)(db.UserSettings(ctx, a.ID)); got.ClaudeModel != "" || got.MonthlyBudgetUSD != 0 {
		t.Fatalf("settings not replaced: %+v", got)
	}

	// The deployment fills what the user left zero and caps the budget.
	deployment := store.UserSettings{ClaudeModel: "claude-haiku-4-5", MonthlyBudgetUSD: 10}
	for _, tc := range []struct{ own, want store.UserSettings }{
		{store.UserSettings{}, deployment},
		{store.UserSettings{ClaudeModel: "claude-opus-4-5", MonthlyBudgetUSD: 4}, store.UserSettings{ClaudeModel: "claude-opus-4-5", MonthlyBudgetUSD: 4}},
		{store.UserSettings{MonthlyBudgetUSD: 25}, deployment},
	} {
		if got := tc.own.Resolve(deployment); got != tc.want {
			t.Errorf("%+v under %+v resolves to %+v, want %+v", tc.own, deployment, got, tc.want)
		}
	}
}

// testSourceWriteBack: write-back is per source, off unless switched on,
// and only by the source's owner.
func testSourceWriteBack(t *testing.T, db *store.DB) {
	ctx := t.Context()
	a, b := twoUsers(t, db)
	src := must[store.Source](t)(db.CreateSource(ctx, store.Source{UserID: a.ID, Kind: store.SourceSmugMug, Name: "ansel"}))
	if src.WriteBack != (store.WriteBack{}) || src.WriteBack.On() {
		t.Fatalf("a new source writes back: %+v", src.WriteBack)
	}
	other := must[store.Source](t)(db.CreateSource(ctx, store.Source{UserID: a.ID, Kind: store.SourceSmugMug, Name: "studio"}))
	on := store.WriteBack{Keywords: true, DryRun: true}
	noErr(t, db.SetSourceWriteBack(ctx, a.ID, src.ID, on))
	wantNotFound(t, db.SetSourceWriteBack(ctx, b.ID, other.ID, on), "another user's source's write-back")
	if got := must[store.Source](t)(db.Source(ctx, a.ID, src.ID)); got.WriteBack != on || !got.WriteBack.On() {
		t.Fatalf("write-back round trip: %+v", got.WriteBack)
	}
	for _, s := range must[[]store.Source](t)(db.Sources(ctx, a.ID)) {
		if want := map[int64]store.WriteBack{src.ID: on}[s.ID]; s.WriteBack != want {
			t.Errorf("source %d lists write-back %+v, want %+v", s.ID, s.WriteBack, want)
		}
	}
	// Adding the same source again keeps its choice.
	again := must[store.Source](t)(db.CreateSource(ctx, store.Source{UserID: a.ID, Kind: store.SourceSmugMug, Name: "ansel"}))
	if again.ID != src.ID || again.WriteBack != on {
		t.Fatalf("re-adding the source: %+v", again)
	}
	// Creating albums is its own switch, and not what On means.
	albums := store.WriteBack{Albums: true}
	noErr(t, db.SetSourceWriteBack(ctx, a.ID, other.ID, albums))
	if got := must[store.Source](t)(db.Source(ctx, a.ID, other.ID)); got.WriteBack != albums || got.WriteBack.On() {
		t.Fatalf("album writes round trip: %+v", got.WriteBack)
	}
}

// testRemoteAlbumWrites: the trail of albums created on a source is
// recorded only against the user's own source and listed to them alone,
// newest first; the remote images of a selection are found by photo.
func testRemoteAlbumWrites(t *testing.T, db *store.DB) {
	ctx := t.Context()
	a, b := twoUsers(t, db)
	src := must[store.Source](t)(db.CreateSource(ctx, store.Source{UserID: a.ID, Kind: store.SourceSmugMug, Name: "ansel"}))
	bsrc := must[store.Source](t)(db.CreateSource(ctx, store.Source{UserID: b.ID, Kind: store.SourceSmugMug, Name: "bob"}))
	first := must[store.RemoteAlbumWrite](t)(db.RecordRemoteAlbumWrite(ctx, store.RemoteAlbumWrite{UserID: a.ID, SourceID: src.ID,
		Actor: "a@example.com", Name: "Best of", AlbumKey: "K1", WebURL: "https://x/Best-Of", Photos: 3, Collected: 3, Result: store.RemoteAlbumCreated}))
	must[store.RemoteAlbumWrite](t)(db.RecordRemoteAlbumWrite(ctx, store.RemoteAlbumWrite{UserID: a.ID, SourceID: src.ID,
		Actor: "a@example.com (API token laptop)", Name: "Nope", Photos: 2, Result: store.RemoteAlbumFailed, Error: "refused"}))
	_, err := db.RecordRemoteAlbumWrite(ctx, store.RemoteAlbumWrite{UserID: a.ID, SourceID: bsrc.ID, Name: "x", Result: store.RemoteAlbumFailed})
	wantNotFound(t, err, "an album write on another user's source")
	got := must[[]store.RemoteAlbumWrite](t)(db.RemoteAlbumWrites(ctx, a.ID, src.ID, 0))
	if len(got) != 2 || got[0].Name != "Nope" || got[0].Error != "refused" || got[1].ID != first.ID || got[1].AlbumKey != "K1" ||
		got[1].Collected != 3 || got[1].Actor != "a@example.com" || got[1].At.IsZero() {
		t.Fatalf("album writes %+v", got)
	}
	if got := must[[]store.RemoteAlbumWrite](t)(db.RemoteAlbumWrites(ctx, b.ID, src.ID, 0)); len(got) != 0 {
		t.Fatalf("another user lists %+v", got)
	}
	if got := must[[]store.RemoteAlbumWrite](t)(db.RemoteAlbumWrites(ctx, a.ID, src.ID, 1)); len(got) != 1 {
		t.Fatalf("limit 1: %+v", got)
	}

	st := db.Remote(src)
	noErr(t, st.UpsertAlbum(ctx, store.RemoteAlbum{Key: "A", Name: "A"}))
	must[[]store.RemoteImageBefore](t)(st.UpsertImages(ctx, []store.RemoteImage{
		{Key: "i1", AlbumKey: "A", Version: 2, ContentHash: "h1", URI: "/api/v2/image/i1-2"},
		{Key: "i2", AlbumKey: "A", ContentHash: "h2", URI: "/api/v2/image/i2-0"},
	}))
	p1 := must[store.Photo](t)(db.PhotoByKey(ctx, a.ID, src.ID, "i1"))
	p2 := must[store.Photo](t)(db.PhotoByKey(ctx, a.ID, src.ID, "i2"))
	refs := must[map[int64]store.RemoteImageRef](t)(db.RemoteImagesOfPhotos(ctx, a.ID, src.ID, []int64{p1.ID, p2.ID, 999999}))
	if len(refs) != 2 || refs[p1.ID].Key != "i1" || refs[p1.ID].Version != 2 || refs[p1.ID].AlbumKey != "A" || refs[p2.ID].Key != "i2" {
		t.Fatalf("remote images of photos: %+v", refs)
	}
	if refs := must[map[int64]store.RemoteImageRef](t)(db.RemoteImagesOfPhotos(ctx, b.ID, src.ID, []int64{p1.ID})); len(refs) != 0 {
		t.Fatalf("another user's remote images: %+v", refs)
	}
}

// testAPITokens: a token is found by its digest only while it exists and
// its account is enabled, notes its last use, and is listed and revoked
// by its owner alone.
func testAPITokens(t *testing.T, db *store.DB, c *Clock) {
	ctx := t.Context()
	a, b := twoUsers(t, db)
	ro := must[store.APIToken](t)(db.CreateAPIToken(ctx, store.APIToken{UserID: a.ID, Name: "backup", Digest: "d1", Hint: "tvk_aaaa", ReadOnly: true}))
	rw := must[store.APIToken](t)(db.CreateAPIToken(ctx, store.APIToken{UserID: a.ID, Name: "tagger", Digest: "d2", Hint: "tvk_bbbb"}))
	if _, err := db.CreateAPIToken(ctx, store.APIToken{UserID: b.ID, Name: "x", Digest: "d1", Hint: "h"}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a taken digest: %v", err)
	}
	_, err := db.CreateAPIToken(ctx, store.APIToken{UserID: 999999, Name: "x", Digest: "d9", Hint: "h"})
	wantNotFound(t, err, "a token of no user")
	if !ro.ReadOnly || rw.ReadOnly || !ro.CreatedAt.Equal(c.Now()) || !ro.LastUsedAt.IsZero() {
		t.Fatalf("created tokens: %+v %+v", ro, rw)
	}
	list := must[[]store.APIToken](t)(db.APITokens(ctx, a.ID))
	if len(list) != 2 || list[0].ID != rw.ID || list[1].ID != ro.ID || list[1].Name != "backup" || list[1].Hint != "tvk_aaaa" {
		t.Fatalf("a's tokens: %+v", list)
	}
	if l := must[[]store.APIToken](t)(db.APITokens(ctx, b.ID)); len(l) != 0 {
		t.Fatalf("b sees a's tokens: %+v", l)
	}

	c.Advance(time.Hour)
	got := must[store.APIToken](t)(db.APITokenByDigest(ctx, "d1"))
	if got.ID != ro.ID || got.UserID != a.ID || !got.ReadOnly || !got.LastUsedAt.Equal(c.Now()) {
		t.Fatalf("found by digest: %+v", got)
	}
	if l := must[[]store.APIToken](t)(db.APITokens(ctx, a.ID)); !l[1].LastUsedAt.Equal(c.Now()) {
		t.Fatalf("last use not recorded: %+v", l[1])
	}
	_, err = db.APITokenByDigest(ctx, "nope")
	wantNotFound(t, err, "an unknown digest")

	wantNotFound(t, db.DeleteAPIToken(ctx, b.ID, ro.ID), "revoking another user's token")
	noErr(t, db.DeleteAPIToken(ctx, a.ID, ro.ID))
	_, err = db.APITokenByDigest(ctx, "d1")
	wantNotFound(t, err, "a revoked token")

	// A disabled account's tokens stop at once and come back with it.
	noErr(t, db.SetUserDisabled(ctx, a.ID, true))
	_, err = db.APITokenByDigest(ctx, "d2")
	wantNotFound(t, err, "a disabled account's token")
	noErr(t, db.SetUserDisabled(ctx, a.ID, false))
	must[store.APIToken](t)(db.APITokenByDigest(ctx, "d2"))
}

// testAccounts: accounts are listed, disabled (sessions ended, sign-in
// data kept) and removed with everything they own; the last
// administrator can be neither.
func testAccounts(t *testing.T, db *store.DB, c *Clock) {
	ctx := t.Context()
	root := must[store.User](t)(db.CreateUser(ctx, "root@example.com", "x", true))
	ann := must[store.User](t)(db.CreateUser(ctx, "ann@example.com", "x", false))
	if l := must[[]store.User](t)(db.Users(ctx)); len(l) != 2 || l[0].ID != root.ID || l[1].ID != ann.ID || l[1].Disabled() {
		t.Fatalf("users: %+v", l)
	}
	exp := c.Now().Add(time.Hour)
	for _, id := range []string{"s1", "s2"} {
		noErr(t, db.CreateSession(ctx, store.Session{ID: id, UserID: ann.ID, ExpiresAt: exp}))
	}
	noErr(t, db.CreateSession(ctx, store.Session{ID: "r1", UserID: root.ID, ExpiresAt: exp}))

	noErr(t, db.SetUserDisabled(ctx, ann.ID, true))
	if u := must[store.User](t)(db.UserByID(ctx, ann.ID)); !u.Disabled() || !u.DisabledAt.Equal(c.Now()) {
		t.Fatalf("disabled user: %+v", u)
	}
	if ok := must[bool](t)(db.SessionActive(ctx, ann.ID, "s1")); ok {
		t.Fatal("a disabled account's session is active")
	}
	if l := must[[]store.Session](t)(db.Sessions(ctx, ann.ID)); len(l) != 0 {
		t.Fatalf("a disabled account keeps sessions: %+v", l)
	}
	if ok := must[bool](t)(db.SessionActive(ctx, root.ID, "r1")); !ok {
		t.Fatal("disabling ann ended root's session")
	}
	noErr(t, db.SetUserDisabled(ctx, ann.ID, false))
	if u := must[store.User](t)(db.UserByID(ctx, ann.ID)); u.Disabled() {
		t.Fatalf("enabled again: %+v", u)
	}
	wantNotFound(t, db.SetUserDisabled(ctx, 999999, true), "disabling no user")

	// The only administrator stays.
	if err := db.SetUserDisabled(ctx, root.ID, true); !errors.Is(err, store.ErrLastAdmin) {
		t.Fatalf("disabling the last admin: %v", err)
	}
	if _, err := db.DeleteUser(ctx, root.ID); !errors.Is(err, store.ErrLastAdmin) {
		t.Fatalf("removing the last admin: %v", err)
	}

	// Removing ann takes her library with her and leaves root's.
	var pa store.Photo
	for _, u := range []store.User{ann, root} {
		src := must[store.Source](t)(db.CreateSource(ctx, store.Source{UserID: u.ID, Kind: store.SourceLocal, Name: "/p", Path: "/p"}))
		p, _ := must2[store.Photo, bool](t)(db.UpsertPhoto(ctx, store.Photo{UserID: u.ID, SourceID: src.ID, SourceKey: "a.jpg", FileName: "a.jpg",
			Title: "zanzibarn", ContentHash: "h"}))
		if u.ID == ann.ID {
			pa = p
		}
	}
	noErr(t, db.SaveEmbedding(ctx, store.Embedding{PhotoID: pa.ID, UserID: ann.ID, Model: "m", Vector: make([]float32, 4)}))
	must[store.APIToken](t)(db.CreateAPIToken(ctx, store.APIToken{UserID: ann.ID, Name: "t", Digest: "dx", Hint: "h"}))
	noErr(t, db.SetUserSettings(ctx, ann.ID, store.UserSettings{ClaudeModel: "m"}))
	ids := must[[]int64](t)(db.DeleteUser(ctx, ann.ID))
	if len(ids) != 1 || ids[0] != pa.ID {
		t.Fatalf("removed photos %v, want [%d]", ids, pa.ID)
	}
	_, err := db.UserByID(ctx, ann.ID)
	wantNotFound(t, err, "a removed user")
	_, err = db.APITokenByDigest(ctx, "dx")
	wantNotFound(t, err, "a removed user's token")
	if hits := must[[]store.TextHit](t)(db.SearchText(ctx, root.ID, store.TextQuery{Terms: []string{"zanzibarn"}, Limit: 10})); len(hits) != 1 {
		t.Fatalf("root's text search after ann's removal: %+v", hits)
	}
	wantNotFoundIDs(t, db, ann.ID, pa.ID)
	_, err = db.DeleteUser(ctx, ann.ID)
	wantNotFound(t, err, "removing a user twice")
	// The command line's unclaimed default user is no account to remove.
	d := must[store.User](t)(db.EnsureDefaultUser(ctx))
	if _, err := db.DeleteUser(ctx, d.ID); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("removing the unclaimed default user: %v", err)
	}
}

// wantNotFoundIDs fails if photo id of user still has rows.
func wantNotFoundIDs(t *testing.T, db *store.DB, userID, photoID int64) {
	t.Helper()
	_, err := db.Photo(t.Context(), userID, photoID)
	wantNotFound(t, err, "a removed user's photo")
}

// must2 is must for a call with two results before the error.
func must2[A, B any](t testing.TB) func(A, B, error) (A, B) {
	return func(a A, b B, err error) (A, B) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return a, b
	}
}

// testPhotoEdits: a person's caption, keywords and rating win over the
// file's and Claude's, are searchable at once, and survive a re-sync and
// a new description; only the owner edits.
func testPhotoEdits(t *testing.T, db *store.DB) {
	ctx := t.Context()
	a, b := twoUsers(t, db)
	src := must[store.Source](t)(db.CreateSource(ctx, store.Source{UserID: a.ID, Kind: store.SourceLocal, Name: "/p", Path: "/p"}))
	orig := store.Photo{UserID: a.ID, SourceID: src.ID, SourceKey: "barn.jpg", FileName: "barn.jpg", ContentHash: "h",
		Caption: "from the file", Keywords: []string{"filekeyword"}, Rating: 2}
	p, _ := must2[store.Photo, bool](t)(db.UpsertPhoto(ctx, orig))
	describe := func(kw string) {
		noErr(t, db.SaveAIMetadata(ctx, store.AIMetadata{PhotoID: p.ID, UserID: a.ID, Model: "m", PromptVersion: "1",
			Description: "a red barn", Keywords: []string{kw}}))
	}
	describe("claudekeyword")
	find := func(word string) bool {
		hits := must[[]store.TextHit](t)(db.SearchText(ctx, a.ID, store.TextQuery{Terms: []string{word}, Limit: 10}))
		return len(hits) == 1
	}
	if !find("claudekeyword") || !find("filekeyword") {
		t.Fatal("keywords not searchable before editing")
	}
	caption, kws, rating, fav := "my own words", []string{"zebracorn", "barn"}, 5, true
	noErr(t, db.SetPhotoEdits(ctx, a.ID, p.ID, store.PhotoEdit{Caption: &caption, Keywords: &kws, Rating: &rating, Favorite: &fav}))
	wantNotFound(t, db.SetPhotoEdits(ctx, b.ID, p.ID, store.PhotoEdit{Caption: &caption}), "another user's edit")

	check := func(when string) {
		t.Helper()
		got := must[store.Photo](t)(db.Photo(ctx, a.ID, p.ID))
		if got.Edits.Caption == nil || *got.Edits.Caption != caption || got.Edits.Keywords == nil || len(*got.Edits.Keywords) != 2 ||
			got.Edits.Rating == nil || *got.Edits.Rating != 5 || !got.Favorite {
			t.Fatalf("%s: edits %+v favorite %v", when, got.Edits, got.Favorite)
		}
		if !find("zebracorn") || !find("words") || find("claudekeyword") || find("filekeyword") {
			t.Errorf("%s: the edited words do not win in search (zebracorn %v, words %v, claude's %v, the file's %v)", when,
				find("zebracorn"), find("words"), find("claudekeyword"), find("filekeyword"))
		}
		if _, n, err := db.ListPhotos(ctx, a.ID, store.Filter{MinRating: 5}, 10, 0); err != nil || n != 1 {
			t.Errorf("%s: rating:5 finds %d (%v)", when, n, err)
		}
	}
	check("after editing")
	// A re-sync writes the file's words again; a new description Claude's.
	must2[store.Photo, bool](t)(db.UpsertPhoto(ctx, orig))
	describe("anotherclaudeword")
	check("after a re-sync and a new description")

	// Back to the file's and Claude's words.
	noErr(t, db.SetPhotoEdits(ctx, a.ID, p.ID, store.PhotoEdit{Reset: true}))
	if got := must[store.Photo](t)(db.Photo(ctx, a.ID, p.ID)); got.Edits != (store.PhotoEdits{}) || !got.Favorite {
		t.Errorf("after a reset: %+v (favorite %v, which a reset keeps)", got.Edits, got.Favorite)
	}
	if !find("anotherclaudeword") || find("zebracorn") {
		t.Error("after a reset the file's and Claude's keywords are not searched")
	}
}
