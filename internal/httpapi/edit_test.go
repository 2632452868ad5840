package httpapi

import (
	"fmt"
	"image/color"
	"path/filepath"
	"slices"
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
