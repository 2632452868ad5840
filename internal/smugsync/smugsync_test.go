package smugsync

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"image/jpeg"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/auth"
	"github.com/targetvision/targetvision/internal/config"
	"github.com/targetvision/targetvision/internal/jobs"
	"github.com/targetvision/targetvision/internal/pipeline"
	"github.com/targetvision/targetvision/internal/secret"
	"github.com/targetvision/targetvision/internal/smugmug"
	"github.com/targetvision/targetvision/internal/smugmug/smugmugtest"
	"github.com/targetvision/targetvision/internal/source"
	"github.com/targetvision/targetvision/internal/store"
	"github.com/targetvision/targetvision/internal/store/storetest"
)

// forEachStore runs f on a fresh SQLite store and a fresh Postgres one
// (skipped locally without TARGETVISION_TEST_DATABASE_URL, failing in CI).
func forEachStore(t *testing.T, f func(t *testing.T, db *store.DB)) {
	t.Run("sqlite", func(t *testing.T) { t.Parallel(); f(t, storetest.OpenSQLite(t, store.Options{})) })
	t.Run("postgres", func(t *testing.T) { t.Parallel(); f(t, storetest.OpenPostgres(t, store.Options{})) })
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

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

type fixture struct {
	fake   *smugmugtest.Server
	cfg    smugmug.Config
	box    *secret.Box
	db     *store.DB
	user   store.User
	albums []string
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	fake := smugmugtest.New(t, smugmugtest.Options{})
	fake.AddUser("ansel", "Ansel Adams")
	albums := fake.Generate("ansel", 3, func(int) int { return 4 })
	fake.AuthorizeAs("ansel")
	cfg := fake.Config()
	cfg.Permissions = smugmug.PermissionModify
	cfg.Logger = quiet()
	master := make([]byte, 32)
	rand.Read(master)
	box := must[*secret.Box](t)(NewBox(master))
	u := must[store.User](t)(db.CreateUser(t.Context(), "ansel@example.com", "hash", false))
	return &fixture{fake: fake, cfg: cfg, box: box, db: db, user: u, albums: albums}
}

// pinReader plays the user of the PIN flow: when ConnectPIN reads the
// code, it opens the URL ConnectPIN printed (SmugMug approves at once as
// AuthorizeAs's user) and types the code the page shows.
type pinReader struct {
	t    *testing.T
	out  *bytes.Buffer
	cfg  smugmug.Config
	done bool
}

var pinRE = regexp.MustCompile(`<p id="pin">(\d{6})</p>`)

func (r *pinReader) Read(p []byte) (int, error) {
	if r.done {
		return 0, io.EOF
	}
	r.done = true
	u := regexp.MustCompile(`https?://\S+`).FindString(r.out.String())
	if u == "" {
		r.t.Fatalf("no authorize URL printed: %q", r.out.String())
	}
	resp, err := r.cfg.HTTPClient.Get(u)
	if err != nil {
		r.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := pinRE.FindSubmatch(body)
	if m == nil {
		r.t.Fatalf("no PIN on the authorize page: %s", body)
	}
	return copy(p, string(m[1])+"\n"), nil
}

func (f *fixture) connectPIN(t *testing.T) store.Source {
	var out bytes.Buffer
	src, err := ConnectPIN(t.Context(), f.db, f.box, f.cfg, f.user.ID, &pinReader{t: t, out: &out, cfg: f.cfg}, &out)
	if err != nil {
		t.Fatalf("ConnectPIN: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "Connected SmugMug account") {
		t.Fatalf("output %q", out.String())
	}
	return src
}

func (f *fixture) photos(t *testing.T, src store.Source) map[string]store.Photo {
	t.Helper()
	ps, _, err := f.db.ListPhotos(t.Context(), f.user.ID, store.Filter{SourceID: src.ID}, 1000, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]store.Photo{}
	for _, p := range ps {
		if _, dup := out[p.SourceKey]; dup {
			t.Fatalf("photo %s stored twice", p.SourceKey)
		}
		out[p.SourceKey] = p
	}
	return out
}

func TestLifecycle(t *testing.T) {
	t.Parallel()
	forEachStore(t, testLifecycle)
}

func testLifecycle(t *testing.T, db *store.DB) {
	ctx := t.Context()
	f := newFixture(t, db)
	src := f.connectPIN(t)

	// The token is stored sealed.
	tok := must[smugmug.Token](t)(openToken(f.box, src))
	if src.Kind != store.SourceSmugMug || src.Name != "ansel" || src.Status != store.SourceOK || len(src.Token) == 0 ||
		bytes.Contains(src.Token, []byte(tok.Secret)) || bytes.Contains(src.Token, []byte(tok.Token)) {
		t.Fatalf("source %+v", src)
	}
	if nick, perm, ok := f.fake.TokenOwner(tok.Token); !ok || nick != "ansel" || perm != smugmug.PermissionModify {
		t.Fatalf("token owner %q %q %v", nick, perm, ok)
	}
	// Connecting again updates the same source.
	if again := f.connectPIN(t); again.ID != src.ID {
		t.Fatalf("reconnect made source %d, want %d", again.ID, src.ID)
	}
	src = must[store.Source](t)(db.Source(ctx, f.user.ID, src.ID))
	tok = must[smugmug.Token](t)(openToken(f.box, src))

	s := New(db, f.box, f.cfg, quiet())
	var progressCalls int
	res, err := s.Sync(ctx, src, func(done, total int, album string) { progressCalls++ })
	if err != nil {
		t.Fatal(err)
	}
	photos := f.photos(t, src)
	if res.New != 12 || len(res.ToProcess) != 12 || len(photos) != 12 || progressCalls != 4 {
		t.Fatalf("first sync: %+v, %d photos, %d progress calls", res, len(photos), progressCalls)
	}
	albumName := map[string]string{}
	for _, k := range f.albums {
		a, _ := f.fake.AlbumState(k)
		albumName[k] = a.Name
	}
	for _, im := range f.fake.Images("ansel") {
		p, ok := photos[im.Key]
		if !ok {
			t.Fatalf("image %s not stored", im.Key)
		}
		if p.FileName != im.FileName || p.Title != im.Title || p.Caption != im.Caption ||
			!slices.Equal(p.Keywords, smugmug.SplitKeywords(im.Keywords)) || !p.TakenAt.Equal(im.Taken) ||
			p.Width != im.Width || p.Height != im.Height || p.Size != im.Size || p.ContentHash != "md5:"+im.MD5 ||
			!p.RemoteUpdated.Equal(im.LastUpdated) || p.AlbumName != albumName[im.AlbumKey] || p.WebURL == "" ||
			(im.Latitude != 0) != (p.GPS != nil) || p.Status != store.PhotoPending {
			t.Fatalf("photo %+v\nimage %+v", p, im)
		}
	}
	albums := must[[]store.AlbumSummary](t)(db.Albums(ctx, f.user.ID))
	if len(albums) != 3 || albums[0].PhotoCount != 4 || albums[0].WebURL == "" {
		t.Fatalf("albums %+v", albums)
	}

	// Unchanged: one album listing, nothing queued.
	f.fake.ResetCounts()
	res = must[source.Result](t)(s.Sync(ctx, src, nil))
	n := f.fake.RequestCount()
	t.Logf("unchanged re-sync of %d albums: %d requests", len(albums), n)
	if n > len(albums)/100+3 || len(res.ToProcess) != 0 || len(res.DeletedIDs) != 0 || res.New != 0 {
		t.Fatalf("unchanged sync: %+v in %d requests", res, n)
	}

	// Replace, move, delete.
	st0, _ := f.fake.AlbumState(f.albums[0])
	replaced, moved, deleted := st0.Images[0], st0.Images[1], st0.Images[2]
	f.fake.ReplaceImage(replaced)
	f.fake.MoveImage(moved, f.albums[2])
	f.fake.DeleteImage(deleted)
	f.fake.ResetCounts()
	res = must[source.Result](t)(s.Sync(ctx, src, nil))
	t.Logf("sync after replace+move+delete: %d requests", f.fake.RequestCount())
	after := f.photos(t, src)
	if !slices.Equal(res.ToProcess, []int64{photos[replaced].ID}) || !slices.Equal(res.DeletedIDs, []int64{photos[deleted].ID}) ||
		res.Moved != 1 || res.Changed != 1 || res.Deleted != 1 {
		t.Fatalf("after edits: %+v", res)
	}
	if _, ok := after[deleted]; ok || len(after) != 11 {
		t.Fatalf("deleted photo still listed (%d photos)", len(after))
	}
	if p := after[moved]; p.ID != photos[moved].ID || p.AlbumName != albumName[f.albums[2]] {
		t.Fatalf("moved photo %+v", p)
	}
	if p := after[replaced]; p.ID != photos[replaced].ID || p.ContentHash == photos[replaced].ContentHash {
		t.Fatalf("replaced photo %+v", p)
	}

	// Fetch: the stored rendition URL, then a size look-up when it is missing.
	dir := t.TempDir()
	f.fake.ResetCounts()
	dst := filepath.Join(dir, "a.jpg")
	if err := s.Fetch(ctx, src, after[replaced], dst); err != nil {
		t.Fatal(err)
	}
	checkJPEG(t, dst)
	if pc := f.fake.PathCounts(); countAPI(pc) != 0 {
		t.Fatalf("fetch with a stored URL made API requests: %v", pc)
	}
	if err := db.SetRemoteAnalysisURL(ctx, f.user.ID, src.ID, moved, ""); err != nil {
		t.Fatal(err)
	}
	dst = filepath.Join(dir, "b.jpg")
	if err := s.Fetch(ctx, src, after[moved], dst); err != nil {
		t.Fatal(err)
	}
	checkJPEG(t, dst)
	if ref := must[store.RemoteImageRef](t)(db.RemoteImage(ctx, f.user.ID, src.ID, moved)); ref.AnalysisURL == "" {
		t.Fatal("looked-up URL not remembered")
	}

	// An owner edit of the text (LastUpdated only) updates the row on a deep
	// sync without queuing analysis.
	f.fake.EditImage(moved, func(im *smugmugtest.Image) { im.Title = "Renamed by owner" })
	res = must[source.Result](t)(s.SyncDeep(ctx, src, nil))
	if len(res.ToProcess) != 0 || f.photos(t, src)[moved].Title != "Renamed by owner" {
		t.Fatalf("text edit: %+v", res)
	}

	// Revoked: needs_reconnect, a permanent error, nothing deleted.
	f.fake.RevokeToken(tok.Token)
	_, err = s.Sync(ctx, src, nil)
	if !jobs.IsPermanent(err) || !errors.Is(err, ErrNeedsReconnect) || !errors.Is(err, smugmug.ErrUnauthorized) {
		t.Fatalf("revoked sync: %v", err)
	}
	got := must[store.Source](t)(db.Source(ctx, f.user.ID, src.ID))
	if got.Status != store.SourceNeedsConnect || got.LastError != ReconnectMessage {
		t.Fatalf("revoked source %+v", got)
	}
	if len(f.photos(t, src)) != 11 {
		t.Fatal("photos lost after a refused token")
	}
	if err := s.Fetch(ctx, src, after[replaced], filepath.Join(dir, "c.jpg")); !jobs.IsPermanent(err) || !errors.Is(err, ErrNeedsReconnect) {
		t.Fatalf("revoked fetch: %v", err)
	}
	// A sealed token copied to another source does not open.
	other := src
	other.ID++
	if _, err := openToken(f.box, other); err == nil {
		t.Fatal("token opened for another source id")
	}
	// A token that cannot be opened (SECRET_KEY changed) asks for a reconnection too.
	other = got
	other.Token = append([]byte(nil), got.Token...)
	other.Token[len(other.Token)-1] ^= 1
	_, err = s.Sync(ctx, other, nil)
	var re *ReconnectError
	if !jobs.IsPermanent(err) || !errors.As(err, &re) || re.Message != UnreadableTokenMessage {
		t.Fatalf("unreadable token: %v", err)
	}
	if got := must[store.Source](t)(db.Source(ctx, f.user.ID, src.ID)); got.LastError != UnreadableTokenMessage {
		t.Fatalf("unreadable token: last error %q", got.LastError)
	}
}

func countAPI(pc map[string]int) int {
	n := 0
	for p, c := range pc {
		if strings.HasPrefix(p, "/api/") {
			n += c
		}
	}
	return n
}

func checkJPEG(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jpeg.Decode(bytes.NewReader(b)); err != nil {
		t.Fatalf("%s is not a JPEG: %v", path, err)
	}
}

func TestWriteBack(t *testing.T) {
	t.Parallel()
	forEachStore(t, testWriteBack)
}

func testWriteBack(t *testing.T, db *store.DB) {
	ctx := t.Context()
	f := newFixture(t, db)
	src := f.connectPIN(t)
	s := New(db, f.box, f.cfg, quiet())
	must[source.Result](t)(s.Sync(ctx, src, nil))
	st0, _ := f.fake.AlbumState(f.albums[0])
	key := st0.Images[0]
	f.fake.EditImage(key, func(im *smugmugtest.Image) { im.Caption = "" })
	p := must[store.Photo](t)(db.PhotoByKey(ctx, f.user.ID, src.ID, key))

	if _, err := s.WriteBack(ctx, src, p.ID, []string{"barn"}, "x"); !errors.Is(err, ErrWriteBackDisabled) || !jobs.IsPermanent(err) {
		t.Fatalf("write-back without opt-in: %v", err)
	}
	setWriteBack := func(w store.WriteBack) store.Source {
		if err := db.SetSourceWriteBack(ctx, f.user.ID, src.ID, w); err != nil {
			t.Fatal(err)
		}
		return must[store.Source](t)(db.Source(ctx, f.user.ID, src.ID))
	}
	before, _ := f.fake.ImageState(key)
	src = setWriteBack(store.WriteBack{Keywords: true, Captions: true, DryRun: true})
	rec := must[smugmug.WriteRecord](t)(s.WriteBack(ctx, src, p.ID, []string{"Red barn", "ALBUM0"}, "A red barn in snow"))
	if !rec.DryRun || rec.Written || rec.Fields["Caption"] != "A red barn in snow" || !slices.Contains(rec.After.Keywords, "Red barn") {
		t.Fatalf("dry run %+v", rec)
	}
	if now, _ := f.fake.ImageState(key); now.Patches != 0 || now.Keywords != before.Keywords || now.Caption != "" {
		t.Fatalf("dry run changed SmugMug: %+v", now)
	}

	src = setWriteBack(store.WriteBack{Keywords: true, Captions: true})
	rec = must[smugmug.WriteRecord](t)(s.WriteBack(ctx, src, p.ID, []string{"Red barn", "ALBUM0"}, "A red barn in snow"))
	now, _ := f.fake.ImageState(key)
	wantKW := append(smugmug.SplitKeywords(before.Keywords), "Red barn")
	if !rec.Written || now.Patches != 1 || !slices.Equal(smugmug.SplitKeywords(now.Keywords), wantKW) || now.Caption != "A red barn in snow" {
		t.Fatalf("write-back: rec %+v, SmugMug %+v", rec, now)
	}
	// The owner's caption is never replaced, even with captions enabled.
	key2 := st0.Images[1]
	p2 := must[store.Photo](t)(db.PhotoByKey(ctx, f.user.ID, src.ID, key2))
	rec2 := must[smugmug.WriteRecord](t)(s.WriteBack(ctx, src, p2.ID, []string{"snow"}, "Generated"))
	if now2, _ := f.fake.ImageState(key2); now2.Caption != p2.Caption || rec2.Fields["Caption"] != "" {
		t.Fatalf("owner caption replaced: %+v", now2)
	}
	// Keywords only: the caption is left alone.
	key3 := st0.Images[2]
	f.fake.EditImage(key3, func(im *smugmugtest.Image) { im.Caption = "" })
	src = setWriteBack(store.WriteBack{Keywords: true})
	p3 := must[store.Photo](t)(db.PhotoByKey(ctx, f.user.ID, src.ID, key3))
	must[smugmug.WriteRecord](t)(s.WriteBack(ctx, src, p3.ID, []string{"fog"}, "Generated"))
	if now3, _ := f.fake.ImageState(key3); now3.Caption != "" || !strings.Contains(now3.Keywords, "fog") {
		t.Fatalf("keywords-only write-back: %+v", now3)
	}

	writes := must[[]store.RemoteWrite](t)(db.RemoteWrites(ctx, f.user.ID, src.ID, 0))
	if len(writes) != 4 || !writes[3].DryRun || writes[3].Written || !writes[2].Written || writes[2].PhotoID != p.ID ||
		writes[2].Before.Caption != "" || writes[2].After.Caption != "A red barn in snow" {
		t.Fatalf("recorded writes %+v", writes)
	}
	// The local row follows, and a deep sync does not take our edit for a
	// content change.
	if got := must[store.Photo](t)(db.PhotoByKey(ctx, f.user.ID, src.ID, key)); got.Caption != "A red barn in snow" || !slices.Contains(got.Keywords, "Red barn") {
		t.Fatalf("photo after write-back %+v", got)
	}
	s.DeepEvery = time.Nanosecond
	if res := must[source.Result](t)(s.Sync(ctx, src, nil)); len(res.ToProcess) != 0 {
		t.Fatalf("write-back made the sync re-process: %+v", res)
	}

	// A token with Read permission cannot write: a permanent error, and
	// the refusal does not mark the source for reconnection.
	readOnly := f.fake.IssueToken("ansel", smugmug.PermissionRead)
	if err := db.SetSourceToken(ctx, f.user.ID, src.ID, sealToken(f.box, src.ID, readOnly)); err != nil {
		t.Fatal(err)
	}
	src = setWriteBack(store.WriteBack{Keywords: true})
	_, err := s.WriteBack(ctx, src, p3.ID, []string{"mist"}, "")
	if !errors.Is(err, smugmug.ErrUnauthorized) || !jobs.IsPermanent(err) {
		t.Fatalf("read-only write-back: %v", err)
	}
	if got := must[store.Source](t)(db.Source(ctx, f.user.ID, src.ID)); got.Status != store.SourceOK {
		t.Fatalf("status after refused write %q", got.Status)
	}
	// A photo of another source is not found.
	if _, err := s.WriteBack(ctx, store.Source{ID: src.ID + 99, UserID: f.user.ID, Kind: store.SourceSmugMug, WriteBack: src.WriteBack}, p3.ID, nil, ""); !errors.Is(err, store.ErrNotFound) || !jobs.IsPermanent(err) {
		t.Fatalf("photo of another source: %v", err)
	}
}

func TestWebConnect(t *testing.T) {
	t.Parallel()
	forEachStore(t, testWebConnect)
}

func testWebConnect(t *testing.T, db *store.DB) {
	ctx := t.Context()
	f := newFixture(t, db)
	other := must[store.User](t)(db.CreateUser(ctx, "other@example.com", "hash", false))
	h := NewHandler(db, f.box, f.cfg, quiet())
	var connected []store.Source
	h.OnConnect = func(_ context.Context, src store.Source) { connected = append(connected, src) }
	as := func(userID int64, target string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, target, nil)
		if userID != 0 {
			r = r.WithContext(auth.WithClaims(r.Context(), auth.Claims{UserID: userID}))
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	// The browser follows SmugMug's authorize page, which redirects to the
	// callback with the verifier.
	approve := func(authorizeURL string) string {
		c := *f.cfg.HTTPClient
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		resp, err := c.Get(authorizeURL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound {
			t.Fatalf("authorize page answered %d", resp.StatusCode)
		}
		return resp.Header.Get("Location")
	}
	start := func(userID int64) string {
		w := as(userID, "http://tv.example/smugmug/connect")
		loc := w.Header().Get("Location")
		if w.Code != http.StatusFound || !strings.HasPrefix(loc, f.fake.OAuthBase()+"/authorize?") {
			t.Fatalf("connect: %d %q", w.Code, loc)
		}
		return loc
	}

	if w := as(0, "http://tv.example/smugmug/connect"); w.Code != http.StatusUnauthorized {
		t.Fatalf("anonymous connect: %d", w.Code)
	}
	authorizeURL := start(f.user.ID)
	cb := approve(authorizeURL)
	cbURL := must[*url.URL](t)(url.Parse(cb))
	if cbURL.Host != "tv.example" || cbURL.Path != "/smugmug/callback" || cbURL.Query().Get("oauth_verifier") == "" {
		t.Fatalf("callback %q", cb)
	}
	w := as(f.user.ID, cb)
	if w.Code != http.StatusFound || w.Header().Get("Location") != "/sources" {
		t.Fatalf("callback: %d %q %s", w.Code, w.Header().Get("Location"), w.Body)
	}
	srcs := must[[]store.Source](t)(db.Sources(ctx, f.user.ID))
	if len(srcs) != 1 || srcs[0].Name != "ansel" || srcs[0].Kind != store.SourceSmugMug || len(connected) != 1 || connected[0].ID != srcs[0].ID {
		t.Fatalf("sources %+v, connected %+v", srcs, connected)
	}
	tok := must[smugmug.Token](t)(openToken(f.box, srcs[0]))
	if nick, _, ok := f.fake.TokenOwner(tok.Token); !ok || nick != "ansel" {
		t.Fatal("stored token is not the account's")
	}
	// A request token is exchanged once.
	if w := as(f.user.ID, cb); w.Code != http.StatusBadRequest {
		t.Fatalf("replayed callback: %d", w.Code)
	}
	// A sign-in started by one user cannot be finished by another — and
	// the other's try does not use it up: its owner still finishes it.
	cb = approve(start(f.user.ID))
	if w := as(other.ID, cb); w.Code != http.StatusBadRequest {
		t.Fatalf("callback by another user: %d", w.Code)
	}
	if n := len(must[[]store.Source](t)(db.Sources(ctx, other.ID))); n != 0 {
		t.Fatalf("other user got %d sources", n)
	}
	if w := as(f.user.ID, cb); w.Code != http.StatusFound {
		t.Fatalf("the owner's callback after another user's try: %d %s", w.Code, w.Body)
	}
	// Denied on SmugMug: no verifier.
	if w := as(f.user.ID, "http://tv.example/smugmug/callback?oauth_token=x"); w.Code != http.StatusBadRequest {
		t.Fatalf("callback without verifier: %d", w.Code)
	}
}

func TestClientConfig(t *testing.T) {
	t.Parallel()
	c := ClientConfig(config.Config{SmugMugAPIKey: "k", SmugMugAPISecret: "s", SmugMugAPIBase: "https://api.smugmug.com",
		SmugMugOAuthBase: "https://api.smugmug.com/services/oauth/1.0a", SmugMugRPM: 50})
	if c.APIBase != smugmug.DefaultAPIBase || c.RequestsPerMinute != 50 || c.Permissions != smugmug.PermissionModify || c.Validate() != nil {
		t.Fatalf("%+v", c)
	}
	if c := ClientConfig(config.Config{SmugMugAPIBase: "http://127.0.0.1:1/api/v2"}); c.APIBase != "http://127.0.0.1:1/api/v2" {
		t.Fatalf("explicit base rewritten: %q", c.APIBase)
	}
}

var _ pipeline.RemoteSource = (*Source)(nil)

// An unchanged library of 250 albums is re-synced with one request per
// page of 100 albums.
func TestUnchangedResyncRequests(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := storetest.OpenSQLite(t, store.Options{})
	f := newFixture(t, db)
	f.fake.Generate("ansel", 247, func(int) int { return 1 })
	src := f.connectPIN(t)
	s := New(db, f.box, f.cfg, quiet())
	res := must[source.Result](t)(s.Sync(ctx, src, nil))
	if res.New != 12+247 {
		t.Fatalf("first sync %+v", res)
	}
	f.fake.ResetCounts()
	res = must[source.Result](t)(s.Sync(ctx, src, nil))
	n := f.fake.RequestCount()
	t.Logf("unchanged re-sync of 250 albums: %d requests", n)
	if n > 250/100+3 || len(res.ToProcess) != 0 {
		t.Fatalf("unchanged re-sync: %+v in %d requests", res, n)
	}
}
