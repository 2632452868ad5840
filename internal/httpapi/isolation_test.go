package httpapi

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/auth"
	"github.com/targetvision/targetvision/internal/pipeline"
	"github.com/targetvision/targetvision/internal/store"
)

// library is one user's seeded data: a source, an album, photos with
// thumbnails and renditions on disk, descriptions, embeddings and jobs.
type library struct {
	user      account
	source    store.Source
	album     store.Album
	photos    []store.Photo
	queuedJob store.Job
	failedJob store.Job // nil ID when the user has none
	thumb     []byte    // every photo's thumbnail and rendition bytes
	budget    float64   // the user's monthly budget setting
	// spare adds a second, empty source for the user (made when first
	// asked, for the owner's removal of a source).
	spare func() store.Source
	// smug is the user's SmugMug source with one recorded write-back
	// (made when first asked).
	smug func() store.Source
	// token and spareToken are API tokens of the user (made when first asked).
	token, spareToken func() store.APIToken
	// coll is the user's collection of all their photos; spareColl another,
	// for the owner's delete (made when first asked).
	coll      store.Collection
	spareColl func() store.Collection
	// spareFailure adds a second failed job for the user (made when first
	// asked, for the owner's dismissal of a failure).
	spareFailure func() store.Job
}

func (l *library) photoIDs() []int64 {
	ids := make([]int64, len(l.photos))
	for i, p := range l.photos {
		ids[i] = p.ID
	}
	return ids
}

// jpegOf encodes a small JPEG of one colour: each user's files are
// distinguishable byte for byte.
func jpegOf(t testing.TB, c color.RGBA) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for y := range 16 {
		for x := range 16 {
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

type photoSpec struct {
	key, title, description string
	keywords                []string
}

// seedLibrary gives u a library through the store, as the pipeline would.
func seedLibrary(t *testing.T, ts *testServer, u account, dir, albumName string, c color.RGBA, specs []photoSpec, withFailedJob bool) *library {
	t.Helper()
	ctx := t.Context()
	db := ts.db
	l := &library{user: u, thumb: jpegOf(t, c)}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var spare store.Source
	l.spare = func() store.Source {
		if spare.ID == 0 {
			p := dir + "-spare"
			var err error
			if spare, err = db.CreateSource(ctx, store.Source{UserID: u.id, Kind: store.SourceLocal, Name: p, Path: p}); err != nil {
				t.Fatal(err)
			}
		}
		return spare
	}
	tokens := map[string]store.APIToken{}
	tokenNamed := func(name string) func() store.APIToken {
		return func() store.APIToken {
			if _, ok := tokens[name]; !ok {
				tok, err := CreateAPIToken(ctx, db, u.id, strings.SplitN(u.email, "@", 2)[0]+"'s "+name, false)
				if err != nil {
					t.Fatal(err)
				}
				tokens[name] = tok.APIToken
			}
			return tokens[name]
		}
	}
	l.token, l.spareToken = tokenNamed("backup script"), tokenNamed("spare")
	var spareColl store.Collection
	l.spareColl = func() store.Collection {
		if spareColl.ID == 0 {
			var err error
			if spareColl, err = db.CreateCollection(ctx, u.id, "spare "+u.email, ""); err != nil {
				t.Fatal(err)
			}
		}
		return spareColl
	}
	var smug store.Source
	l.smug = func() store.Source {
		if smug.ID == 0 {
			var err error
			if smug, err = db.CreateSource(ctx, store.Source{UserID: u.id, Kind: store.SourceSmugMug, Name: "smug-" + u.email}); err != nil {
				t.Fatal(err)
			}
			if _, err := db.RecordRemoteWrite(ctx, store.RemoteWrite{UserID: u.id, SourceID: smug.ID, PhotoID: l.photos[0].ID, ImageKey: "k",
				After: store.RemoteText{Caption: l.photos[0].Title + " written back", Keywords: []string{"quetzalcoatl"}}, Written: true}); err != nil {
				t.Fatal(err)
			}
			if _, err := db.RecordRemoteAlbumWrite(ctx, store.RemoteAlbumWrite{UserID: u.id, SourceID: smug.ID, Actor: u.email,
				Name: l.photos[0].Title + " album", AlbumKey: "AK", Photos: 1, Collected: 1, Result: store.RemoteAlbumCreated}); err != nil {
				t.Fatal(err)
			}
		}
		return smug
	}
	var err error
	l.source, err = db.CreateSource(ctx, store.Source{UserID: u.id, Kind: store.SourceLocal, Name: dir, Path: dir})
	if err != nil {
		t.Fatal(err)
	}
	l.album, err = db.UpsertAlbum(ctx, store.Album{UserID: u.id, SourceID: l.source.ID, Key: "album", Name: albumName})
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range specs {
		p := store.Photo{UserID: u.id, SourceID: l.source.ID, AlbumID: l.album.ID, SourceKey: s.key, FileName: s.key,
			Title: s.title, Keywords: s.keywords, TakenAt: time.Date(2024, 6, 10+i, 18, 0, 0, 0, time.UTC),
			Width: 16, Height: 16, Size: int64(len(l.thumb)), Format: "jpeg", CameraMake: "Hasselblad", CameraModel: "X2D",
			Lens: "XCD 45mm F3.5", ISO: 400, FNumber: 3.5,
			ContentHash: fmt.Sprintf("%s-%d", s.key, u.id), Status: store.PhotoReady}
		p, _, err = db.UpsertPhoto(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		p.ThumbPath, p.RenditionPath = pipeline.ThumbPath(u.id, p.ID), pipeline.RenditionPath(u.id, p.ID)
		if p, _, err = db.UpsertPhoto(ctx, p); err != nil {
			t.Fatal(err)
		}
		// The original, in the source's folder.
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, s.key)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, s.key), l.thumb, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, rel := range []string{p.ThumbPath, p.RenditionPath} {
			full := filepath.Join(ts.dataDir, rel)
			if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(full, l.thumb, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.SaveAIMetadata(ctx, store.AIMetadata{PhotoID: p.ID, UserID: u.id, Model: "claude-test", PromptVersion: "1",
			Description: s.description, Keywords: []string{"generated"}, Objects: []string{"thing"}, Scene: "outdoor",
			CostUSD: 0.001}); err != nil {
			t.Fatal(err)
		}
		vec := make([]float32, 512)
		vec[0], vec[1+i] = 1, 0.5 // the photos of one library are near each other
		if err := db.SaveEmbedding(ctx, store.Embedding{PhotoID: p.ID, UserID: u.id, Model: testModel, Vector: vec}); err != nil {
			t.Fatal(err)
		}
		l.photos = append(l.photos, p)
	}
	if l.coll, err = db.CreateCollection(ctx, u.id, title(l.photos[0])+" picks", ""); err != nil {
		t.Fatal(err)
	}
	if err := db.ChangeCollection(ctx, u.id, l.coll.ID, l.photoIDs(), nil); err != nil {
		t.Fatal(err)
	}
	l.queuedJob, _, err = db.Enqueue(ctx, store.Job{UserID: u.id, Kind: pipeline.KindProcess, PhotoID: l.photos[0].ID})
	if err != nil {
		t.Fatal(err)
	}
	if withFailedJob {
		if _, _, err := db.Enqueue(ctx, store.Job{UserID: u.id, Kind: pipeline.KindDescribe, PhotoID: l.photos[0].ID, MaxAttempts: 1}); err != nil {
			t.Fatal(err)
		}
		j, err := db.Claim(ctx, "test-worker", []string{pipeline.KindDescribe}, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Fail(ctx, j.ID, "test-worker", "the model refused", 0, true); err != nil {
			t.Fatal(err)
		}
		if l.failedJob, err = db.Job(ctx, u.id, j.ID); err != nil || l.failedJob.State != store.JobFailed {
			t.Fatalf("failed job: %+v %v", l.failedJob, err)
		}
	}
	var spareFailure store.Job
	l.spareFailure = func() store.Job {
		if spareFailure.ID == 0 {
			j, _, err := db.Enqueue(ctx, store.Job{UserID: u.id, Kind: "spare-failure", MaxAttempts: 1})
			if err == nil {
				j, err = db.Claim(ctx, "test-worker", []string{"spare-failure"}, time.Minute)
			}
			if err == nil {
				err = db.Fail(ctx, j.ID, "test-worker", "for dismissal", 0, true)
			}
			if err != nil {
				t.Fatal(err)
			}
			spareFailure = j
		}
		return spareFailure
	}
	return l
}

// isolationCase says how to call one route as user "as" of the owner's
// library, and what each must see.
type isolationCase struct {
	// build makes the request; the walker adds the owner's filters as the
	// query of GET requests.
	build func(owner *library, as account) req
	// owner checks the owner's answer: the owner's data is there (so the
	// test can fail).
	owner func(t *testing.T, rec *httptest.ResponseRecorder)
	// other checks another user's answer beyond the generic no-leak checks.
	other func(t *testing.T, rec *httptest.ResponseRecorder)
	// signsOut marks a route that ends the caller's session: the walk
	// signs in again after it.
	signsOut bool
}

// TestIsolation walks every route of the table as a second user, with the
// first user's ids in the path and the first user's album, keyword, camera,
// source and words in the query, and checks that nothing of the first
// user's comes back; then walks them as the first user to show the same
// requests do find that data.
func TestIsolation(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, db *store.DB) {
		root := t.TempDir()
		ts := newTestServer(t, db, func(d *Deps) {
			d.AllowSignup, d.RateLimit, d.FolderRoots, d.MetricsToken = true, 10000, []string{root}, "metrics-token"
			d.ModelDownloads = newFakeDownloads()
		})
		ctx := t.Context()
		alice := ts.signup("alice@example.com")
		bob := ts.signup("bob@example.com")
		A := seedLibrary(t, ts, alice, filepath.Join(root, "alice-folder"), "Aardvark Album", color.RGBA{200, 30, 30, 255}, []photoSpec{
			{"alice-private-1.jpg", "Zanzibarn at dusk", "A xylophonic quetzal beside a red barn at dusk", []string{"quetzalcoatl"}},
			{"alice-private-2.jpg", "Zanzibarn in snow", "A xylophonic quetzal on a snowy barn roof", []string{"quetzalcoatl"}},
		}, true)
		// Bob's library shares Alice's keyword and camera, so a filter that
		// forgot the user would show her photos beside his.
		B := seedLibrary(t, ts, bob, filepath.Join(root, "bob-folder"), "Bob's Lighthouses", color.RGBA{30, 30, 200, 255}, []photoSpec{
			{"lighthouse.jpg", "Lighthouse", "A lighthouse on a cliff", []string{"quetzalcoatl"}},
		}, false)
		// Alice's photos were taken in Berlin: the map and place filters
		// have something of hers to leak.
		for i, p := range A.photos {
			p.GPS = &store.GPS{Lat: 52.52, Lon: 13.40}
			var err error
			if A.photos[i], _, err = db.UpsertPhoto(ctx, p); err != nil || A.photos[i].Place != "Berlin, Germany" {
				t.Fatalf("Alice's GPS: %v %q", err, A.photos[i].Place)
			}
		}
		// Every photo is a four-star favourite, Bob's as well as Alice's.
		for _, l := range []*library{A, B} {
			fav, stars := true, 4
			for _, p := range l.photos {
				if err := db.SetPhotoEdits(ctx, l.user.id, p.ID, store.PhotoEdit{Favorite: &fav, Rating: &stars}); err != nil {
					t.Fatal(err)
				}
			}
		}
		for _, u := range []*library{A, B} {
			u.budget = map[int64]float64{alice.id: 42, bob.id: 7}[u.user.id]
			body := jsonString(t, UserSettings{MonthlyBudgetUSD: u.budget})
			if rec := ts.do(req{method: "PUT", path: "/api/v1/settings", body: body, cookie: u.user.cookie}); rec.Code != 200 {
				t.Fatalf("settings: %d %s", rec.Code, rec.Body)
			}
		}
		aJobsBefore, err := db.Jobs(ctx, alice.id, "", 100)
		if err != nil {
			t.Fatal(err)
		}

		// markers are strings only Alice's data contains.
		markers := []string{"Zanzibarn at dusk", "Zanzibarn in snow", "xylophonic", "alice-private", "Aardvark Album",
			A.source.Path, alice.email, "the model refused"}
		// Every GET is also sent with all of Alice's filters; the photo
		// searches and listings with each on its own too. Bob's photo has
		// the same lens, exposure, rating and favourite mark as hers.
		aFilters := url.Values{"q": {"zanzibarn"}, "album": {A.album.Name}, "keyword": {"quetzalcoatl"},
			"camera": {"hasselblad"}, "source": {strconv.FormatInt(A.source.ID, 10)}, "lens": {"xcd"}, "iso_min": {"400"},
			"iso_max": {"400"}, "aperture_min": {"3.5"}, "aperture_max": {"3.5"}, "favorite": {"true"}, "rating": {"4"}}
		oneFilter := []url.Values{{"q": {"zanzibarn"}}, {"album": {A.album.Name}}, {"keyword": {"quetzalcoatl"}},
			{"camera": {"hasselblad"}}, {"source": {strconv.FormatInt(A.source.ID, 10)}}, {"q": {"quetzal barn"}},
			{"q": {"quetzalcoatl"}}, {"collection": {strconv.FormatInt(A.coll.ID, 10)}}, {"place": {"berlin"}}, {"q": {"place:berlin"}},
			{"lens": {"XCD 45"}}, {"iso_min": {"100"}}, {"iso_max": {"800"}}, {"aperture_min": {"2"}}, {"aperture_max": {"4"}},
			{"favorite": {"true"}}, {"rating": {"4"}}, {"q": {"lens:xcd iso:400 aperture:3.5 is:favorite rating:4"}}}

		cases := isolationCases(t, ts, A)
		walk := func(as account, owner bool) {
			for _, rt := range ts.srv.table() {
				c, ok := cases[rt.pattern]
				if !ok {
					t.Errorf("route %s has no isolation case: add one to isolationCases", rt.pattern)
					continue
				}
				r := c.build(A, as)
				variants := []string{r.path}
				sep := "?"
				if strings.Contains(r.path, "?") {
					sep = "&"
				}
				if r.method == http.MethodGet {
					variants = append(variants, r.path+sep+aFilters.Encode())
				}
				if rt.pattern == "GET /api/v1/search" || rt.pattern == "GET /api/v1/photos" {
					for _, f := range oneFilter {
						variants = append(variants, r.path+sep+f.Encode())
					}
				}
				for _, path := range variants {
					r := r
					r.path = path
					if r.cookie == nil && !rt.public {
						r.cookie = as.cookie
					}
					t.Run(fmt.Sprintf("%s/%s %s", map[bool]string{true: "owner", false: "other"}[owner], r.method, path), func(t *testing.T) {
						rec := ts.do(r)
						if rec.Code >= 500 {
							t.Fatalf("%d %s", rec.Code, rec.Body)
						}
						if owner {
							if c.owner != nil {
								c.owner(t, rec)
							}
							return
						}
						body := rec.Body.Bytes()
						for _, m := range markers {
							if bytes.Contains(body, []byte(m)) {
								t.Errorf("Alice's %q leaked: %d %s", m, rec.Code, body)
							}
						}
						if bytes.Contains(body, A.thumb) {
							t.Errorf("Alice's image bytes leaked")
						}
						noForeignIDs(t, body, "photo_id", A.photoIDs())
						noForeignIDs(t, body, "source_id", []int64{A.source.ID})
						if c.other != nil {
							c.other(t, rec)
						}
					})
				}
				if c.signsOut {
					as.cookie = ts.login(as)
				}
			}
		}

		walk(bob, false)
		bob.cookie = ts.login(bob) // the walk signed him out

		// Where Bob's own photo matches as well as Alice's, he finds his
		// alone: the searches are scoped, not merely empty.
		for _, path := range []string{"/api/v1/search?q=quetzalcoatl", "/api/v1/search?keyword=quetzalcoatl&camera=hasselblad",
			"/api/v1/search?q=is:favorite+lens:xcd+iso:400+aperture:3.5", "/api/v1/photos?favorite=true&lens=xcd&iso_min=400&aperture_max=3.5&rating=4",
			"/api/v1/photos?keyword=quetzalcoatl", fmt.Sprintf("/api/v1/photos/%d/similar", B.photos[0].ID)} {
			rec := ts.do(req{method: "GET", path: path, cookie: bob.cookie})
			want := B.photoIDs()
			if strings.Contains(path, "similar") {
				want = nil // his only photo; Alice's identical vector is not his
			}
			if got := resultIDs(t, rec); rec.Code != 200 || !slices.Equal(got, want) {
				t.Errorf("Bob's %s: %d %v, want %v", path, rec.Code, got, want)
			}
		}

		// Nothing Bob did changed Alice's data.
		if j, err := db.Job(ctx, alice.id, A.failedJob.ID); err != nil || j.State != store.JobFailed {
			t.Errorf("Alice's failed job after Bob's walk: %+v %v", j, err)
		}
		if js, err := db.Jobs(ctx, alice.id, "", 100); err != nil || len(js) != len(aJobsBefore) {
			t.Errorf("Alice's jobs after Bob's walk: %d, was %d (%v)", len(js), len(aJobsBefore), err)
		}
		// Her folder, and the SmugMug source the walk made for her.
		if srcs, err := db.Sources(ctx, alice.id); err != nil || len(srcs) != 2 {
			t.Errorf("Alice's sources after Bob's walk: %v %v", srcs, err)
		}
		if srcs, err := db.Sources(ctx, bob.id); err != nil || len(srcs) != 1 {
			t.Errorf("Bob's sources after his walk: %v %v", srcs, err)
		}
		if st, err := db.UserSettings(ctx, alice.id); err != nil || st.MonthlyBudgetUSD != 42 {
			t.Errorf("Alice's settings after Bob's walk: %+v %v", st, err)
		}
		if _, n, err := db.ListPhotos(ctx, alice.id, store.Filter{}, 10, 0); err != nil || n != 2 {
			t.Errorf("Alice's photos after Bob's walk: %d %v", n, err)
		}

		walk(alice, true)
	})
}

// tokenOf checks that a POST /api/v1/tokens answer is a new token acting
// as user id.
func tokenOf(t *testing.T, ts *testServer, rec *httptest.ResponseRecorder, id int64) {
	t.Helper()
	var tok newToken
	decodeBody(t, rec, &tok)
	if rec.Code != 201 || !strings.HasPrefix(tok.Token, "tvk_") {
		t.Fatalf("new token: %d %s", rec.Code, rec.Body)
	}
	got, err := APITokens(ts.db).LookupAPIToken(t.Context(), auth.APITokenDigest(tok.Token))
	if err != nil || got.UserID != id || !got.ReadOnly {
		t.Errorf("the new token acts as %+v (%v), want user %d, read-only", got, err, id)
	}
}

// extraUser is an account made for an administrator to act on.
func extraUser(t *testing.T, ts *testServer, email string) store.User {
	t.Helper()
	u, err := ts.db.CreateUser(t.Context(), email, "h", false)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func mustUsers(t *testing.T, ts *testServer) []store.User {
	t.Helper()
	us, err := ts.db.Users(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return us
}

// noForeignIDs fails if the JSON body has a key named key whose value is
// one of ids, at any depth.
func noForeignIDs(t *testing.T, body []byte, key string, ids []int64) {
	t.Helper()
	var v any
	if json.Unmarshal(body, &v) != nil {
		return
	}
	var visit func(any)
	visit = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if n, ok := e.(float64); ok && k == key && slices.Contains(ids, int64(n)) {
					t.Errorf("Alice's %s %d leaked: %s", key, int64(n), body)
				}
				visit(e)
			}
		case []any:
			for _, e := range x {
				visit(e)
			}
		}
	}
	visit(v)
}

func wantStatus(t *testing.T, rec *httptest.ResponseRecorder, status int) {
	t.Helper()
	if rec.Code != status {
		t.Errorf("status %d, want %d: %s", rec.Code, status, rec.Body)
	}
}

func wantNotFound(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	wantError(t, rec, http.StatusNotFound, "not_found")
}

// resultIDs reads the photo ids of a search response or photo listing.
func resultIDs(t *testing.T, rec *httptest.ResponseRecorder) []int64 {
	t.Helper()
	var r struct {
		Results []struct {
			PhotoID int64 `json:"photo_id"`
		} `json:"results"`
		Photos []struct {
			PhotoID int64 `json:"photo_id"`
		} `json:"photos"`
	}
	decodeBody(t, rec, &r)
	var ids []int64
	for _, x := range append(r.Results, r.Photos...) {
		ids = append(ids, x.PhotoID)
	}
	return ids
}

func firstEvent(t *testing.T, rec *httptest.ResponseRecorder) progressEvent {
	t.Helper()
	sc := bufio.NewScanner(rec.Body)
	for sc.Scan() {
		if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			var e progressEvent
			if err := json.Unmarshal([]byte(data), &e); err != nil {
				t.Fatalf("event data %q: %v", data, err)
			}
			return e
		}
	}
	t.Fatalf("no event in %q", rec.Body)
	return progressEvent{}
}

// isolationCases has one case per route of the table; TestIsolation fails
// for a route without one, so a new route cannot escape it.
func isolationCases(t *testing.T, ts *testServer, A *library) map[string]isolationCase {
	get := func(path string) func(*library, account) req {
		return func(*library, account) req { return req{method: "GET", path: path} }
	}
	photo := func(suffix string) func(*library, account) req {
		return func(o *library, _ account) req {
			return req{method: "GET", path: fmt.Sprintf("/api/v1/photos/%d%s", o.photos[0].ID, suffix)}
		}
	}
	ok := func(t *testing.T, rec *httptest.ResponseRecorder) { wantStatus(t, rec, 200) }
	image := func(t *testing.T, rec *httptest.ResponseRecorder) {
		wantStatus(t, rec, 200)
		if !bytes.Equal(rec.Body.Bytes(), A.thumb) || rec.Header().Get("Content-Type") != "image/jpeg" {
			t.Errorf("owner got %d bytes of %s, not the photo's file", rec.Body.Len(), rec.Header().Get("Content-Type"))
		}
	}
	onlyOwn := func(t *testing.T, rec *httptest.ResponseRecorder) {
		wantStatus(t, rec, 200)
		for _, id := range resultIDs(t, rec) {
			if slices.Contains(A.photoIDs(), id) {
				t.Errorf("photo %d is Alice's", id)
			}
		}
	}
	ownerSees := func(t *testing.T, rec *httptest.ResponseRecorder) {
		wantStatus(t, rec, 200)
		ids := resultIDs(t, rec)
		if !slices.Contains(ids, A.photos[0].ID) || !slices.Contains(ids, A.photos[1].ID) {
			t.Errorf("owner's results %v lack her photos %v: %s", ids, A.photoIDs(), rec.Body)
		}
	}
	contains := func(s string) func(*testing.T, *httptest.ResponseRecorder) {
		return func(t *testing.T, rec *httptest.ResponseRecorder) {
			if rec.Code >= 300 || !strings.Contains(rec.Body.String(), s) {
				t.Errorf("owner's answer lacks %q: %d %s", s, rec.Code, rec.Body)
			}
		}
	}
	return map[string]isolationCase{
		"GET /healthz": {build: get("/healthz"), owner: ok, other: ok},
		"GET /readyz":  {build: get("/readyz"), owner: ok, other: ok},
		"GET /metrics": {build: func(*library, account) req {
			return req{method: "GET", path: "/metrics", header: map[string]string{"Authorization": "Bearer metrics-token"}}
		}, owner: ok, other: ok},
		"GET /api/openapi.json": {build: get("/api/openapi.json"), owner: ok, other: ok},
		"GET /api/docs":         {build: get("/api/docs"), owner: ok, other: ok},
		"GET /api/docs.css":     {build: get("/api/docs.css"), owner: ok, other: ok},

		"GET /api/v1/auth/status": {build: get("/api/v1/auth/status"), owner: contains(`"claimed":true`), other: contains(`"claimed":true`)},
		"POST /api/v1/auth/signup": {
			build: func(o *library, as account) req {
				return req{method: "POST", path: "/api/v1/auth/signup", body: jsonString(t, credentials{Email: o.user.email, Password: "another password"})}
			},
			owner: func(t *testing.T, rec *httptest.ResponseRecorder) { wantError(t, rec, 401, "bad_credentials") },
			other: func(t *testing.T, rec *httptest.ResponseRecorder) { wantError(t, rec, 401, "bad_credentials") },
		},
		"POST /api/v1/auth/login": {
			build: func(o *library, as account) req {
				pw := "not alice's password"
				if as.id == o.user.id {
					pw = as.password
				}
				return req{method: "POST", path: "/api/v1/auth/login", body: jsonString(t, credentials{Email: o.user.email, Password: pw})}
			},
			owner: contains(`"email":"alice@example.com"`),
			other: func(t *testing.T, rec *httptest.ResponseRecorder) { wantError(t, rec, 401, "bad_credentials") },
		},
		"POST /api/v1/auth/logout": {
			build: func(_ *library, as account) req {
				return req{method: "POST", path: "/api/v1/auth/logout", cookie: as.cookie}
			},
			owner:    func(t *testing.T, rec *httptest.ResponseRecorder) { wantStatus(t, rec, 204) },
			other:    func(t *testing.T, rec *httptest.ResponseRecorder) { wantStatus(t, rec, 204) },
			signsOut: true,
		},
		"POST /api/v1/auth/password": {
			build: func(_ *library, as account) req {
				return req{method: "POST", path: "/api/v1/auth/password",
					body: jsonString(t, passwordChange{CurrentPassword: as.password, NewPassword: as.password})}
			},
			owner: func(t *testing.T, rec *httptest.ResponseRecorder) { wantStatus(t, rec, 204) },
			other: func(t *testing.T, rec *httptest.ResponseRecorder) { wantStatus(t, rec, 204) },
		},
		"GET /api/v1/sessions": {build: get("/api/v1/sessions"), owner: contains(`"current":true`),
			other: func(t *testing.T, rec *httptest.ResponseRecorder) {
				xs, err := ts.db.Sessions(t.Context(), A.user.id)
				if err != nil || len(xs) == 0 {
					t.Fatalf("Alice's sessions: %v %v", xs, err)
				}
				for _, x := range xs {
					if strings.Contains(rec.Body.String(), x.ID) {
						t.Errorf("Alice's session %s listed for Bob: %s", x.ID, rec.Body)
					}
				}
			}},
		"DELETE /api/v1/sessions/{id}": {
			build: func(o *library, _ account) req {
				c, err := ts.srv.d.Sessions.Verify(ts.login(o.user).Value)
				if err != nil {
					t.Fatal(err)
				}
				return req{method: "DELETE", path: "/api/v1/sessions/" + c.SessionID}
			},
			owner: func(t *testing.T, rec *httptest.ResponseRecorder) { wantStatus(t, rec, 204) },
			other: wantNotFound,
		},
		"DELETE /api/v1/sessions": {
			build:    func(*library, account) req { return req{method: "DELETE", path: "/api/v1/sessions"} },
			owner:    func(t *testing.T, rec *httptest.ResponseRecorder) { wantStatus(t, rec, 204) },
			other:    func(t *testing.T, rec *httptest.ResponseRecorder) { wantStatus(t, rec, 204) },
			signsOut: true,
		},
		"GET /api/v1/tokens": {build: get("/api/v1/tokens"), owner: contains("alice's backup script"),
			other: func(t *testing.T, rec *httptest.ResponseRecorder) {
				wantStatus(t, rec, 200)
				if strings.Contains(rec.Body.String(), "alice's backup script") || strings.Contains(rec.Body.String(), A.token().Hint) {
					t.Errorf("Alice's token listed for Bob: %s", rec.Body)
				}
			}},
		"POST /api/v1/tokens": {
			build: func(*library, account) req {
				return req{method: "POST", path: "/api/v1/tokens", body: `{"name":"mine","scope":"read"}`}
			},
			// Each makes a token of their own, which acts as them alone.
			owner: func(t *testing.T, rec *httptest.ResponseRecorder) { tokenOf(t, ts, rec, A.user.id) },
			other: func(t *testing.T, rec *httptest.ResponseRecorder) {
				var bob int64
				for _, u := range mustUsers(t, ts) {
					if u.Email == "bob@example.com" {
						bob = u.ID
					}
				}
				tokenOf(t, ts, rec, bob)
			},
		},
		"DELETE /api/v1/tokens/{id}": {
			build: func(o *library, as account) req {
				id := o.token().ID
				if as.id == o.user.id {
					id = o.spareToken().ID // her first token stays for the walk's other checks
				}
				return req{method: "DELETE", path: fmt.Sprintf("/api/v1/tokens/%d", id)}
			},
			owner: func(t *testing.T, rec *httptest.ResponseRecorder) { wantStatus(t, rec, 204) },
			other: func(t *testing.T, rec *httptest.ResponseRecorder) {
				wantNotFound(t, rec)
				if _, err := ts.db.APITokenByDigest(t.Context(), A.token().Digest); err != nil {
					t.Errorf("Bob revoked Alice's token: %v", err)
				}
			},
		},
		// Accounts are the administrator's (Alice, the first account):
		// Bob, no admin, is refused each and changes nothing.
		"GET /api/v1/users": {build: get("/api/v1/users"), owner: contains("bob@example.com"),
			other: func(t *testing.T, rec *httptest.ResponseRecorder) { wantError(t, rec, 403, "forbidden") }},
		"POST /api/v1/users": {
			build: func(_ *library, as account) req {
				return req{method: "POST", path: "/api/v1/users", body: jsonString(t, newUserRequest{
					credentials: credentials{Email: fmt.Sprintf("made-by-%d@example.com", as.id), Password: "a long enough password"}, IsAdmin: true})}
			},
			owner: func(t *testing.T, rec *httptest.ResponseRecorder) { wantStatus(t, rec, 201) },
			other: func(t *testing.T, rec *httptest.ResponseRecorder) {
				wantError(t, rec, 403, "forbidden")
				for _, u := range mustUsers(t, ts) {
					if strings.HasPrefix(u.Email, "made-by-") {
						t.Errorf("Bob made an account: %+v", u)
					}
				}
			},
		},
		"PATCH /api/v1/users/{id}": {
			build: func(o *library, as account) req {
				id := o.user.id
				if as.id == o.user.id {
					id = extraUser(t, ts, "dave@example.com").ID
				}
				return req{method: "PATCH", path: fmt.Sprintf("/api/v1/users/%d", id), body: `{"disabled":true}`}
			},
			owner: contains(`"disabled":true`),
			other: func(t *testing.T, rec *httptest.ResponseRecorder) {
				wantError(t, rec, 403, "forbidden")
				if u, err := ts.db.UserByID(t.Context(), A.user.id); err != nil || u.Disabled() {
					t.Errorf("Bob disabled Alice: %+v %v", u, err)
				}
			},
		},
		"DELETE /api/v1/users/{id}": {
			build: func(o *library, as account) req {
				id := o.user.id
				if as.id == o.user.id {
					id = extraUser(t, ts, "erin@example.com").ID
				}
				return req{method: "DELETE", path: fmt.Sprintf("/api/v1/users/%d", id)}
			},
			owner: func(t *testing.T, rec *httptest.ResponseRecorder) { wantStatus(t, rec, 204) },
			other: func(t *testing.T, rec *httptest.ResponseRecorder) {
				wantError(t, rec, 403, "forbidden")
				if _, err := ts.db.UserByID(t.Context(), A.user.id); err != nil {
					t.Errorf("Bob removed Alice: %v", err)
				}
			},
		},
		"GET /api/v1/me": {build: get("/api/v1/me"), owner: contains(`"email":"alice@example.com"`),
			other: contains(`"email":"bob@example.com"`)},

		"GET /api/v1/search": {build: get("/api/v1/search"), owner: ownerSees, other: onlyOwn},
		"GET /api/v1/photos": {build: get("/api/v1/photos"), owner: ownerSees, other: onlyOwn},
		"GET /api/v1/photos/{id}": {build: photo(""), owner: contains("Zanzibarn at dusk"),
			other: wantNotFound},
		"PATCH /api/v1/photos/{id}": {
			build: func(o *library, _ account) req {
				return req{method: "PATCH", path: fmt.Sprintf("/api/v1/photos/%d", o.photos[0].ID), body: `{"caption":"edited","favorite":true}`}
			},
			owner: contains(`"caption":"edited"`),
			other: func(t *testing.T, rec *httptest.ResponseRecorder) {
				wantNotFound(t, rec)
				if p, err := ts.db.Photo(t.Context(), A.user.id, A.photos[0].ID); err != nil || p.Edits.Caption != nil {
					t.Errorf("Bob edited Alice's photo: %+v %v", p.Edits, err)
				}
			},
		},
		"GET /api/v1/photos/{id}/similar": {build: photo("/similar"),
			owner: func(t *testing.T, rec *httptest.ResponseRecorder) {
				if ids := resultIDs(t, rec); rec.Code != 200 || !slices.Equal(ids, []int64{A.photos[1].ID}) {
					t.Errorf("owner's similar photos %v, want [%d]: %s", ids, A.photos[1].ID, rec.Body)
				}
			},
			other: wantNotFound},
		"GET /api/v1/photos/{id}/thumbnail": {build: photo("/thumbnail"), owner: image, other: wantNotFound},
		"GET /api/v1/photos/{id}/image":     {build: photo("/image"), owner: image, other: wantNotFound},
		"GET /api/v1/photos/{id}/original": {build: photo("/original"),
			owner: func(t *testing.T, rec *httptest.ResponseRecorder) {
				image(t, rec)
				if cd := rec.Header().Get("Content-Disposition"); cd != `attachment; filename=alice-private-1.jpg` {
					t.Errorf("owner's original is not an attachment named like its file: %q", cd)
				}
			},
			other: wantNotFound},
		"GET /api/v1/photos/originals.zip": {
			build: func(o *library, _ account) req {
				return req{method: "GET", path: fmt.Sprintf("/api/v1/photos/originals.zip?ids=%d,%d", o.photos[0].ID, o.photos[1].ID)}
			},
			owner: func(t *testing.T, rec *httptest.ResponseRecorder) {
				wantStatus(t, rec, 200)
				if got := zipEntries(t, rec.Body.Bytes()); len(got) != 2 || !bytes.Equal(got["alice-private-1.jpg"], A.thumb) || !bytes.Equal(got["alice-private-2.jpg"], A.thumb) {
					t.Errorf("owner's zip holds %d files, want her two originals", len(got))
				}
			},
			other: wantNotFound},
		"GET /api/v1/timeline": {build: get("/api/v1/timeline"), owner: contains(`"period":"2024-06","from":"2024-06-01","to":"2024-06-30","count":2`),
			other: func(t *testing.T, rec *httptest.ResponseRecorder) {
				wantStatus(t, rec, 200)
				if strings.Contains(rec.Body.String(), `"count":2`) || strings.Contains(rec.Body.String(), `"count":3`) {
					t.Errorf("Bob's timeline counts Alice's photos: %s", rec.Body)
				}
			}},
		"POST /api/v1/photos/smugmug-album": {
			// The owner's ids pass the ownership check and reach the next
			// (they are a folder's photos); another user's are not found.
			build: func(o *library, _ account) req {
				return req{method: "POST", path: "/api/v1/photos/smugmug-album", body: jsonString(t, remoteAlbumRequest{PhotoIDs: o.photoIDs(), Name: "hijack"})}
			},
			owner: func(t *testing.T, rec *httptest.ResponseRecorder) { wantError(t, rec, 400, "not_smugmug") },
			other: wantNotFound,
		},
		"POST /api/v1/photos/keywords": {
			build: func(o *library, as account) req {
				kw := "ownkeyword"
				if as.id != o.user.id {
					kw = "hijacked"
				}
				return req{method: "POST", path: "/api/v1/photos/keywords", body: jsonString(t, keywordEdit{PhotoIDs: o.photoIDs(), Add: []string{kw}})}
			},
			owner: contains(`"updated":2`),
			other: func(t *testing.T, rec *httptest.ResponseRecorder) {
				wantNotFound(t, rec)
				for _, id := range A.photoIDs() {
					if p, err := ts.db.Photo(t.Context(), A.user.id, id); err != nil || p.Edits.Keywords != nil && slices.Contains(*p.Edits.Keywords, "hijacked") {
						t.Errorf("Bob changed the keywords of Alice's photo %d: %v", id, err)
					}
				}
			},
		},
		"GET /api/v1/collections": {build: get("/api/v1/collections"), owner: contains("Zanzibarn at dusk picks"),
			other: func(t *testing.T, rec *httptest.ResponseRecorder) {
				wantStatus(t, rec, 200)
				if strings.Contains(rec.Body.String(), "Zanzibarn") {
					t.Errorf("Alice's collections listed for Bob: %s", rec.Body)
				}
			}},
		"POST /api/v1/collections": {
			build: func(o *library, as account) req {
				return req{method: "POST", path: "/api/v1/collections", body: jsonString(t, newCollection{Name: fmt.Sprintf("made by %d", as.id), PhotoIDs: o.photoIDs()})}
			},
			owner: contains(`"photo_count":2`),
			other: func(t *testing.T, rec *httptest.ResponseRecorder) {
				wantNotFound(t, rec)
				for _, u := range mustUsers(t, ts) {
					cs, _ := ts.db.Collections(t.Context(), u.ID)
					for _, c := range cs {
						if strings.HasPrefix(c.Name, "made by") {
							t.Errorf("Bob's request with Alice's photos made a collection: %+v", c)
						}
					}
				}
			},
		},
		"POST /api/v1/collections/{id}/photos": {
			build: func(o *library, _ account) req {
				return req{method: "POST", path: fmt.Sprintf("/api/v1/collections/%d/photos", o.coll.ID), body: jsonString(t, collectionChange{Remove: []int64{o.photos[1].ID}})}
			},
			owner: contains(`"photo_count":1`),
			other: func(t *testing.T, rec *httptest.ResponseRecorder) {
				wantNotFound(t, rec)
				if c, err := ts.db.CollectionByID(t.Context(), A.user.id, A.coll.ID); err != nil || c.PhotoCount != 2 {
					t.Errorf("Bob changed Alice's collection: %+v %v", c, err)
				}
			},
		},
		"DELETE /api/v1/collections/{id}": {
			build: func(o *library, as account) req {
				id := o.coll.ID
				if as.id == o.user.id {
					id = o.spareColl().ID
				}
				return req{method: "DELETE", path: fmt.Sprintf("/api/v1/collections/%d", id)}
			},
			owner: func(t *testing.T, rec *httptest.ResponseRecorder) { wantStatus(t, rec, 204) },
			other: func(t *testing.T, rec *httptest.ResponseRecorder) {
				wantNotFound(t, rec)
				if _, err := ts.db.CollectionByID(t.Context(), A.user.id, A.coll.ID); err != nil {
					t.Errorf("Bob deleted Alice's collection: %v", err)
				}
			},
		},
		"GET /api/v1/map": {build: get("/api/v1/map"), owner: contains(`"place":"Berlin, Germany"`),
			other: func(t *testing.T, rec *httptest.ResponseRecorder) {
				wantStatus(t, rec, 200)
				if strings.Contains(rec.Body.String(), "Berlin") {
					t.Errorf("Alice's positions on Bob's map: %s", rec.Body)
				}
			}},
		"GET /api/v1/albums": {build: get("/api/v1/albums"), owner: contains("Aardvark Album"), other: contains("Bob's Lighthouses")},

		"GET /api/v1/sources": {build: get("/api/v1/sources"), owner: contains(A.source.Path), other: contains("bob-folder")},
		"POST /api/v1/sources": {
			build: func(o *library, _ account) req {
				return req{method: "POST", path: "/api/v1/sources", body: jsonString(t, sourceRequest{Kind: "local", Path: o.source.Path})}
			},
			owner: func(t *testing.T, rec *httptest.ResponseRecorder) {
				var s sourceJSON
				decodeBody(t, rec, &s)
				if rec.Code != 201 || s.ID != A.source.ID || s.PhotoCount != 2 {
					t.Errorf("owner re-adding her folder: %d %s", rec.Code, rec.Body)
				}
			},
			// Bob is no admin; were he one, the folder would be his own source.
			other: func(t *testing.T, rec *httptest.ResponseRecorder) { wantError(t, rec, 403, "forbidden") },
		},
		"POST /api/v1/sources/{id}/sync": {
			build: func(o *library, _ account) req {
				return req{method: "POST", path: fmt.Sprintf("/api/v1/sources/%d/sync", o.source.ID)}
			},
			owner: contains(fmt.Sprintf(`"source_id":%d`, A.source.ID)),
			other: wantNotFound,
		},
		// The owner removes a spare source of hers (her library stays for
		// the routes after this one); Bob cannot remove her real one.
		"DELETE /api/v1/sources/{id}": {
			build: func(o *library, as account) req {
				id := o.source.ID
				if as.id == o.user.id {
					id = o.spare().ID
				}
				return req{method: "DELETE", path: fmt.Sprintf("/api/v1/sources/%d", id)}
			},
			owner: func(t *testing.T, rec *httptest.ResponseRecorder) { wantStatus(t, rec, 204) },
			other: wantNotFound,
		},
		"GET /api/v1/sources/{id}/issues": {
			build: func(o *library, _ account) req {
				return req{method: "GET", path: fmt.Sprintf("/api/v1/sources/%d/issues", o.source.ID)}
			},
			owner: contains(fmt.Sprintf(`"source_id":%d`, A.source.ID)),
			other: wantNotFound,
		},

		"PUT /api/v1/sources/{id}/writeback": {
			build: func(o *library, _ account) req {
				return req{method: "PUT", path: fmt.Sprintf("/api/v1/sources/%d/writeback", o.smug().ID), body: `{"keywords":true,"captions":false,"dry_run":false}`}
			},
			owner: func(t *testing.T, rec *httptest.ResponseRecorder) {
				var s sourceJSON
				decodeBody(t, rec, &s)
				if rec.Code != 200 || s.WriteBack == nil || !s.WriteBack.Keywords {
					t.Errorf("owner switching write-back on: %d %s", rec.Code, rec.Body)
				}
			},
			other: func(t *testing.T, rec *httptest.ResponseRecorder) {
				wantNotFound(t, rec)
				if src, err := ts.db.Source(t.Context(), A.user.id, A.smug().ID); err != nil || src.WriteBack.On() {
					t.Errorf("Bob switched Alice's write-back: %+v %v", src.WriteBack, err)
				}
			},
		},
		"GET /api/v1/sources/{id}/album-writes": {
			build: func(o *library, _ account) req {
				return req{method: "GET", path: fmt.Sprintf("/api/v1/sources/%d/album-writes", o.smug().ID)}
			},
			owner: contains("Zanzibarn at dusk album"),
			other: wantNotFound,
		},
		"GET /api/v1/sources/{id}/writes": {
			build: func(o *library, _ account) req {
				return req{method: "GET", path: fmt.Sprintf("/api/v1/sources/%d/writes", o.smug().ID)}
			},
			owner: contains("Zanzibarn at dusk written back"),
			other: wantNotFound,
		},

		"GET /api/v1/jobs": {build: get("/api/v1/jobs"),
			owner: contains(fmt.Sprintf(`"id":%d`, A.failedJob.ID)),
			other: func(t *testing.T, rec *httptest.ResponseRecorder) {
				var l jobList
				decodeBody(t, rec, &l)
				for _, j := range l.Jobs {
					if j.ID == A.failedJob.ID || j.ID == A.queuedJob.ID {
						t.Errorf("Alice's job %d listed", j.ID)
					}
				}
				if len(l.Jobs) != 1 || l.Counts[store.JobQueued] != 1 || l.Counts[store.JobFailed] != 0 {
					t.Errorf("Bob's jobs: %s", rec.Body)
				}
			}},
		"POST /api/v1/jobs/{id}/retry": {
			build: func(o *library, _ account) req {
				return req{method: "POST", path: fmt.Sprintf("/api/v1/jobs/%d/retry", o.failedJob.ID)}
			},
			owner: func(t *testing.T, rec *httptest.ResponseRecorder) { wantStatus(t, rec, 204) },
			other: wantNotFound,
		},
		"DELETE /api/v1/jobs/{id}": {
			build: func(o *library, as account) req {
				id := o.failedJob.ID
				if as.id == o.user.id {
					id = o.spareFailure().ID
				}
				return req{method: "DELETE", path: fmt.Sprintf("/api/v1/jobs/%d", id)}
			},
			owner: func(t *testing.T, rec *httptest.ResponseRecorder) { wantStatus(t, rec, 204) },
			other: wantNotFound,
		},
		"GET /api/v1/events": {
			build: func(*library, account) req {
				return req{method: "GET", path: "/api/v1/events", timeout: 200 * time.Millisecond}
			},
			owner: func(t *testing.T, rec *httptest.ResponseRecorder) {
				// Her failed job was retried by the walk: queued again.
				if e := firstEvent(t, rec); e.Queued+e.Failed < 2 {
					t.Errorf("owner's progress %+v, want her jobs", e)
				}
			},
			other: func(t *testing.T, rec *httptest.ResponseRecorder) {
				if e := firstEvent(t, rec); e != (progressEvent{Queued: 1}) {
					t.Errorf("Bob's progress %+v, want his one queued job only", e)
				}
			},
		},

		"GET /api/v1/usage": {build: get("/api/v1/usage"),
			owner: contains(`"photos_described":2`),
			other: func(t *testing.T, rec *httptest.ResponseRecorder) {
				var u usageJSON
				decodeBody(t, rec, &u)
				if u.PhotosDescribed != 1 || u.BudgetUSD != 7 {
					t.Errorf("Bob's usage %+v", u)
				}
			}},
		"GET /api/v1/settings": {build: get("/api/v1/settings"), owner: contains(`"monthly_budget_usd":42`),
			other: contains(`"monthly_budget_usd":7`)},
		"PUT /api/v1/settings": {
			build: func(_ *library, as account) req {
				budget := map[bool]float64{true: 42, false: 8}[as.id == A.user.id]
				return req{method: "PUT", path: "/api/v1/settings", body: jsonString(t, UserSettings{MonthlyBudgetUSD: budget})}
			},
			owner: contains(`"monthly_budget_usd":42`),
			other: contains(`"monthly_budget_usd":8`),
		},
		"GET /api/v1/models": {build: get("/api/v1/models"), owner: ok, other: ok},
		// Server-wide, no user's data: the administrator may start it,
		// nobody else.
		"POST /api/v1/models/clip/download": {
			build: func(*library, account) req { return req{method: "POST", path: "/api/v1/models/clip/download"} },
			owner: func(t *testing.T, rec *httptest.ResponseRecorder) { wantStatus(t, rec, 202) },
			other: func(t *testing.T, rec *httptest.ResponseRecorder) { wantError(t, rec, 403, "forbidden") },
		},
	}
}
