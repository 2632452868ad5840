package web

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/targetvision/targetvision/internal/auth"
)

func newTestSite(t *testing.T) *Site {
	t.Helper()
	s, err := New()
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

func get(t *testing.T, h http.Handler, target string, header http.Header) *http.Response {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, target, nil)
	for k, v := range header {
		r.Header[k] = v
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Result()
}

// getSignedIn is get with a signed-in user in the request's context, as
// auth.Sessions.Middleware leaves it.
func getSignedIn(t *testing.T, h http.Handler, target string) *http.Response {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, target, nil)
	r = r.WithContext(auth.WithClaims(r.Context(), auth.Claims{UserID: 1}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Result()
}

// getPage fetches a page as a visitor who may see it: signed in for the
// private pages, signed out for login and signup.
func getPage(t *testing.T, h http.Handler, target string, public bool) *http.Response {
	t.Helper()
	if public {
		return get(t, h, target, nil)
	}
	return getSignedIn(t, h, target)
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var hashedRE = regexp.MustCompile(`^/static/[a-z0-9/_-]+\.[0-9a-f]{10}\.[a-z0-9]+$`)

func TestPagesServeShellWithHashedAssets(t *testing.T) {
	t.Parallel()
	s := newTestSite(t)
	h := s.Handler()
	css, js := s.AssetURL("app.css"), s.AssetURL("js/app.js")
	for _, u := range []string{css, js} {
		if !hashedRE.MatchString(u) {
			t.Fatalf("asset URL %q is not content-hashed", u)
		}
	}
	tests := []struct {
		path, page string
		public     bool
	}{
		{"/", "search", false},
		{"/search", "search", false},
		{"/search?q=barn", "search", false},
		{"/library", "library", false},
		{"/timeline", "timeline", false},
		{"/map", "map", false},
		{"/photos/123", "photo", false},
		{"/sources", "sources", false},
		{"/activity", "activity", false},
		{"/settings", "settings", false},
		{"/login", "login", true},
		{"/signup", "signup", true},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			res := getPage(t, h, tt.path, tt.public)
			b := body(t, res)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d, want 200", res.StatusCode)
			}
			if ct := res.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Fatalf("Content-Type %q", ct)
			}
			if cc := res.Header.Get("Cache-Control"); cc != "no-cache" {
				t.Fatalf("Cache-Control %q, want no-cache (the shell names hashed assets)", cc)
			}
			for _, want := range []string{
				`<link rel="stylesheet" href="` + css + `">`,
				`<script type="module" src="` + js + `"></script>`,
				`data-page="` + tt.page + `"`,
			} {
				if !strings.Contains(b, want) {
					t.Errorf("page lacks %s", want)
				}
			}
			for name, u := range s.AssetURLs() {
				preloaded := strings.Contains(b, `<link rel="modulepreload" href="`+u+`">`)
				if vendored := strings.HasPrefix(name, "vendor/"); strings.HasSuffix(name, ".js") && name != "js/app.js" && preloaded == vendored {
					t.Errorf("page preloads module %s: %v (vendored libraries load on demand, the rest at once)", name, preloaded)
				}
			}
			if got := strings.Contains(b, `data-public="true"`); got != tt.public {
				t.Errorf("data-public present = %v, want %v", got, tt.public)
			}
			if got := strings.Contains(b, `id="nav-signout"`); got == tt.public {
				t.Errorf("navigation present = %v on a page with public = %v", got, tt.public)
			}
		})
	}
}

func TestPhotoPageEscapesID(t *testing.T) {
	t.Parallel()
	h := newTestSite(t).Handler()
	b := body(t, getSignedIn(t, h, `/photos/%22%3E%3Cimg%20src=x%3E`))
	if strings.Contains(b, `"><img src=x>`) {
		t.Fatal("the photo id from the URL reached the page unescaped")
	}
	if !strings.Contains(b, `data-photo-id="&#34;&gt;&lt;img src=x&gt;"`) {
		t.Fatal("the escaped photo id is missing from data-photo-id")
	}
}

func TestSessionGate(t *testing.T) {
	t.Parallel()
	h := newTestSite(t).Handler()
	tests := []struct {
		name, target string
		signedIn     bool
		wantLocation string
	}{
		{"private page signed out", "/library", false, "/login?next=%2Flibrary"},
		{"query kept", "/search?q=red+barn&album=Farm", false, "/login?next=%2Fsearch%3Fq%3Dred%2Bbarn%26album%3DFarm"},
		{"home signed out", "/", false, "/login?next=%2F"},
		{"photo signed out", "/photos/9", false, "/login?next=%2Fphotos%2F9"},
		{"login signed in", "/login", true, "/"},
		{"login signed in with next", "/login?next=%2Fphotos%2F9", true, "/photos/9"},
		{"signup signed in", "/signup?next=/activity", true, "/activity"},
		{"open redirect refused", "/login?next=//evil.test/x", true, "/"},
		{"absolute URL refused", "/login?next=https://evil.test/", true, "/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var res *http.Response
			if tt.signedIn {
				res = getSignedIn(t, h, tt.target)
			} else {
				res = get(t, h, tt.target, nil)
			}
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != tt.wantLocation {
				t.Fatalf("got %d Location %q, want 303 %q", res.StatusCode, res.Header.Get("Location"), tt.wantLocation)
			}
			if res.Header.Get("Cache-Control") != "no-store" {
				t.Fatalf("redirect Cache-Control %q, want no-store", res.Header.Get("Cache-Control"))
			}
		})
	}
	// Not-found pages and assets are the same for everybody.
	if res := get(t, h, "/nope", nil); res.StatusCode != http.StatusNotFound {
		t.Fatalf("/nope signed out: %d, want 404", res.StatusCode)
	}
}

func TestSafeNext(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"":                      "/",
		"/":                     "/",
		"/library":              "/library",
		"/search?q=a%20b#x":     "/search?q=a%20b#x",
		"library":               "/",
		"//evil.test":           "/",
		"/\\evil.test":          "/",
		"/\tevil":               "/",
		"/\t/evil.test":         "/",
		"https://evil.test":     "/",
		"javascript:alert(1)":   "/",
		"/%2F%2Fevil.test":      "/%2F%2Fevil.test",
		"/photos/1?next=//evil": "/photos/1?next=//evil",
	}
	for in, want := range tests {
		if got := SafeNext(in); got != want {
			t.Errorf("SafeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestUnknownPathsAre404(t *testing.T) {
	t.Parallel()
	s := newTestSite(t)
	h := s.Handler()
	css := s.AssetURL("app.css")
	tests := []struct {
		name, path string
		wantHTML   bool
	}{
		{"unknown page", "/nope", true},
		{"page below a page", "/library/extra", true},
		{"unknown asset", "/static/nope.css", false},
		{"made-up hash", "/static/app.0123456789.css", false},
		{"stale hash", strings.Replace(css, ".css", "0.css", 1), false},
		{"directory", "/static/js/", false},
		{"template source", "/static/../templates/layout.html", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := get(t, h, tt.path, nil)
			b := body(t, res)
			// ServeMux redirects a path with "..": follow it once.
			if res.StatusCode/100 == 3 {
				res = get(t, h, res.Header.Get("Location"), nil)
				b = body(t, res)
			}
			if res.StatusCode != http.StatusNotFound {
				t.Fatalf("status %d, want 404", res.StatusCode)
			}
			if tt.wantHTML != strings.Contains(b, "Page not found") {
				t.Fatalf("not-found page shown = %v, want %v", !tt.wantHTML, tt.wantHTML)
			}
			if strings.Contains(b, "{{") {
				t.Fatal("template source leaked")
			}
		})
	}
	r := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader("email=a&password=b"))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusMethodNotAllowed {
		t.Fatalf("POST /login: status %d, want 405 (the form must never be handled without JS)", w.Code)
	}
}

func TestHashedAssetsServed(t *testing.T) {
	t.Parallel()
	s := newTestSite(t)
	h := s.Handler()
	urls := s.AssetURLs()
	for _, name := range []string{"app.css", "js/app.js", "favicon.svg"} {
		if _, ok := urls[name]; !ok {
			t.Fatalf("AssetURLs lacks %s", name)
		}
	}
	wantType := map[string]string{
		".css": "text/css; charset=utf-8",
		".js":  "text/javascript; charset=utf-8",
		".svg": "image/svg+xml",
		".txt": "text/plain; charset=utf-8", // a vendored library's licence
	}
	for name, u := range urls {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if !hashedRE.MatchString(u) {
				t.Fatalf("URL %q is not content-hashed", u)
			}
			raw, err := fs.ReadFile(staticFS, "static/"+name)
			if err != nil {
				t.Fatal(err)
			}
			res := get(t, h, u, nil)
			b := body(t, res)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d", res.StatusCode)
			}
			if ct, want := res.Header.Get("Content-Type"), wantType[path.Ext(name)]; ct != want {
				t.Fatalf("Content-Type %q, want %q", ct, want)
			}
			if cc := res.Header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
				t.Fatalf("Cache-Control %q", cc)
			}
			if res.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Fatal("no nosniff")
			}
			if path.Ext(name) != ".js" && b != string(raw) {
				t.Fatal("served bytes differ from the embedded file")
			}

			// Revalidation answers 304.
			res = get(t, h, u, http.Header{"If-None-Match": {res.Header.Get("ETag")}})
			if res.StatusCode != http.StatusNotModified {
				t.Fatalf("If-None-Match: status %d, want 304", res.StatusCode)
			}

			// Gzip for clients that take it, the same bytes once inflated.
			res = get(t, h, u, http.Header{"Accept-Encoding": {"br, gzip;q=0.8"}})
			if res.Header.Get("Content-Encoding") != "gzip" {
				if len(raw) > 1024 {
					t.Fatalf("a %d-byte %s was not compressed", len(raw), name)
				}
				return
			}
			zr, err := gzip.NewReader(res.Body)
			if err != nil {
				t.Fatal(err)
			}
			inflated, err := io.ReadAll(zr)
			if err != nil {
				t.Fatal(err)
			}
			if string(inflated) != b {
				t.Fatal("gzip body inflates to other bytes")
			}
			if !strings.Contains(res.Header.Get("Vary"), "Accept-Encoding") {
				t.Fatal("compressed response lacks Vary: Accept-Encoding")
			}
		})
	}
}

func TestLogicalAssetNamesRevalidate(t *testing.T) {
	t.Parallel()
	res := get(t, newTestSite(t).Handler(), "/static/app.css", nil)
	if res.StatusCode != http.StatusOK || res.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("unhashed URL: %d, Cache-Control %q; want 200 no-cache", res.StatusCode, res.Header.Get("Cache-Control"))
	}
}

func TestAcceptsGzip(t *testing.T) {
	t.Parallel()
	tests := map[string]bool{
		"":                  false,
		"gzip":              true,
		"br, gzip":          true,
		"gzip;q=0":          false,
		"GZIP; q=0.5":       true,
		"deflate, identity": false,
		"x-gzip":            false,
	}
	for header, want := range tests {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Accept-Encoding", header)
		if got := acceptsGzip(r); got != want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", header, got, want)
		}
	}
}

// importSpecRE finds relative module specifiers in served JavaScript.
var importSpecRE = regexp.MustCompile(`(?:from|import)\s*\(?\s*['"](\.{1,2}/[^'"]+)['"]`)

// TestModuleGraphIsHashed walks the served module graph from app.js: every
// import must name a hashed module that is served, so no module is ever
// fetched by a URL that could be cached across releases.
func TestModuleGraphIsHashed(t *testing.T) {
	t.Parallel()
	s := newTestSite(t)
	h := s.Handler()
	seen := map[string]bool{}
	var walk func(u string)
	walk = func(u string) {
		if seen[u] {
			return
		}
		seen[u] = true
		res := get(t, h, u, nil)
		b := body(t, res)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("module %s: status %d", u, res.StatusCode)
		}
		for _, m := range importSpecRE.FindAllStringSubmatch(b, -1) {
			dep := path.Join(path.Dir(u), m[1])
			if !hashedRE.MatchString(dep) {
				t.Errorf("%s imports %s by an unhashed URL", u, m[1])
				continue
			}
			walk(dep)
		}
	}
	walk(s.AssetURL("js/app.js"))
	var modules int
	for name := range s.AssetURLs() {
		if strings.HasSuffix(name, ".js") {
			modules++
		}
	}
	if len(seen) != modules {
		t.Fatalf("app.js reaches %d modules, %d are embedded: an unused module or a missed import", len(seen), modules)
	}
}

func TestImportRewriting(t *testing.T) {
	t.Parallel()
	base := fstest.MapFS{
		"js/app.js":        {Data: []byte("import { a } from './a.js';\nimport \"./pages/p.js\";\nconst m = import('./a.js');\n")},
		"js/a.js":          {Data: []byte("export const a = 1;\n")},
		"js/pages/p.js":    {Data: []byte("import { a } from '../a.js';\nexport { b } from \"../b/b.js\";\n")},
		"js/b/b.js":        {Data: []byte("export const b = 2;\n")},
		"js/notimport.js":  {Data: []byte("const s = 'from ./a.js';\n")},
		"other/style.css":  {Data: []byte("a{}")},
		"other/readme.txt": {Data: []byte("from './a.js'")},
	}
	set, err := loadAssets(base)
	if err != nil {
		t.Fatalf("loadAssets: %v", err)
	}
	hashed := func(n string) string { return path.Base(set.byName[n].hashed) }
	app := string(set.byName["js/app.js"].body)
	for _, want := range []string{
		"from './" + hashed("js/a.js") + "'",
		`import "./pages/` + hashed("js/pages/p.js") + `"`,
		"import('./" + hashed("js/a.js") + "')",
	} {
		if !strings.Contains(app, want) {
			t.Errorf("app.js lacks %s:\n%s", want, app)
		}
	}
	p := string(set.byName["js/pages/p.js"].body)
	for _, want := range []string{"from '../" + hashed("js/a.js") + "'", `from "../b/` + hashed("js/b/b.js") + `"`} {
		if !strings.Contains(p, want) {
			t.Errorf("p.js lacks %s:\n%s", want, p)
		}
	}
	if got := string(set.byName["other/readme.txt"].body); got != "from './a.js'" {
		t.Errorf("a non-JS file was rewritten: %q", got)
	}
	if got := string(set.byName["js/notimport.js"].body); got != "const s = 'from ./a.js';\n" {
		t.Errorf("a string that is not an import was rewritten: %q", got)
	}

	// Changing a leaf changes the hash of every module above it, and of no other.
	changed := fstest.MapFS{}
	for k, v := range base {
		changed[k] = v
	}
	changed["js/b/b.js"] = &fstest.MapFile{Data: []byte("export const b = 3;\n")}
	set2, err := loadAssets(changed)
	if err != nil {
		t.Fatal(err)
	}
	for name, wantChange := range map[string]bool{
		"js/b/b.js": true, "js/pages/p.js": true, "js/app.js": true,
		"js/a.js": false, "other/style.css": false,
	} {
		if got := set.byName[name].hashed != set2.byName[name].hashed; got != wantChange {
			t.Errorf("%s: hash changed = %v, want %v", name, got, wantChange)
		}
	}
}

func TestImportErrors(t *testing.T) {
	t.Parallel()
	tests := map[string]fstest.MapFS{
		"cycle": {
			"a.js": {Data: []byte("import './b.js';")},
			"b.js": {Data: []byte("import './a.js';")},
		},
		"missing module": {
			"a.js": {Data: []byte("import { x } from './gone.js';")},
		},
	}
	for name, fsys := range tests {
		if _, err := loadAssets(fsys); err == nil {
			t.Errorf("%s: loadAssets succeeded", name)
		}
	}
}

// templateFiles returns every template's name and text.
func templateFiles(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(templateFS, p)
		out[p] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 10 {
		t.Fatalf("found %d templates, want the layout and every page", len(out))
	}
	return out
}

var (
	scriptRE       = regexp.MustCompile(`(?is)<script\b([^>]*)>(.*?)</script\s*>`)
	inlineHandler  = regexp.MustCompile(`(?i)\son[a-z]+\s*=`)
	inlineStyle    = regexp.MustCompile(`(?i)\sstyle\s*=`)
	javascriptURL  = regexp.MustCompile(`(?i)(href|src|action)\s*=\s*["']?\s*javascript:`)
	styleElementRE = regexp.MustCompile(`(?i)<style\b`)
)

// cspProblems lists anything in text that a "script-src 'self'; style-src
// 'self'" policy would block: inline scripts, event handler attributes,
// style attributes and elements, javascript: URLs.
func cspProblems(text string) []string {
	var out []string
	for _, m := range scriptRE.FindAllStringSubmatch(text, -1) {
		if strings.TrimSpace(m[2]) != "" {
			out = append(out, fmt.Sprintf("inline <script> content %.60q", m[2]))
		}
		if !strings.Contains(m[1], "src=") {
			out = append(out, fmt.Sprintf("<script%s> without src", m[1]))
		}
	}
	for re, what := range map[*regexp.Regexp]string{
		inlineHandler: "inline event handler", inlineStyle: "style attribute",
		javascriptURL: "javascript: URL", styleElementRE: "<style> element",
	} {
		if loc := re.FindStringIndex(text); loc != nil {
			out = append(out, fmt.Sprintf("%s at %q", what, text[max(0, loc[0]-20):min(len(text), loc[1]+20)]))
		}
	}
	return out
}

func checkCSPClean(t *testing.T, name, text string) {
	t.Helper()
	for _, p := range cspProblems(text) {
		t.Errorf("%s: %s", name, p)
	}
}

func TestTemplatesAreCSPClean(t *testing.T) {
	t.Parallel()
	for name, text := range templateFiles(t) {
		checkCSPClean(t, name, text)
	}
	// And the rendered pages, in case a template function ever emits markup.
	h := newTestSite(t).Handler()
	for _, p := range Pages() {
		u := strings.TrimSuffix(strings.TrimPrefix(p.Pattern, "GET "), "{$}")
		u = strings.Replace(u, "{id}", "1", 1)
		res := getPage(t, h, u, p.Public)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", u, res.StatusCode)
		}
		checkCSPClean(t, u, body(t, res))
	}
}

// TestCheckCSPCleanCatches makes sure the scanner itself finds what it must.
func TestCheckCSPCleanCatches(t *testing.T) {
	t.Parallel()
	bad := []string{
		`<script>alert(1)</script>`,
		`<script type="module">import "./x.js"</script>`,
		`<button onclick="go()">`,
		`<div style="color:red">`,
		`<a href="javascript:go()">`,
		`<style>a{}</style>`,
	}
	for _, text := range bad {
		if len(cspProblems(text)) == 0 {
			t.Errorf("cspProblems found nothing in %q", text)
		}
	}
	good := `<script type="module" src="/static/js/app.0123456789.js"></script><button type="button" data-on="x">`
	if p := cspProblems(good); len(p) != 0 {
		t.Errorf("cspProblems flagged clean markup: %v", p)
	}
}

var dollarIDRE = regexp.MustCompile(`\$\('([a-z0-9-]+)'\)`)

// TestModulesFindTheirElements checks that every element a page module
// looks up with $('id') exists in that page's template (or the layout), so
// renaming an id in one place and not the other breaks here, not in a browser.
func TestModulesFindTheirElements(t *testing.T) {
	t.Parallel()
	tpl := templateFiles(t)
	layout := tpl["templates/layout.html"]
	for _, page := range []string{"search", "library", "timeline", "map", "photo", "sources", "activity", "settings"} {
		src, err := fs.ReadFile(staticFS, "static/js/pages/"+page+".js")
		if err != nil {
			t.Fatal(err)
		}
		html := layout + tpl["templates/pages/"+page+".html"]
		ids := dollarIDRE.FindAllStringSubmatch(string(src), -1)
		if len(ids) == 0 {
			t.Fatalf("%s.js looks up no element: the pattern no longer matches the code", page)
		}
		for _, m := range ids {
			if !strings.Contains(html, `id="`+m[1]+`"`) {
				t.Errorf("%s.js looks up #%s, which its template lacks", page, m[1])
			}
		}
	}
	// The auth module builds ids from the form kind.
	for _, kind := range []string{"login", "signup"} {
		for _, part := range []string{"form", "email", "password", "submit", "error"} {
			if !strings.Contains(tpl["templates/pages/"+kind+".html"], `id="`+kind+"-"+part+`"`) {
				t.Errorf("%s page lacks #%s-%s", kind, kind, part)
			}
		}
	}
}

var (
	classAttrRE = regexp.MustCompile(`class="([^"{}]*)"`)
	// jsClassRE finds class lists in the modules: h('…', {class: '…'}),
	// className: '…' and the strings handed to classList.toggle.
	jsClassRE = regexp.MustCompile(`(?:class|className):\s*'([^'$]*)'|classList\.toggle\('([^']*)'`)
)

// cssEscape escapes a class name the way it appears in a CSS selector.
func cssEscape(class string) string {
	var b strings.Builder
	for i, r := range class {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '-', r == '_', r >= 0x80:
			b.WriteRune(r)
		case r >= '0' && r <= '9':
			if i == 0 {
				b.WriteString(`\3` + string(r) + " ")
			} else {
				b.WriteRune(r)
			}
		default:
			b.WriteByte('\\')
			b.WriteRune(r)
		}
	}
	return b.String()
}

// markerClasses produce no CSS of their own.
var markerClasses = []string{"group", "peer"}

// TestCSSCoversUsedClasses is the Go-side guard against a stale app.css:
// every class written in a template or in a module's class list must have a
// rule in the committed CSS. web/build.sh --check (run by CI) is the exact
// check; this one needs no Node.
func TestCSSCoversUsedClasses(t *testing.T) {
	t.Parallel()
	css, err := os.ReadFile("static/app.css")
	if err != nil {
		t.Fatal(err)
	}
	sources := templateFiles(t)
	err = fs.WalkDir(staticFS, "static/js", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(staticFS, p)
		sources[p] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var checked int
	for name, text := range sources {
		re := classAttrRE
		if strings.HasSuffix(name, ".js") {
			re = jsClassRE
		}
		for _, m := range re.FindAllStringSubmatch(text, -1) {
			for _, class := range strings.Fields(strings.Join(m[1:], " ")) {
				if slices.Contains(markerClasses, class) {
					continue
				}
				checked++
				if !bytes.Contains(css, []byte("."+cssEscape(class))) {
					t.Errorf("%s: class %q has no rule in static/app.css; run web/build.sh", name, class)
				}
			}
		}
	}
	if checked < 300 {
		t.Fatalf("checked only %d classes: the patterns no longer match the sources", checked)
	}
}

var (
	controlRE = regexp.MustCompile(`<(input|select|textarea)\b[^>]*>`)
	idAttrRE  = regexp.MustCompile(`\bid="([^"]+)"`)
)

// TestFormControlsHaveLabels checks that every form control in the
// templates has a <label for> or an aria-label, so screen readers name it.
func TestFormControlsHaveLabels(t *testing.T) {
	t.Parallel()
	var checked int
	for name, text := range templateFiles(t) {
		for _, ctl := range controlRE.FindAllString(text, -1) {
			if strings.Contains(ctl, `type="hidden"`) || strings.Contains(ctl, "aria-label=") {
				continue
			}
			checked++
			id := idAttrRE.FindStringSubmatch(ctl)
			if id == nil {
				t.Errorf("%s: control without id or aria-label: %s", name, ctl)
				continue
			}
			if !strings.Contains(text, `<label for="`+id[1]+`"`) {
				t.Errorf("%s: #%s has no <label for>", name, id[1])
			}
		}
	}
	if checked < 10 {
		t.Fatalf("checked %d controls: the pattern no longer matches the templates", checked)
	}
}

// TestFaviconICO: browsers ask for /favicon.ico whatever the page links;
// it is the site's icon, not a 404 in every console.
func TestFaviconICO(t *testing.T) {
	t.Parallel()
	h := newTestSite(t).Handler()
	res := get(t, h, "/favicon.ico", nil)
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/svg+xml" || !strings.Contains(body(t, res), "<svg") {
		t.Errorf("/favicon.ico: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
}
