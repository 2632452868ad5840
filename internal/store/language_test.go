package store_test

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/targetvision/targetvision/internal/store"
	"github.com/targetvision/targetvision/internal/store/storetest"
)

// TestTextLanguageChange: opening a library with another search language
// rebuilds its full-text index, so the documents and the queries agree
// (english stems "zebracorns"; simple does not, and keeps "the").
func TestTextLanguageChange(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		dsn  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "tv.db") }},
		{"postgres", func(t *testing.T) string { return storetest.PostgresURL(t) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			dsn := tc.dsn(t)
			open := func(lang string) *store.DB {
				db, err := store.Open(ctx, dsn, store.Options{TextLanguage: lang})
				if err != nil {
					t.Fatal(err)
				}
				return db
			}
			db := open("")
			u, _ := db.CreateUser(ctx, "a@example.com", "x", false)
			src, _ := db.CreateSource(ctx, store.Source{UserID: u.ID, Kind: store.SourceLocal, Name: "/p", Path: "/p"})
			p, _, err := db.UpsertPhoto(ctx, store.Photo{UserID: u.ID, SourceID: src.ID, SourceKey: "a.jpg", FileName: "the_zebracorns.jpg", ContentHash: "h"})
			if err != nil {
				t.Fatal(err)
			}
			search := func(db *store.DB, w string) []int64 {
				t.Helper()
				hits, err := db.SearchText(ctx, u.ID, store.TextQuery{Terms: []string{w}})
				if err != nil {
					t.Fatal(err)
				}
				var ids []int64
				for _, h := range hits {
					ids = append(ids, h.PhotoID)
				}
				return ids
			}
			if got := search(db, "zebracorn"); !slices.Equal(got, []int64{p.ID}) {
				t.Fatalf("english: zebracorn in a file name = %v", got)
			}
			db.Close()
			db = open("simple")
			defer db.Close()
			if got := search(db, "the"); !slices.Equal(got, []int64{p.ID}) {
				t.Errorf("simple after english: the = %v", got)
			}
			if got := search(db, "zebracorn"); len(got) != 0 {
				t.Errorf("simple after english: zebracorn = %v (the index still holds english stems)", got)
			}
			if _, err := store.Open(ctx, dsn, store.Options{TextLanguage: "klingon"}); err == nil {
				t.Error("an unknown language was accepted")
			}
		})
	}
}
