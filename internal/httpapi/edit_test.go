package httpapi

import (
	"fmt"
	"image/color"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/targetvision/targetvision/internal/store"
)

// TestEditPhoto: the person's caption, keywords and rating win in what the
// API shows and what search finds, survive a new description, and a reset
// brings back the file's and Claude's words.
func TestEditPhoto(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, db *store.DB) {
		ts := newTestServer(t, db)
		a := ts.signup("a@example.com")
		l := seedLibrary(t, ts, a, filepath.Join(t.TempDir(), "p"), "Album", color.RGBA{9, 9, 9, 255},
			[]photoSpec{{"barn.jpg", "Barn", "a red barn", []string{"filekw"}}}, false)
		id := l.photos[0].ID
		path := fmt.Sprintf("/api/v1/photos/%d", id)
		rec := ts.do(req{method: "PATCH", path: path, cookie: a.cookie,
			body: `{"caption":"  Grandpa's barn  ","keywords":["Zebracorn","zebracorn","",  "barn"],"rating":4,"favorite":true}`})
		var d photoDetail
		decodeBody(t, rec, &d)
		if rec.Code != 200 || d.Caption != "Grandpa's barn" || !slices.Equal(d.Keywords, []string{"Zebracorn", "barn"}) || d.Rating != 4 || !d.Favorite ||
			d.Edited != (editedJSON{Caption: true, Keywords: true, Rating: true}) {
			t.Fatalf("after the edit: %d %+v", rec.Code, d)
		}
		// Claude describes it again: the edit stands.
		if err := db.SaveAIMetadata(t.Context(), store.AIMetadata{PhotoID: id, UserID: a.id, Model: "m", PromptVersion: "2",
			Description: "a barn", Keywords: []string{"regenerated"}}); err != nil {
			t.Fatal(err)
		}
		decodeBody(t, ts.do(req{method: "GET", path: path, cookie: a.cookie}), &d)
		if !slices.Equal(d.Keywords, []string{"Zebracorn", "barn"}) {
			t.Errorf("after a new description the keywords are %v", d.Keywords)
		}
		for q, want := range map[string]bool{"zebracorn": true, "regenerated": false, "rating:4": true, "rating:5": false} {
			if got := resultIDs(t, ts.do(req{method: "GET", path: "/api/v1/search?q=" + q, cookie: a.cookie})); slices.Contains(got, id) != want {
				t.Errorf("search %q finds %v, want the photo: %v: %s", q, got, want, ts.do(req{method: "GET", path: "/api/v1/search?q=" + q, cookie: a.cookie}).Body)
			}
		}
		for _, body := range []string{`{"rating":6}`, `{"caption":42}`, `{"keywords":"x"}`, `{"title":"x"}`} {
			wantError(t, ts.do(req{method: "PATCH", path: path, cookie: a.cookie, body: body}), 400, "bad_request")
		}
		decodeBody(t, ts.do(req{method: "PATCH", path: path, cookie: a.cookie, body: `{"reset":true}`}), &d)
		if d.Edited != (editedJSON{}) || !slices.Contains(d.Keywords, "regenerated") || !d.Favorite {
			t.Errorf("after a reset: %+v", d)
		}
	})
}

// TestExposureFilters: lens, ISO, aperture, rating and favourites filter
// the listing and search alike, as query parameters and as operators.
func TestExposureFilters(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, db *store.DB) {
		ts := newTestServer(t, db)
		a := ts.signup("a@example.com")
		l := seedLibrary(t, ts, a, filepath.Join(t.TempDir(), "p"), "Album", color.RGBA{9, 9, 9, 255}, []photoSpec{
			{"wide.jpg", "Owl wide open", "an owl at night", nil},
			{"stopped.jpg", "Owl stopped down", "an owl at noon", nil},
			{"unknown.jpg", "Owl of no exposure", "an owl in a scan", nil},
		}, false)
		for i, e := range []struct {
			lens    string
			iso     int
			fNumber float64
		}{{"XCD 80mm F1.9", 6400, 1.9}, {"XCD 21mm F4", 100, 8}, {"", 0, 0}} {
			p := l.photos[i]
			p.Lens, p.ISO, p.FNumber = e.lens, e.iso, e.fNumber
			if _, _, err := db.UpsertPhoto(t.Context(), p); err != nil {
				t.Fatal(err)
			}
		}
		wide, stopped := l.photos[0].ID, l.photos[1].ID
		if rec := ts.do(req{method: "PATCH", path: fmt.Sprintf("/api/v1/photos/%d", stopped), cookie: a.cookie,
			body: `{"favorite":true,"rating":4}`}); rec.Code != 200 {
			t.Fatalf("favourite: %d %s", rec.Code, rec.Body)
		}
		for _, c := range []struct {
			query string
			want  []int64
		}{
			{"lens=80mm", []int64{wide}},
			{"lens=xcd", []int64{stopped, wide}},
			{"iso_min=800", []int64{wide}},
			{"iso_max=800", []int64{stopped}},
			{"iso_min=100&iso_max=100", []int64{stopped}},
			{"aperture_max=2", []int64{wide}},
			{"aperture_min=5.6&aperture_max=11", []int64{stopped}},
			{"favorite=true", []int64{stopped}},
			{"rating=4", []int64{stopped}},
			{"favorite=true&lens=80mm", nil},
		} {
			for _, path := range []string{"/api/v1/photos?", "/api/v1/search?q=owl&", "/api/v1/search?"} {
				got := resultIDs(t, ts.do(req{method: "GET", path: path + c.query, cookie: a.cookie}))
				slices.Sort(got)
				slices.Sort(c.want)
				if !slices.Equal(got, c.want) {
					t.Errorf("%s%s: %v, want %v", path, c.query, got, c.want)
				}
			}
		}
		for q, want := range map[string][]int64{
			"owl lens:80mm": {wide}, "owl iso:6400": {wide}, "owl iso:<=400": {stopped}, "owl aperture:f/1.9": {wide},
			"owl aperture:4-11": {stopped}, "owl is:favorite": {stopped}, "is:favorite rating:4": {stopped},
		} {
			got := resultIDs(t, ts.do(req{method: "GET", path: "/api/v1/search?q=" + url.QueryEscape(q), cookie: a.cookie}))
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("search %q: %v, want %v", q, got, want)
			}
		}
		for _, path := range []string{"/api/v1/photos?iso_min=0", "/api/v1/photos?aperture_max=f2", "/api/v1/search?aperture_min=0",
			"/api/v1/search?aperture_max=1001", "/api/v1/photos?favorite=perhaps", "/api/v1/photos?lens=" + strings.Repeat("l", 201)} {
			wantError(t, ts.do(req{method: "GET", path: path, cookie: a.cookie}), 400, "bad_request")
		}
	})
}
