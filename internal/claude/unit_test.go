package claude

import (
	"image"
	"image/color"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseAnswer(t *testing.T) {
	t.Parallel()
	kw := `["Barn","barn "," SNOW","winter.","dusk","#farm","rural","field","trees","cold","quiet","blue hour"]`
	good := `{"description":"  A red barn\nin snow. ","keywords":` + kw + `,"objects":["Barn","Door","barn"],` +
		`"scene":"Snowy Farm.","text_in_image":" OPEN ","people_count":2,"colors":["Red","white","RED"]}`
	d, reason := parseAnswer([]byte(good))
	if reason != "" {
		t.Fatalf("good answer rejected: %s", reason)
	}
	want := Description{
		Description: "A red barn in snow.",
		Keywords:    []string{"barn", "snow", "winter", "dusk", "farm", "rural", "field", "trees", "cold", "quiet", "blue hour"},
		Objects:     []string{"barn", "door"}, Scene: "snowy farm", TextInImage: "OPEN", PeopleCount: 2,
		Colors: []string{"red", "white"},
	}
	if !reflect.DeepEqual(d, want) {
		t.Errorf("got  %+v\nwant %+v", d, want)
	}

	many := make([]string, 40)
	for i := range many {
		many[i] = `"k` + string(rune('a'+i%26)) + strings.Repeat("x", i/26) + `"`
	}
	d, reason = parseAnswer([]byte(`{"description":"x","keywords":[` + strings.Join(many, ",") +
		`],"objects":[],"scene":"","text_in_image":"","people_count":0,"colors":[]}`))
	if reason != "" || len(d.Keywords) != MaxKeywords {
		t.Errorf("40 keywords: reason %q, kept %d, want %d", reason, len(d.Keywords), MaxKeywords)
	}

	// Text from the model is shown to people: no controls that reorder or
	// hide what is around it, and a bounded length for the words it read.
	long := strings.Repeat("SALE ", 2000)
	d, reason = parseAnswer([]byte(`{"description":"A sign\u202egpj.exe by a road.","keywords":` + kw +
		`,"objects":["sign\u2066x"],"scene":"street\u001b[2J","text_in_image":"` + long + `\u202e","people_count":0,"colors":[]}`))
	if reason != "" {
		t.Fatalf("answer with controls rejected: %s", reason)
	}
	if d.Description != "A signgpj.exe by a road." || d.Objects[0] != "signx" || d.Scene != "street[2j" {
		t.Errorf("controls kept: %q %q %q", d.Description, d.Objects, d.Scene)
	}
	if n := len([]rune(d.TextInImage)); n > maxTextInImageLen || !strings.HasPrefix(d.TextInImage, "SALE SALE") || strings.ContainsRune(d.TextInImage, 0x202e) {
		t.Errorf("text_in_image of %d runes kept as %d runes: %.40q…", len(long), n, d.TextInImage)
	}

	bad := []struct {
		name, in, reason string
	}{
		{"empty", ``, "empty answer"},
		{"not json", `{"description":`, "not the expected JSON"},
		{"array", `[1,2]`, "not the expected JSON"},
		{"missing fields", `{"description":"x","keywords":[]}`, "missing fields: colors, objects, people_count, scene, text_in_image"},
		{"wrong type", `{"description":5,"keywords":[],"objects":[],"scene":"","text_in_image":"","people_count":0,"colors":[]}`, "not the expected JSON"},
		{"keywords as string", `{"description":"x","keywords":"a, b","objects":[],"scene":"","text_in_image":"","people_count":0,"colors":[]}`, "not the expected JSON"},
		{"empty description", `{"description":"  ","keywords":` + kw + `,"objects":[],"scene":"","text_in_image":"","people_count":0,"colors":[]}`, "empty description"},
		{"too few after dedupe", `{"description":"x","keywords":["a","A","a.","b","c","d","e","f","g","h"],"objects":[],"scene":"","text_in_image":"","people_count":0,"colors":[]}`, "8 distinct keywords"},
		{"people as words", `{"description":"x","keywords":` + kw + `,"objects":[],"scene":"","text_in_image":"","people_count":"two","colors":[]}`, `people_count "two"`},
		{"negative people", `{"description":"x","keywords":` + kw + `,"objects":[],"scene":"","text_in_image":"","people_count":-1,"colors":[]}`, "people_count -1"},
		{"fractional people", `{"description":"x","keywords":` + kw + `,"objects":[],"scene":"","text_in_image":"","people_count":1.5,"colors":[]}`, "people_count 1.5"},
		{"long description", `{"description":"` + strings.Repeat("word ", 200) + `","keywords":` + kw + `,"objects":[],"scene":"","text_in_image":"","people_count":0,"colors":[]}`, "characters"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			if _, reason := parseAnswer([]byte(tc.in)); !strings.Contains(reason, tc.reason) {
				t.Errorf("reason %q, want it to contain %q", reason, tc.reason)
			}
		})
	}
}

func TestFitLongEdgeAndTokens(t *testing.T) {
	t.Parallel()
	tests := []struct{ w, h, edge, ww, wh, tokens int }{
		{2200, 1467, 640, 640, 427, 365},
		{1467, 2200, 640, 427, 640, 365},
		{2200, 2200, 640, 640, 640, 547},
		{4000, 1000, 640, 640, 160, 137},
		{300, 200, 640, 300, 200, 80}, // never upscaled
		{2200, 1467, 1092, 1092, 728, 1060},
		{10, 5000, 640, 1, 640, 1},
	}
	for _, tc := range tests {
		w, h := fitLongEdge(tc.w, tc.h, tc.edge)
		if w != tc.ww || h != tc.wh || ImageTokens(w, h) != tc.tokens {
			t.Errorf("%dx%d→%d: got %dx%d (%d tokens), want %dx%d (%d)", tc.w, tc.h, tc.edge, w, h, ImageTokens(w, h), tc.ww, tc.wh, tc.tokens)
		}
	}
}

func TestApplyOrientation(t *testing.T) {
	t.Parallel()
	// A 3×2 image with a red top-left pixel; after turning upright the red
	// pixel is where the EXIF orientation says the top-left was.
	src := image.NewRGBA(image.Rect(0, 0, 3, 2))
	red := color.RGBA{255, 0, 0, 255}
	src.Set(0, 0, red)
	tests := []struct {
		o, w, h, x, y int
	}{
		{1, 3, 2, 0, 0}, {2, 3, 2, 2, 0}, {3, 3, 2, 2, 1}, {4, 3, 2, 0, 1},
		{5, 2, 3, 0, 0}, {6, 2, 3, 1, 0}, {7, 2, 3, 1, 2}, {8, 2, 3, 0, 2},
	}
	for _, tc := range tests {
		out := applyOrientation(src, tc.o)
		b := out.Bounds()
		if b.Dx() != tc.w || b.Dy() != tc.h {
			t.Errorf("orientation %d: %dx%d, want %dx%d", tc.o, b.Dx(), b.Dy(), tc.w, tc.h)
			continue
		}
		if r, _, _, _ := out.At(tc.x, tc.y).RGBA(); r>>8 != 255 {
			t.Errorf("orientation %d: red pixel not at (%d,%d)", tc.o, tc.x, tc.y)
		}
	}
}

func TestPriceAndModes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		model string
		ok    bool
		in    float64
	}{
		{"claude-haiku-4-5-20251001", true, 1}, {"claude-haiku-4-5", true, 1}, {"claude-sonnet-4-6", true, 3},
		{"claude-sonnet-5", true, 3}, {"claude-opus-4-8", true, 5}, {"claude-3-haiku-20240307", false, 0}, {"gpt-4o", false, 0},
	} {
		p, ok := PriceFor(tc.model)
		if ok != tc.ok || p.InputPerMTok != tc.in {
			t.Errorf("PriceFor(%q) = %v, %v", tc.model, p, ok)
		}
	}
	p := Price{InputPerMTok: 1, OutputPerMTok: 5}
	u := Usage{InputTokens: 1_000_000, OutputTokens: 100_000, CacheCreationInputTokens: 1_000_000, CacheReadInputTokens: 1_000_000}
	if got := p.Cost(u, false); got != 1+0.5+1.25+0.1 {
		t.Errorf("cost %v", got)
	}
	if got := p.Cost(u, true); got != (1+0.5+1.25+0.1)/2 {
		t.Errorf("batch cost %v", got)
	}
	for _, tc := range []struct {
		n, threshold int
		want         Mode
		in           Mode
	}{
		{99, 0, ModeDirect, ModeAuto}, {100, 0, ModeBatch, ModeAuto}, {5, 5, ModeBatch, ModeAuto},
		{1000, 0, ModeDirect, ModeDirect}, {1, 0, ModeBatch, ModeBatch},
	} {
		if got := SelectMode(tc.n, tc.threshold, tc.in); got != tc.want {
			t.Errorf("SelectMode(%d, %d, %v) = %v", tc.n, tc.threshold, tc.in, got)
		}
	}
	for s, want := range map[string]Mode{"": ModeAuto, "Batch": ModeBatch, " direct ": ModeDirect} {
		if m, err := ParseMode(s); err != nil || m != want {
			t.Errorf("ParseMode(%q) = %v, %v", s, m, err)
		}
	}
	if _, err := ParseMode("fast"); err == nil {
		t.Error("ParseMode(fast) accepted")
	}
}

func TestRetryAfterHeader(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 27, 6, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		h    map[string]string
		want time.Duration
	}{
		{map[string]string{"retry-after": "7"}, 7 * time.Second},
		{map[string]string{"retry-after": "0.5"}, 500 * time.Millisecond},
		{map[string]string{"retry-after-ms": "250", "retry-after": "9"}, 250 * time.Millisecond},
		{map[string]string{"retry-after": now.Add(30 * time.Second).Format(http.TimeFormat)}, 30 * time.Second},
		{map[string]string{"retry-after": "soon"}, 0},
		{map[string]string{}, 0},
	} {
		h := http.Header{}
		for k, v := range tc.h {
			h.Set(k, v)
		}
		if got := retryAfter(h, now); got != tc.want {
			t.Errorf("%v: %v, want %v", tc.h, got, tc.want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  Config
		err  string
	}{
		{"ok", Config{APIKey: "k"}, ""},
		{"no key", Config{}, "APIKey is empty"},
		{"unknown model", Config{APIKey: "k", Model: "claude-next"}, "no known price"},
		{"unknown model with price", Config{APIKey: "k", Model: "claude-next", Price: &Price{1, 5}}, ""},
		{"tiny image", Config{APIKey: "k", ImageLongEdge: 100}, "ImageLongEdge"},
		{"huge batch", Config{APIKey: "k", MaxBatchSize: 200000}, "100,000"},
		{"negative budget", Config{APIKey: "k", RunBudgetUSD: -1}, "negative"},
		{"negative concurrency", Config{APIKey: "k", MaxConcurrency: -2}, "must not be negative"},
	} {
		err := tc.cfg.Validate()
		if (err == nil) != (tc.err == "") || err != nil && !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: %v", tc.name, err)
		}
		if err != nil && strings.Contains(err.Error(), "sk-") {
			t.Errorf("%s: key in error", tc.name)
		}
	}
}

func TestCachingOnlyWhereItPays(t *testing.T) {
	t.Parallel()
	// Our shared prefix (tools + system) is ~700 tokens: below every
	// model's minimum, so no breakpoint is set (it would be silently
	// ignored) — see docs/cost.md for why a longer prompt would not pay.
	for _, out := range []OutputMode{OutputTool, OutputJSONSchema} {
		if n := prefixTokens(out); n >= 1024 {
			t.Errorf("prefix %d tokens: revisit caching", n)
		}
	}
	d, err := New(Config{APIKey: "k", Model: "claude-sonnet-5"})
	if err != nil {
		t.Fatal(err)
	}
	pt := d.buildParts(prepared{JPEG: []byte{0xFF, 0xD8, 0xFF}, Width: 1, Height: 1}, d.Model())
	if string(pt.system[0].CacheControl.Type) != "" {
		t.Error("cache_control set on a prefix below the minimum")
	}
}
