package smugmug_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/targetvision/targetvision/internal/smugmug"
	"github.com/targetvision/targetvision/internal/smugmug/smugmugtest"
)

func TestPlanWriteBack(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		caption      string
		keywords     []string
		s            smugmug.Suggestion
		wantFields   map[string]string
		wantKeywords []string
	}{
		{
			name: "merge keeps the owner's keywords and spelling", keywords: []string{"Barn", "snow"},
			s:            smugmug.Suggestion{Keywords: []string{"barn", "Dusk", "  winter  light ", "dusk", "a;b", ""}},
			wantFields:   map[string]string{"Keywords": "Barn; snow; Dusk; winter light; a b"},
			wantKeywords: []string{"Barn", "snow", "Dusk", "winter light", "a b"},
		},
		{
			name: "nothing new", keywords: []string{"Barn", "snow"},
			s:            smugmug.Suggestion{Keywords: []string{"SNOW", "barn"}},
			wantFields:   map[string]string{},
			wantKeywords: []string{"Barn", "snow"},
		},
		{
			name: "caption only where empty", caption: "",
			s:            smugmug.Suggestion{Caption: "  Red barn in snow at dusk "},
			wantFields:   map[string]string{"Caption": "Red barn in snow at dusk"},
			wantKeywords: nil,
		},
		{
			name: "whitespace caption counts as empty", caption: "  ",
			s:          smugmug.Suggestion{Caption: "Red barn"},
			wantFields: map[string]string{"Caption": "Red barn"},
		},
		{
			name: "owner caption is never replaced", caption: "Grandpa's barn",
			s:          smugmug.Suggestion{Caption: "Red barn in snow", Keywords: []string{"barn"}},
			wantFields: map[string]string{"Keywords": "barn"}, wantKeywords: []string{"barn"},
		},
		{
			name: "empty suggestion", caption: "x", keywords: []string{"a"},
			wantFields: map[string]string{}, wantKeywords: []string{"a"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			im := smugmug.Image{ImageKey: "K", URI: "/api/v2/image/K-0", Caption: tt.caption, Keywords: tt.keywords}
			rec := smugmug.PlanWriteBack(im, tt.s)
			if len(rec.Fields) != len(tt.wantFields) {
				t.Fatalf("fields %v, want %v", rec.Fields, tt.wantFields)
			}
			for k, v := range tt.wantFields {
				if rec.Fields[k] != v {
					t.Fatalf("fields %v, want %v", rec.Fields, tt.wantFields)
				}
			}
			if !slices.Equal(rec.After.Keywords, tt.wantKeywords) {
				t.Fatalf("after keywords %q, want %q", rec.After.Keywords, tt.wantKeywords)
			}
			if rec.Before.Caption != tt.caption || !slices.Equal(rec.Before.Keywords, tt.keywords) {
				t.Fatalf("before %+v", rec.Before)
			}
			if rec.Changed() != (len(tt.wantFields) > 0) {
				t.Fatal("Changed disagrees with Fields")
			}
		})
	}
}

func TestWriteBackAgainstFake(t *testing.T) {
	t.Parallel()
	e := newEnv(t, smugmug.PermissionModify)
	ctx := t.Context()
	album := e.fake.AddAlbum("ansel", "", "Farm")
	noCaption := e.fake.AddImage(album, smugmugtest.Image{Keywords: "Barn; snow"})
	owned := e.fake.AddImage(album, smugmugtest.Image{Caption: "Grandpa's barn", Keywords: "Barn"})
	s := smugmug.Suggestion{Caption: "Red barn in snow at dusk", Keywords: []string{"barn", "dusk", "Winter"}}
	uri := func(k string) string { return "/api/v2/image/" + k + "-0" }

	// Dry run: the plan, and no PATCH.
	e.fake.ResetCounts()
	rec, err := e.c.WriteBack(ctx, uri(noCaption), s, true)
	if err != nil {
		t.Fatal(err)
	}
	if !rec.DryRun || rec.Written || rec.Fields["Keywords"] != "Barn; snow; dusk; Winter" || rec.Fields["Caption"] != s.Caption {
		t.Fatalf("dry run %+v", rec)
	}
	for _, r := range e.fake.Requests() {
		if r.Method != "GET" {
			t.Fatalf("dry run sent %s %s", r.Method, r.Path)
		}
	}
	if st, _ := e.fake.ImageState(noCaption); st.Patches != 0 || st.Keywords != "Barn; snow" || st.Caption != "" {
		t.Fatalf("dry run changed the image: %+v", st)
	}

	// Real write: merged keywords and the caption reach SmugMug.
	rec, err = e.c.WriteBack(ctx, uri(noCaption), s, false)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := e.fake.ImageState(noCaption)
	if st.Patches != 1 || st.Keywords != "Barn; snow; dusk; Winter" || st.Caption != s.Caption {
		t.Fatalf("after write-back the fake holds %+v", st)
	}
	if !rec.Written || rec.After.Caption != s.Caption || !slices.Equal(rec.After.Keywords, []string{"Barn", "snow", "dusk", "Winter"}) ||
		!slices.Equal(rec.Before.Keywords, []string{"Barn", "snow"}) || !rec.LastUpdated.Equal(st.LastUpdated) {
		t.Fatalf("record %+v", rec)
	}

	// Again: nothing new, no PATCH.
	rec, err = e.c.WriteBack(ctx, uri(noCaption), s, false)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := e.fake.ImageState(noCaption); rec.Changed() || rec.Written || st.Patches != 1 {
		t.Fatalf("repeat wrote again: %+v", rec)
	}

	// The owner's caption survives; only keywords are added.
	if _, err := e.c.WriteBack(ctx, uri(owned), s, false); err != nil {
		t.Fatal(err)
	}
	if st, _ := e.fake.ImageState(owned); st.Caption != "Grandpa's barn" || st.Keywords != "Barn; dusk; Winter" {
		t.Fatalf("owned image now %+v", st)
	}

	// Stale serial (photo replaced): 404, nothing written.
	e.fake.ReplaceImage(owned)
	if _, err := e.c.WriteBack(ctx, uri(owned), s, false); !smugmug.IsNotFound(err) {
		t.Fatalf("stale URI: %v", err)
	}
}

func TestWriteBackNeedsModify(t *testing.T) {
	t.Parallel()
	e := newEnv(t, smugmug.PermissionRead)
	k := e.fake.AddImage(e.fake.AddAlbum("ansel", "", "A"), smugmugtest.Image{Keywords: "a"})
	rec, err := e.c.WriteBack(t.Context(), "/api/v2/image/"+k+"-0", smugmug.Suggestion{Keywords: []string{"b"}}, false)
	if !errors.Is(err, smugmug.ErrUnauthorized) {
		t.Fatalf("err = %v, want ErrUnauthorized", err)
	}
	if rec.Written {
		t.Fatal("record claims a write")
	}
	if st, _ := e.fake.ImageState(k); st.Patches != 0 || st.Keywords != "a" {
		t.Fatalf("image changed: %+v", st)
	}
}

// A redirected PATCH must not silently become a GET that looks like success.
func TestWriteBackRedirectIsNotSuccess(t *testing.T) {
	t.Parallel()
	e := newEnv(t, smugmug.PermissionModify)
	k := e.fake.AddImage(e.fake.AddAlbum("ansel", "", "A"), smugmugtest.Image{Keywords: "a"})
	uri := "/api/v2/image/" + k + "-0"
	e.fake.SetFault(func(r smugmugtest.Request) *smugmugtest.Fault {
		if r.Method == "PATCH" {
			return &smugmugtest.Fault{Status: 301, Location: uri}
		}
		return nil
	})
	rec, err := e.c.WriteBack(t.Context(), uri, smugmug.Suggestion{Keywords: []string{"b"}}, false)
	var apiErr *smugmug.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 301 || rec.Written {
		t.Fatalf("redirected PATCH: %+v, %v", rec, err)
	}
}
