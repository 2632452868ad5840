package smugmug_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/ratelimit"
	"github.com/targetvision/targetvision/internal/smugmug"
	"github.com/targetvision/targetvision/internal/smugmug/smugmugtest"
)

type env struct {
	fake *smugmugtest.Server
	cfg  smugmug.Config
	tok  smugmug.Token
	c    *smugmug.Client
}

func newEnv(t *testing.T, perm smugmug.Permission) *env {
	t.Helper()
	fake := smugmugtest.New(t, smugmugtest.Options{})
	fake.AddUser("ansel", "Ansel A")
	e := &env{fake: fake, cfg: fake.Config(), tok: fake.IssueToken("ansel", perm)}
	e.cfg.Logger = quietLogger()
	e.c = e.client(t, e.cfg)
	return e
}

func (e *env) client(t *testing.T, cfg smugmug.Config) *smugmug.Client {
	t.Helper()
	c, err := smugmug.NewClient(cfg, e.tok)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestClientReadsLibrary(t *testing.T) {
	t.Parallel()
	e := newEnv(t, smugmug.PermissionRead)
	ctx := t.Context()
	keys := e.fake.Generate("ansel", 3, func(i int) int { return []int{0, 230, 5}[i] })
	vid := e.fake.AddImage(keys[2], smugmugtest.Image{IsVideo: true, FileName: "clip.mp4"})
	e.fake.EditAlbum(keys[1], func(a *smugmugtest.Album) { a.Keywords = "trip; Iceland"; a.Description = "Ring road" })

	albums, err := e.c.Albums(ctx, "ansel")
	if err != nil {
		t.Fatal(err)
	}
	if len(albums) != 3 {
		t.Fatalf("%d albums", len(albums))
	}
	fa, _ := e.fake.AlbumState(keys[1])
	a := albums[1]
	if a.AlbumKey != keys[1] || a.Name != fa.Name || a.URLPath != fa.URLPath() || a.ImageCount != 230 ||
		!a.LastUpdated.Equal(fa.LastUpdated) || !a.ImagesLastUpdated.Equal(fa.ImagesLastUpdated) ||
		!slices.Equal(a.Keywords, []string{"trip", "Iceland"}) || a.Description != "Ring road" || a.NodeID == "" || a.WebURI == "" {
		t.Fatalf("album %+v does not match %+v", a, fa)
	}

	e.fake.ResetCounts()
	imgs, err := e.c.AlbumImages(ctx, keys[1])
	if err != nil {
		t.Fatal(err)
	}
	if len(imgs) != 230 {
		t.Fatalf("%d images, want 230", len(imgs))
	}
	if n := e.fake.RequestCount(); n != 3 {
		t.Fatalf("230 images took %d requests, want 3 pages of 100", n)
	}
	for _, r := range e.fake.Requests() {
		for _, p := range []string{"_filter=", "_shorturis=", "_verbosity=1", "count=100"} {
			if !strings.Contains(r.Query, p) {
				t.Errorf("request %s?%s lacks %s", r.Path, r.Query, p)
			}
		}
	}
	for _, im := range imgs {
		want, ok := e.fake.ImageState(im.ImageKey)
		if !ok {
			t.Fatalf("unknown image %s", im.ImageKey)
		}
		checkImage(t, im, want)
	}

	imgs, err = e.c.AlbumImages(ctx, keys[2])
	if err != nil {
		t.Fatal(err)
	}
	videos := 0
	for _, im := range imgs {
		if im.IsVideo {
			videos++
			if im.ImageKey != vid || im.Format != "MP4" {
				t.Fatalf("video %+v", im)
			}
		}
	}
	if videos != 1 {
		t.Fatalf("%d videos detected, want 1", videos)
	}
	imgs, err = e.c.AlbumImages(ctx, keys[0])
	if err != nil || len(imgs) != 0 {
		t.Fatalf("empty album: %v, %v", imgs, err)
	}
}

// checkImage compares every field the indexer uses with the fake's state.
func checkImage(t *testing.T, got smugmug.Image, want smugmugtest.Image) {
	t.Helper()
	ok := got.ImageKey == want.Key && got.AlbumKey == want.AlbumKey && got.Serial == want.Serial &&
		got.FileName == want.FileName && got.Title == want.Title && got.Caption == want.Caption &&
		smugmug.JoinKeywords(got.Keywords) == want.Keywords &&
		got.Uploaded.Equal(want.Uploaded) && got.Taken.Equal(want.Taken) && got.LastUpdated.Equal(want.LastUpdated) &&
		got.Format == want.Format && got.Width == want.Width && got.Height == want.Height && got.Size == want.Size &&
		got.MD5 == want.MD5 && math.Abs(got.Latitude-want.Latitude) < 1e-9 && math.Abs(got.Longitude-want.Longitude) < 1e-9 &&
		got.Altitude == want.Altitude && got.HasLocation == (want.Latitude != 0) &&
		strings.HasSuffix(got.WebURL, "/i-"+want.Key) && strings.Contains(got.ThumbnailURL, "/Th/") &&
		got.URI == "/api/v2/image/"+want.Key+"-"+strconv.Itoa(want.Serial) && got.IsVideo == want.IsVideo
	if !ok {
		t.Fatalf("image\n got %+v\nwant %+v", got, want)
	}
}

func TestWrongSecretIsRejected(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		mutate func(*smugmug.Config, *smugmug.Token)
	}{
		{"consumer secret", func(c *smugmug.Config, _ *smugmug.Token) { c.APISecret = "wrong" }},
		{"token secret", func(_ *smugmug.Config, tok *smugmug.Token) { tok.Secret = "wrong" }},
		{"consumer key", func(c *smugmug.Config, _ *smugmug.Token) { c.APIKey = "someone-else" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, smugmug.PermissionRead)
			cfg, tok := e.cfg, e.tok
			tc.mutate(&cfg, &tok)
			c, err := smugmug.NewClient(cfg, tok)
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.AuthUser(t.Context())
			var apiErr *smugmug.APIError
			if !errors.Is(err, smugmug.ErrUnauthorized) || !errors.As(err, &apiErr) || apiErr.StatusCode != 401 {
				t.Fatalf("err = %v, want a 401 ErrUnauthorized", err)
			}
			if apiErr.Attempts != 1 {
				t.Fatalf("401 was retried (%d attempts)", apiErr.Attempts)
			}
			// The right credentials work against the same server.
			if _, err := e.c.AuthUser(t.Context()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestRetries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		faults     []smugmugtest.Fault // answered to the first requests, in order
		wantErr    int                 // 0: success
		wantSleeps []time.Duration     // minimum per sleep
		attempts   int
	}{
		{"429 honours Retry-After", []smugmugtest.Fault{{Status: 429, RetryAfter: "7"}, {Status: 429, RetryAfter: "3"}}, 0,
			[]time.Duration{7 * time.Second, 3 * time.Second}, 3},
		{"503 backs off exponentially", []smugmugtest.Fault{{Status: 503}, {Status: 502}, {Status: 500}}, 0,
			[]time.Duration{time.Second / 2, time.Second, 2 * time.Second}, 4},
		{"HTML 504 from the front server", []smugmugtest.Fault{{Status: 504, Body: "<html>gateway</html>"}}, 0,
			[]time.Duration{time.Second / 2}, 2},
		{"bounded attempts", []smugmugtest.Fault{{Status: 429}, {Status: 429}, {Status: 429}, {Status: 429}, {Status: 429}, {Status: 429}}, 429,
			[]time.Duration{time.Second / 2, time.Second, 2 * time.Second, 4 * time.Second}, 5},
		{"400 is not retried", []smugmugtest.Fault{{Status: 400}}, 400, nil, 1},
		{"403 is not retried", []smugmugtest.Fault{{Status: 403, Body: "<html>Forbidden</html>"}}, 403, nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, smugmug.PermissionRead)
			cfg := e.cfg
			cfg.RetryBaseDelay = time.Second
			cfg.MaxRetryDelay = time.Minute
			c := e.client(t, cfg)
			var mu sync.Mutex
			var sleeps []time.Duration
			smugmug.SetSleep(c, func(_ context.Context, d time.Duration) error {
				mu.Lock()
				sleeps = append(sleeps, d)
				mu.Unlock()
				return nil
			})
			e.fake.SetFault(func(r smugmugtest.Request) *smugmugtest.Fault {
				if r.N <= len(tt.faults) {
					return &tt.faults[r.N-1]
				}
				return nil
			})
			_, err := c.AuthUser(t.Context())
			if tt.wantErr == 0 && err != nil {
				t.Fatal(err)
			}
			if tt.wantErr != 0 {
				var apiErr *smugmug.APIError
				if !errors.As(err, &apiErr) || apiErr.StatusCode != tt.wantErr || apiErr.Attempts != tt.attempts {
					t.Fatalf("err = %#v, want status %d after %d attempts", err, tt.wantErr, tt.attempts)
				}
				if tt.wantErr == 429 && !apiErr.Temporary() {
					t.Fatal("429 not Temporary")
				}
			}
			if n := e.fake.RequestCount(); n != tt.attempts {
				t.Fatalf("%d requests, want %d", n, tt.attempts)
			}
			if len(sleeps) != len(tt.wantSleeps) {
				t.Fatalf("sleeps %v, want %d", sleeps, len(tt.wantSleeps))
			}
			for i, min := range tt.wantSleeps {
				if sleeps[i] < min || sleeps[i] > 2*min+7*time.Second {
					t.Fatalf("sleep %d = %v, want ≥ %v", i, sleeps[i], min)
				}
			}
		})
	}
}

func TestRevokedTokenIsUnauthorized(t *testing.T) {
	t.Parallel()
	e := newEnv(t, smugmug.PermissionRead)
	if _, err := e.c.AuthUser(t.Context()); err != nil {
		t.Fatal(err)
	}
	e.fake.RevokeToken(e.tok.Token)
	_, err := e.c.Albums(t.Context(), "ansel")
	if !errors.Is(err, smugmug.ErrUnauthorized) {
		t.Fatalf("err = %v, want ErrUnauthorized", err)
	}
	if strings.Contains(err.Error(), e.tok.Token) || strings.Contains(err.Error(), e.tok.Secret) {
		t.Fatal("error leaks the token")
	}
}

func TestClientsOfOneAccountShareABucket(t *testing.T) {
	t.Parallel()
	e := newEnv(t, smugmug.PermissionRead)
	cfg := e.cfg
	cfg.RequestsPerMinute = 100
	a, b := e.client(t, cfg), e.client(t, cfg)
	other, err := smugmug.NewClient(cfg, e.fake.IssueToken("ansel", smugmug.PermissionRead))
	if err != nil {
		t.Fatal(err)
	}
	if !smugmug.SharesLimiter(a, b) {
		t.Fatal("two clients of one account have separate buckets")
	}
	if smugmug.SharesLimiter(a, other) {
		t.Fatal("two tokens share a bucket although nothing says they are one account")
	}
	named := cfg
	named.Account = "ansel"
	a2, err := smugmug.NewClient(named, e.fake.IssueToken("ansel", smugmug.PermissionRead))
	if err != nil {
		t.Fatal(err)
	}
	b2, err := smugmug.NewClient(named, e.fake.IssueToken("ansel", smugmug.PermissionRead))
	if err != nil {
		t.Fatal(err)
	}
	if !smugmug.SharesLimiter(a2, b2) {
		t.Fatal("two tokens of the account named in Config.Account have separate buckets")
	}
	named.Account = "dorothea"
	c2, err := smugmug.NewClient(named, e.fake.IssueToken("ansel", smugmug.PermissionRead))
	if err != nil {
		t.Fatal(err)
	}
	if smugmug.SharesLimiter(a2, c2) {
		t.Fatal("two named accounts share a bucket")
	}
	cfg.Budget = ratelimit.NewLocal(0, nil)
	if smugmug.SharesLimiter(a, e.client(t, cfg)) {
		t.Fatal("separate registries share a bucket")
	}
}

func TestSizesAndDownload(t *testing.T) {
	t.Parallel()
	e := newEnv(t, smugmug.PermissionRead)
	ctx := t.Context()
	album := e.fake.AddAlbum("ansel", "", "Sizes")
	tests := []struct {
		name      string
		w, h      int
		wantLabel string
		wantEdge  int
	}{
		{"camera landscape", 6000, 4000, "X4Large", 2048},
		{"portrait", 3000, 4500, "X4Large", 2048},
		{"small original", 1700, 1100, "X3Large", 1600},
		{"tiny original", 120, 90, "Thumb", 150},
	}
	for _, tt := range tests {
		key := e.fake.AddImage(album, smugmugtest.Image{Width: tt.w, Height: tt.h})
		im, err := e.c.Image(ctx, "/api/v2/image/"+key+"-0")
		if err != nil {
			t.Fatal(err)
		}
		r, err := e.c.Sizes(ctx, im)
		if err != nil {
			t.Fatal(err)
		}
		if r.Analysis.Label != tt.wantLabel || max(r.Analysis.Width, r.Analysis.Height) != tt.wantEdge {
			t.Errorf("%s: analysis rendition %+v, want %s", tt.name, r.Analysis, tt.wantLabel)
		}
		if r.Thumbnail.Label != "Thumb" {
			t.Errorf("%s: thumbnail %+v", tt.name, r.Thumbnail)
		}
		dst := filepath.Join(t.TempDir(), "x.jpg")
		got, err := e.c.Download(ctx, r.Analysis.URL, dst, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(dst)
		if err != nil || int64(len(b)) != got.Bytes || got.ContentType != "image/jpeg" || string(b) != string(smugmugtest.JPEG(key)) {
			t.Fatalf("%s: downloaded %+v (%v)", tt.name, got, err)
		}
	}
}

func TestDownloadRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t, smugmug.PermissionRead)
	key := e.fake.AddImage(e.fake.AddAlbum("ansel", "", "A"), smugmugtest.Image{})
	im, err := e.c.Image(t.Context(), "/api/v2/image/"+key+"-0")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		body    []byte
		ct      string
		max     int64
		wantErr error
	}{
		{"too large", smugmugtest.JPEG("x"), "image/jpeg", 100, smugmug.ErrTooLarge},
		{"html page", []byte("<html>login</html>"), "text/html", 1 << 20, smugmug.ErrNotImage},
		{"lying content type", []byte("<html>login</html>"), "image/jpeg", 1 << 20, smugmug.ErrNotImage},
		{"png is fine", []byte("\x89PNG\r\n\x1a\n....rest"), "image/png", 1 << 20, nil},
	}
	for _, tt := range tests {
		e.fake.SetMedia(func(string, string) ([]byte, string) { return tt.body, tt.ct })
		dir := t.TempDir()
		dst := filepath.Join(dir, "out.jpg")
		_, err := e.c.Download(t.Context(), im.ThumbnailURL, dst, tt.max)
		if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
			t.Fatalf("%s: err = %v, want %v", tt.name, err, tt.wantErr)
		}
		entries, _ := os.ReadDir(dir)
		if tt.wantErr != nil && len(entries) != 0 {
			t.Fatalf("%s: left %v behind", tt.name, entries)
		}
		if tt.wantErr == nil && (len(entries) != 1 || entries[0].Name() != "out.jpg") {
			t.Fatalf("%s: dir holds %v", tt.name, entries)
		}
	}
	if _, err := e.c.Download(t.Context(), e.fake.URL+"/photos/i-nope/0/00000000/X4/i-nope-X4.jpg", filepath.Join(t.TempDir(), "x"), 0); !smugmug.IsNotFound(err) {
		t.Fatalf("missing rendition: %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	ok := smugmug.Config{APIKey: "k", APISecret: "s"}
	tests := []struct {
		name   string
		mutate func(*smugmug.Config)
		valid  bool
	}{
		{"defaults", func(*smugmug.Config) {}, true},
		{"no key", func(c *smugmug.Config) { c.APIKey = "" }, false},
		{"no secret", func(c *smugmug.Config) { c.APISecret = "" }, false},
		{"relative API base", func(c *smugmug.Config) { c.APIBase = "/api/v2" }, false},
		{"ftp OAuth base", func(c *smugmug.Config) { c.OAuthBase = "ftp://x/y" }, false},
		{"fake bases", func(c *smugmug.Config) {
			c.APIBase, c.OAuthBase = "http://127.0.0.1:1/api/v2", "http://127.0.0.1:1/services/oauth/1.0a"
		}, true},
		{"bad permission", func(c *smugmug.Config) { c.Permissions = "Admin" }, false},
		{"negative page size", func(c *smugmug.Config) { c.PageSize = -1 }, false},
	}
	for _, tt := range tests {
		c := ok
		tt.mutate(&c)
		if err := c.Validate(); (err == nil) != tt.valid {
			t.Errorf("%s: Validate() = %v", tt.name, err)
		}
	}
	if _, err := smugmug.NewClient(ok, smugmug.Token{}); err == nil {
		t.Error("NewClient accepted an empty token")
	}
}

// Nothing secret reaches the logs, even at debug level with retries.
func TestSecretsAreNotLogged(t *testing.T) {
	t.Parallel()
	fake := smugmugtest.New(t, smugmugtest.Options{})
	fake.AddUser("ansel", "")
	keys := fake.Generate("ansel", 2, func(int) int { return 3 })
	var buf syncBuffer
	cfg := fake.Config()
	cfg.Logger = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg.Permissions = smugmug.PermissionModify
	ctx := t.Context()
	auth, err := smugmug.NewAuth(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rt, u, err := auth.RequestToken(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	approve(t, cfg.HTTPClient, u)
	tok, err := auth.AccessToken(ctx, rt, fake.Verifier(rt.Token))
	if err != nil {
		t.Fatal(err)
	}
	fake.SetFault(smugmugtest.FirstAttempt(smugmugtest.Fault{Status: 503}))
	c, err := smugmug.NewClient(cfg, tok)
	if err != nil {
		t.Fatal(err)
	}
	store := smugmugtest.NewMemStore()
	s := smugmug.NewSyncer(c, store, smugmug.SyncerConfig{Logger: cfg.Logger})
	if _, err := s.Sync(ctx, smugmug.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	st, _ := fake.AlbumState(keys[0])
	if _, err := c.WriteBack(ctx, "/api/v2/image/"+st.Images[0]+"-0", smugmug.Suggestion{Keywords: []string{"x"}}, false); err != nil {
		t.Fatal(err)
	}
	logs := buf.String()
	if !strings.Contains(logs, "retried") || !strings.Contains(logs, "write-back") {
		t.Fatalf("expected retry and write-back records, got:\n%s", logs)
	}
	for name, secret := range map[string]string{
		"access token": tok.Token, "token secret": tok.Secret, "request token": rt.Token,
		"request secret": rt.Secret, "consumer secret": cfg.APISecret,
	} {
		if strings.Contains(logs, secret) {
			t.Fatalf("the %s appears in the logs", name)
		}
	}
	if strings.Contains(logs, "oauth_signature") || strings.Contains(logs, "oauth_nonce") {
		t.Fatal("OAuth parameters appear in the logs")
	}
	if got := fmt.Sprintf("%v %+v", tok, rt); strings.Contains(got, tok.Secret) || strings.Contains(got, rt.Secret) {
		t.Fatal("tokens print their secrets")
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestAlbumImagesExpandSizes(t *testing.T) {
	t.Parallel()
	for _, disabled := range []bool{false, true} {
		t.Run(fmt.Sprint("disabled=", disabled), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, smugmug.PermissionRead)
			album := e.fake.Generate("ansel", 1, func(int) int { return 130 })[0]
			cfg := e.cfg
			cfg.DisableSizeExpansion = disabled
			c := e.client(t, cfg)
			e.fake.ResetCounts()
			imgs, err := c.AlbumImages(t.Context(), album)
			if err != nil {
				t.Fatal(err)
			}
			if n := e.fake.RequestCount(); n != 2 || len(imgs) != 130 {
				t.Fatalf("%d images in %d requests", len(imgs), n)
			}
			for _, r := range e.fake.Requests() {
				if strings.Contains(r.Query, "_expand=ImageSizeDetails") == disabled {
					t.Fatalf("query %s with expansion disabled=%v", r.Query, disabled)
				}
			}
			for i, im := range imgs {
				if disabled {
					if im.Analysis.URL != "" {
						t.Fatalf("rendition without expansion: %+v", im.Analysis)
					}
					continue
				}
				if i%20 != 0 {
					continue
				}
				sizes, err := c.Sizes(t.Context(), im)
				if err != nil {
					t.Fatal(err)
				}
				if im.Analysis != sizes.Analysis || im.Analysis.URL == "" {
					t.Fatalf("expanded %+v, !sizedetails %+v", im.Analysis, sizes.Analysis)
				}
			}
		})
	}
}

// TestOpenOriginal: an image's ArchivedUri streams the untouched original,
// signed with the owner's token; another account's token is refused, an
// image whose original is not offered has no ArchivedUri, and a cap below
// the declared size refuses before any byte is read.
func TestOpenOriginal(t *testing.T) {
	t.Parallel()
	e := newEnv(t, smugmug.PermissionRead)
	ctx := t.Context()
	album := e.fake.AddAlbum("ansel", "", "Originals")
	key := e.fake.AddImage(album, smugmugtest.Image{Format: "JPG"})
	im, err := e.c.Image(ctx, "/api/v2/image/"+key+"-0")
	if err != nil {
		t.Fatal(err)
	}
	if im.ArchivedURL == "" {
		t.Fatal("the image has no ArchivedUri")
	}
	m, err := e.c.OpenMedia(ctx, im.ArchivedURL, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(m.Body)
	m.Body.Close()
	want := smugmugtest.Original(key)
	if err != nil || string(b) != string(want) || m.Size != int64(len(want)) || m.ContentType != "image/jpeg" {
		t.Fatalf("original: %d bytes (want %d), size %d, type %q, %v", len(b), len(want), m.Size, m.ContentType, err)
	}
	if string(want) == string(smugmugtest.JPEG(key)) {
		t.Fatal("the fake serves the same bytes for the original and the renditions")
	}
	if _, err := e.c.OpenMedia(ctx, im.ArchivedURL, 100); !errors.Is(err, smugmug.ErrTooLarge) {
		t.Errorf("a cap below the original's size: %v", err)
	}

	// Another account's token may not download Ansel's original.
	e.fake.AddUser("bob", "Bob")
	bob, err := smugmug.NewClient(e.cfg, e.fake.IssueToken("bob", smugmug.PermissionRead))
	if err != nil {
		t.Fatal(err)
	}
	var apiErr *smugmug.APIError
	if _, err := bob.OpenMedia(ctx, im.ArchivedURL, 1<<20); !errors.As(err, &apiErr) || apiErr.StatusCode != 403 {
		t.Errorf("another account's token: %v, want 403", err)
	}

	// An image whose owner does not offer originals lists no ArchivedUri.
	hidden := e.fake.AddImage(album, smugmugtest.Image{NoOriginal: true})
	if im, err := e.c.Image(ctx, "/api/v2/image/"+hidden+"-0"); err != nil || im.ArchivedURL != "" || im.MD5 != "" {
		t.Errorf("no original offered: %+v %v", im, err)
	}
}
