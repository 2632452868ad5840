package httpapi

import (
	"fmt"
	"image/color"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/targetvision/targetvision/internal/store"
)

// TestBulkWork: keywords on many photos, and collections, through the API.
func TestBulkWork(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, db *store.DB) {
		ts := newTestServer(t, db, func(d *Deps) { d.RateLimit = 10000 })
		alice := ts.signup("alice@example.com")
		A := seedLibrary(t, ts, alice, filepath.Join(t.TempDir(), "a"), "Trips", color.RGBA{200, 30, 30, 255}, []photoSpec{
			{"one.jpg", "One", "a barn", []string{"barn"}}, {"two.jpg", "Two", "a lake", nil},
		}, false)
		post := func(path string, body any) *httptest.ResponseRecorder {
			return ts.do(req{method: "POST", path: path, body: jsonString(t, body), cookie: alice.cookie})
		}
		wantError(t, post("/api/v1/photos/keywords", keywordEdit{PhotoIDs: A.photoIDs()}), 400, "bad_request")
		wantError(t, post("/api/v1/photos/keywords", keywordEdit{Add: []string{"x"}}), 400, "bad_request")
		rec := post("/api/v1/photos/keywords", keywordEdit{PhotoIDs: A.photoIDs(), Add: []string{" owl ", "Owl"}, Remove: []string{"BARN"}})
		var res keywordEditResult
		decodeBody(t, rec, &res)
		if rec.Code != 200 || res.Updated != 2 {
			t.Fatalf("keywords: %d %s", rec.Code, rec.Body)
		}
		var d photoDetail
		decodeBody(t, ts.do(req{method: "GET", path: fmt.Sprintf("/api/v1/photos/%d", A.photos[0].ID), cookie: alice.cookie}), &d)
		if fmt.Sprint(d.Keywords) != "[generated owl]" || !d.Edited.Keywords {
			t.Errorf("photo one's keywords after the bulk edit: %v (edited %v)", d.Keywords, d.Edited.Keywords)
		}

		smart := post("/api/v1/collections", newCollection{Name: "Barns", Query: "barn"})
		var c collectionJSON
		decodeBody(t, smart, &c)
		if smart.Code != 201 || c.Query != "barn" {
			t.Fatalf("saved search: %d %s", smart.Code, smart.Body)
		}
		wantError(t, post(fmt.Sprintf("/api/v1/collections/%d/photos", c.ID), collectionChange{Add: A.photoIDs()}), 409, "saved_search")
		wantError(t, post("/api/v1/collections", newCollection{Name: "Both", Query: "barn", PhotoIDs: A.photoIDs()}), 400, "bad_request")
		wantError(t, post("/api/v1/collections", newCollection{Name: "barns"}), 409, "conflict")
	})
}
