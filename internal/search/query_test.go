package search

import (
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/targetvision/targetvision/internal/store"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestParseQuery(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want Query
	}{
		{"", Query{}},
		{"   ", Query{}},
		{"red barn", Query{Text: "red barn", Terms: []string{"red", "barn"}}},
		{`"golden hour" lake`, Query{Text: "golden hour lake", Terms: []string{"lake"}, Phrases: []string{"golden hour"}}},
		{`barn -people -"stop sign"`, Query{Text: "barn", Terms: []string{"barn"}, Exclude: []string{"people", "stop", "sign"}}},
		{"camera:canon dog", Query{Text: "dog", Terms: []string{"dog"}, Filter: store.Filter{Camera: "canon"}}},
		{`album:"Summer Trips" keyword:snow`, Query{Filter: store.Filter{Album: "Summer Trips", Keyword: "snow"}}},
		{"ALBUM:Trips", Query{Filter: store.Filter{Album: "Trips"}}},
		{"place:Berlin barn", Query{Text: "barn", Terms: []string{"barn"}, Filter: store.Filter{Place: "Berlin"}}},
		{`place:"new york"`, Query{Filter: store.Filter{Place: "new york"}}},
		{"rating:4 owl", Query{Text: "owl", Terms: []string{"owl"}, Filter: store.Filter{MinRating: 4}}},
		{"rating:5+", Query{Filter: store.Filter{MinRating: 5}}},
		{"rating:6", Query{Hints: []Hint{{Code: HintBadValue, Message: "“rating:6” needs 1 to 5 stars, so it was left out."}}}},
		{"after:2019 before:2021-06", Query{Filter: store.Filter{From: day(2019, 1, 1), To: day(2021, 6, 1)}}},
		{"after:2020-02-29", Query{Filter: store.Filter{From: day(2020, 2, 29)}}},
		{"after:June 2005", Query{Filter: store.Filter{From: day(2005, 6, 1)}}},
		{`before:"sep 2019" dog`, Query{Text: "dog", Terms: []string{"dog"}, Filter: store.Filter{To: day(2019, 9, 1)}}},
		// Bad dates and unknown operators come back as hints.
		{"after:yesterday", Query{Hints: []Hint{{Code: HintBadValue, Message: "“after:yesterday” is not a date, so it was left out: " + dateForms + "."}}}},
		{"after:abc barn", Query{Text: "barn", Terms: []string{"barn"}, Hints: []Hint{{Code: HintBadValue, Message: "“after:abc” is not a date, so it was left out: " + dateForms + "."}}}},
		{"after:2021-02-30", Query{Hints: []Hint{{Code: HintBadValue, Message: "“after:2021-02-30” is not a date, so it was left out: " + dateForms + "."}}}},
		{"before:June barn", Query{Text: "barn", Terms: []string{"barn"}, Hints: []Hint{{Code: HintBadValue, Message: "“before:June” is not a date, so it was left out: " + dateForms + "."}}}},
		{"after:", Query{Hints: []Hint{{Code: HintBadValue, Message: "“after:” needs a date: " + dateForms + "."}}}},
		{"camera:", Query{Text: "camera:", Terms: []string{"camera:"}}},
		{`album:""`, Query{Text: `album:""`, Terms: []string{`album:""`}}},
		{"mood:happy", Query{Text: "mood:happy", Terms: []string{"mood:happy"}, Hints: []Hint{{Code: HintUnknownOperator,
			Message: "“mood:” is not a filter, so “mood happy” was searched for as words. Filters: camera:, lens:, album:, after:, before:, keyword:, place:, rating:, iso:, aperture:, is:favorite."}}}},
		// Lens, ISO, aperture and favourites.
		{"lens:50mm dog", Query{Text: "dog", Terms: []string{"dog"}, Filter: store.Filter{Lens: "50mm"}}},
		{`lens:"RF 24-70"`, Query{Filter: store.Filter{Lens: "RF 24-70"}}},
		{"iso:400", Query{Filter: store.Filter{MinISO: 400, MaxISO: 400}}},
		{"iso:1600+", Query{Filter: store.Filter{MinISO: 1600}}},
		{"ISO:>=1600", Query{Filter: store.Filter{MinISO: 1600}}},
		{"iso:<=200", Query{Filter: store.Filter{MaxISO: 200}}},
		{"iso:100-400", Query{Filter: store.Filter{MinISO: 100, MaxISO: 400}}},
		{"iso:high", Query{Hints: []Hint{{Code: HintBadValue, Message: "“iso:high” is not an ISO speed, so it was left out: " + isoForms + "."}}}},
		{"iso:400-100", Query{Hints: []Hint{{Code: HintBadValue, Message: "“iso:400-100” is not an ISO speed, so it was left out: " + isoForms + "."}}}},
		{"aperture:2.8", Query{Filter: store.Filter{MinFNumber: 2.75, MaxFNumber: 2.85}}},
		{"aperture:f/1.8", Query{Filter: store.Filter{MinFNumber: 1.75, MaxFNumber: 1.85}}},
		{"aperture:<=2", Query{Filter: store.Filter{MaxFNumber: 2.05}}},
		{"aperture:8+", Query{Filter: store.Filter{MinFNumber: 7.95}}},
		{"aperture:1.4-2.8 portrait", Query{Text: "portrait", Terms: []string{"portrait"}, Filter: store.Filter{MinFNumber: 1.35, MaxFNumber: 2.85}}},
		{"aperture:wide", Query{Hints: []Hint{{Code: HintBadValue, Message: "“aperture:wide” is not an f-number, so it was left out: " + apertureForms + "."}}}},
		{"is:favorite", Query{Filter: store.Filter{Favorite: true}}},
		{"is:Favourite owl", Query{Text: "owl", Terms: []string{"owl"}, Filter: store.Filter{Favorite: true}}},
		{"is:blurry", Query{Hints: []Hint{{Code: HintBadValue, Message: "“is:blurry” is not something a photo can be here, so it was left out: use is:favorite."}}}},
		{"http://example.com", Query{Text: "http://example.com", Terms: []string{"http://example.com"}}},
		{"10:30", Query{Text: "10:30", Terms: []string{"10:30"}}},
		// Bare years and months may be dates.
		{"2008", Query{Text: "2008", Terms: []string{"2008"}, Dates: []DateSpan{{Terms: []string{"2008"}, From: day(2008, 1, 1), To: day(2009, 1, 1)}}}},
		{"barn June 2019", Query{Text: "barn June 2019", Terms: []string{"barn", "June", "2019"},
			Dates: []DateSpan{{Terms: []string{"June", "2019"}, From: day(2019, 6, 1), To: day(2019, 7, 1)}}}},
		{"2019-06", Query{Text: "2019-06", Terms: []string{"2019-06"}, Dates: []DateSpan{{Terms: []string{"2019-06"}, From: day(2019, 6, 1), To: day(2019, 7, 1)}}}},
		{"june bug 1066", Query{Text: "june bug 1066", Terms: []string{"june", "bug", "1066"}}},
		// Stray quotes and dashes.
		{`"unclosed phrase`, Query{Text: "unclosed phrase", Phrases: []string{"unclosed phrase"}}},
		{`"" - -- x-ray`, Query{Text: "x-ray", Terms: []string{"x-ray"}}},
		{"-", Query{}},
		{`"   "`, Query{}},
		{"state-of-the-art", Query{Text: "state-of-the-art", Terms: []string{"state-of-the-art"}}},
		{"café\u00a0crème", Query{Text: "café crème", Terms: []string{"café", "crème"}}},
		{`album:"Summer`, Query{Filter: store.Filter{Album: "Summer"}}},
	}
	for _, tt := range tests {
		got := ParseQuery(tt.in)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseQuery(%q)\n got %#v\nwant %#v", tt.in, got, tt.want)
		}
	}
}

func TestMergeFilter(t *testing.T) {
	t.Parallel()
	base := store.Filter{Album: "A", From: day(2020, 1, 1), To: day(2022, 1, 1)}
	q := store.Filter{Album: "B", Camera: "nikon", From: day(2021, 1, 1), To: day(2023, 1, 1)}
	got := mergeFilter(base, q)
	want := store.Filter{Album: "A", Camera: "nikon", From: day(2021, 1, 1), To: day(2022, 1, 1)}
	if got != want {
		t.Fatalf("mergeFilter = %+v, want %+v", got, want)
	}
	// Exposure bounds intersect too; a lens or favourites in either applies.
	base = store.Filter{MinISO: 100, MaxISO: 800, MaxFNumber: 4, Lens: "50mm"}
	q = store.Filter{MinISO: 400, MaxISO: 3200, MinFNumber: 1.4, MaxFNumber: 2.8, Lens: "85mm", Favorite: true}
	want = store.Filter{MinISO: 400, MaxISO: 800, MinFNumber: 1.4, MaxFNumber: 2.8, Lens: "50mm", Favorite: true}
	if got := mergeFilter(base, q); got != want {
		t.Fatalf("mergeFilter = %+v, want %+v", got, want)
	}
	if got := mergeFilter(store.Filter{MaxISO: 800}, store.Filter{}); got.MaxISO != 800 {
		t.Fatalf("an unset bound of the query dropped the request's: %+v", got)
	}
}

// FuzzParseQuery checks that parsing never panics and keeps its invariants.
// The seeds run as a normal test; `go test -fuzz FuzzParseQuery` explores.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{
		"", "red barn", `"golden hour" -people`, `album:"Summer Trips" camera:canon`,
		"after:2019 before:2021-06-30 keyword:snow", `-"a b" --x -`, `"`, `album:"`, "after:", "\x00\xff",
		"camera:\"Canon EOS\" \"unclosed", "KEYWORD:Snow AFTER:2020-13",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := ParseQuery(s)
		var text []string
		for _, w := range q.Terms {
			if !hasWord(w) || strings.TrimSpace(w) != w || w == "" {
				t.Fatalf("term %q from %q", w, s)
			}
			if utf8.ValidString(s) && !strings.Contains(s, w) {
				t.Fatalf("term %q not in input %q", w, s)
			}
		}
		for _, ph := range q.Phrases {
			if !hasWord(ph) {
				t.Fatalf("empty phrase %q from %q", ph, s)
			}
		}
		for _, w := range q.Exclude {
			if len(store.Words(w)) != 1 || store.Words(w)[0] != w {
				t.Fatalf("exclusion %q is not one word (from %q)", w, s)
			}
		}
		text = append(text, q.Terms...)
		if len(q.Phrases) == 0 && q.Text != strings.Join(text, " ") {
			t.Fatalf("Text %q != terms %q", q.Text, text)
		}
		for _, d := range []time.Time{q.Filter.From, q.Filter.To} {
			if !d.IsZero() && (d.Year() < 0 || d.Year() > 9999 || d.Location() != time.UTC) {
				t.Fatalf("date %v from %q", d, s)
			}
		}
		if q.HasText() != (q.Text != "") {
			t.Fatalf("HasText %v with Text %q", q.HasText(), q.Text)
		}
		// Parsing is stable: the same input gives the same query.
		if again := ParseQuery(s); !reflect.DeepEqual(again, q) {
			t.Fatalf("unstable parse of %q", s)
		}
	})
}
