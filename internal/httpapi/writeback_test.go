package httpapi

import (
	"fmt"
	"testing"

	"github.com/targetvision/targetvision/internal/store"
)

// TestWriteBackPerSource: write-back is off for a newly connected SmugMug
// source, switched per source (another source of the same user keeps its
// own), refused for folders, and what was written is listed.
func TestWriteBackPerSource(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, db *store.DB) {
		ts := newTestServer(t, db)
		a := ts.signup("a@example.com")
		ctx := t.Context()
		one, err := db.CreateSource(ctx, store.Source{UserID: a.id, Kind: store.SourceSmugMug, Name: "ansel"})
		if err != nil {
			t.Fatal(err)
		}
		two, err := db.CreateSource(ctx, store.Source{UserID: a.id, Kind: store.SourceSmugMug, Name: "studio"})
		if err != nil {
			t.Fatal(err)
		}
		folder, err := db.CreateSource(ctx, store.Source{UserID: a.id, Kind: store.SourceLocal, Name: "/p", Path: "/p"})
		if err != nil {
			t.Fatal(err)
		}
		list := func() map[int64]*writeBackJSON {
			var l sourceList
			decodeBody(t, ts.do(req{method: "GET", path: "/api/v1/sources", cookie: a.cookie}), &l)
			out := map[int64]*writeBackJSON{}
			for _, s := range l.Sources {
				out[s.ID] = s.WriteBack
				if wb := s.WriteBack; wb != nil {
					// Album writes are their own switch, off here throughout.
					if wb.Albums == nil || *wb.Albums {
						t.Errorf("source %d: albums %v", s.ID, wb.Albums)
					}
					c := *wb
					c.Albums = nil
					out[s.ID] = &c
				}
			}
			return out
		}
		got := list()
		if *got[one.ID] != (writeBackJSON{}) || *got[two.ID] != (writeBackJSON{}) || got[folder.ID] != nil {
			t.Fatalf("fresh sources' write-back: %v %v %v", got[one.ID], got[two.ID], got[folder.ID])
		}
		rec := ts.do(req{method: "PUT", path: fmt.Sprintf("/api/v1/sources/%d/writeback", one.ID), cookie: a.cookie,
			body: `{"keywords":true,"captions":true,"dry_run":false}`})
		if rec.Code != 200 {
			t.Fatalf("switching on: %d %s", rec.Code, rec.Body)
		}
		got = list()
		if *got[one.ID] != (writeBackJSON{Keywords: true, Captions: true}) || *got[two.ID] != (writeBackJSON{}) {
			t.Errorf("after switching one on: %v %v", got[one.ID], got[two.ID])
		}
		if src, err := db.Source(ctx, a.id, one.ID); err != nil || src.WriteBack != (store.WriteBack{Keywords: true, Captions: true}) {
			t.Errorf("the pipeline reads %+v %v", src.WriteBack, err)
		}
		rec = ts.do(req{method: "PUT", path: fmt.Sprintf("/api/v1/sources/%d/writeback", folder.ID), cookie: a.cookie,
			body: `{"keywords":true,"captions":false,"dry_run":false}`})
		wantError(t, rec, 400, "writeback_unsupported")
		rec = ts.do(req{method: "PUT", path: fmt.Sprintf("/api/v1/sources/%d/writeback", one.ID), cookie: a.cookie, body: `{"keywords":"yes"}`})
		wantError(t, rec, 400, "bad_request")

		if _, err := db.RecordRemoteWrite(ctx, store.RemoteWrite{UserID: a.id, SourceID: one.ID, ImageKey: "k",
			Before: store.RemoteText{Keywords: []string{"barn"}}, After: store.RemoteText{Caption: "A red barn", Keywords: []string{"barn", "snow"}},
			Fields: map[string]string{"Caption": "A red barn"}, Written: true}); err != nil {
			t.Fatal(err)
		}
		var ws sourceWrites
		decodeBody(t, ts.do(req{method: "GET", path: fmt.Sprintf("/api/v1/sources/%d/writes", one.ID), cookie: a.cookie}), &ws)
		if len(ws.Writes) != 1 || ws.Writes[0].After.Caption != "A red barn" || !ws.Writes[0].Written || ws.Writes[0].Before.Caption != "" {
			t.Errorf("the audit trail: %+v", ws)
		}
	})
}
