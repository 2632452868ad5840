// Package web serves TargetVision's browser front end: the HTML shell of
// every page and the static assets (ES modules and the Tailwind CSS built
// ahead of time), all embedded in the binary so the server needs no Node,
// no CDN and no files on disk.
//
// Every asset is served under a content-hashed URL
// (/static/app.3f2a1c9d0b.css) with a year-long immutable Cache-Control, so
// browsers never re-ask for an unchanged file and never keep a stale one
// after an upgrade. JavaScript modules import each other by relative URL;
// the imports are rewritten to the hashed names when the Site is built,
// which is why a module's hash covers its imports' hashes.
//
// The pages are server-rendered shells (html/template) carrying the page's
// static markup — forms, headings, empty containers with ids — and one
// <script type="module"> loading js/app.js, which fetches data from the JSON
// API and fills them in. There are no inline scripts, inline styles or inline
// event handlers, so the server can send a strict Content-Security-Policy
// (script-src 'self').
//
// The JavaScript sources live in static/js and are served as written (there
// is no bundler); web/ at the repository root holds the Tailwind input and
// the npm set-up that compiles static/app.css, see web/build.sh.
package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/targetvision/targetvision/internal/auth"
)

//go:embed static
var staticFS embed.FS

//go:embed templates
var templateFS embed.FS

// Page describes one HTML page of the UI.
type Page struct {
	// Name is the page's template and its data-page attribute, which app.js
	// reads to start the page's module.
	Name string
	// Pattern is the ServeMux pattern of the page.
	Pattern string
	// Title is the document title (before " · TargetVision").
	Title string
	// Public pages are reachable signed out; app.js sends visitors of the
	// other pages to /login.
	Public bool
	// Nav marks the page's entry in the navigation bar ("" = none).
	Nav string
}

// Pages returns the UI's pages; the Handler's routes and the tests share
// this list so a page cannot be added to one and not the other.
func Pages() []Page {
	return []Page{
		{Name: "search", Pattern: "GET /{$}", Title: "Search", Nav: "search"},
		{Name: "search", Pattern: "GET /search", Title: "Search", Nav: "search"},
		{Name: "timeline", Pattern: "GET /timeline", Title: "Timeline", Nav: "timeline"},
		{Name: "library", Pattern: "GET /library", Title: "Library", Nav: "library"},
		{Name: "map", Pattern: "GET /map", Title: "Map", Nav: "map"},
		{Name: "photo", Pattern: "GET /photos/{id}", Title: "Photo", Nav: "library"},
		{Name: "sources", Pattern: "GET /sources", Title: "Sources", Nav: "sources"},
		{Name: "activity", Pattern: "GET /activity", Title: "Activity", Nav: "activity"},
		{Name: "settings", Pattern: "GET /settings", Title: "Settings", Nav: "settings"},
		{Name: "accounts", Pattern: "GET /accounts", Title: "Accounts", Nav: "accounts"},
		{Name: "login", Pattern: "GET /login", Title: "Sign in", Public: true},
		{Name: "signup", Pattern: "GET /signup", Title: "Create account", Public: true},
	}
}

// Site is the front end: hashed assets and parsed page templates.
type Site struct {
	assets *assetSet
	pages  map[string]*template.Template
}

// New builds the Site from the embedded files. It fails only when the
// embedded files are broken (a template that does not parse, an import
// cycle), which the package tests catch before a release.
func New() (*Site, error) {
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, fmt.Errorf("web: static files: %w", err)
	}
	return newSite(static, templateFS)
}

// newSite builds a Site from the given trees; tests pass fstest.MapFS.
func newSite(static, templates fs.FS) (*Site, error) {
	assets, err := loadAssets(static)
	if err != nil {
		return nil, err
	}
	s := &Site{assets: assets, pages: map[string]*template.Template{}}
	funcs := template.FuncMap{"asset": s.assetURL, "navItem": newNavItem, "modulePreloads": s.modulePreloads}
	for _, p := range Pages() {
		if _, ok := s.pages[p.Name]; ok {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templates,
			"templates/layout.html", "templates/pages/"+p.Name+".html")
		if err != nil {
			return nil, fmt.Errorf("web: parse page %s: %w", p.Name, err)
		}
		s.pages[p.Name] = t
	}
	t, err := template.New("layout.html").Funcs(funcs).ParseFS(templates,
		"templates/layout.html", "templates/pages/notfound.html")
	if err != nil {
		return nil, fmt.Errorf("web: parse page notfound: %w", err)
	}
	s.pages["notfound"] = t
	return s, nil
}

// assetURL is the template function "asset": the hashed URL of a static
// file. An unknown name fails the template, so a typo breaks a test rather
// than a page.
func (s *Site) assetURL(name string) (string, error) {
	a, ok := s.assets.byName[name]
	if !ok {
		return "", fmt.Errorf("web: no static file %q", name)
	}
	return "/static/" + a.hashed, nil
}

// modulePreloads is the template function "modulePreloads": the hashed URLs
// of every module but the entry and the vendored libraries, sorted. The
// shell lists them as <link rel="modulepreload"> so the browser fetches the
// whole module graph at once instead of discovering it one import level per
// round trip; a vendored library (the map's Leaflet) is imported only by
// the page that needs it, when it needs it.
func (s *Site) modulePreloads() []string {
	var urls []string
	for name, a := range s.assets.byName {
		if path.Ext(name) == ".js" && name != "js/app.js" && !strings.HasPrefix(name, "vendor/") {
			urls = append(urls, "/static/"+a.hashed)
		}
	}
	slices.Sort(urls)
	return urls
}

// AssetURL returns the content-hashed URL of the static file name
// ("app.css", "js/app.js"), or "" when there is none. Other packages use it
// to link assets from their own pages (the API docs page, say).
func (s *Site) AssetURL(name string) string {
	u, err := s.assetURL(name)
	if err != nil {
		return ""
	}
	return u
}

// AssetURLs returns every static file's hashed URL by logical name.
func (s *Site) AssetURLs() map[string]string {
	m := make(map[string]string, len(s.assets.byName))
	for n, a := range s.assets.byName {
		m[n] = "/static/" + a.hashed
	}
	return m
}

// Handler serves /static/… and the pages listed by Pages; any other path
// gets the not-found page with status 404. Mount it at "/" after the API
// routes (the more specific ServeMux patterns win), behind
// auth.Sessions.Middleware: a signed-out visitor of a private page is
// redirected to /login?next=…, and a signed-in visitor of /login or /signup
// is sent on, before any script runs — no flash of an empty page, no 401
// noise in the console.
func (s *Site) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /static/{file...}", s.serveStatic)
	// Browsers ask for /favicon.ico whatever the page links: the icon,
	// revalidated like any logical name.
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		r.SetPathValue("file", "favicon.svg")
		s.serveStatic(w, r)
	})
	for _, p := range Pages() {
		mux.Handle(p.Pattern, s.pageHandler(p))
	}
	mux.Handle("/", s.pageHandler(Page{Name: "notfound", Title: "Not found", Public: true}))
	return mux
}

// navItem is one entry of the navigation bar.
type navItem struct {
	Name, Href, Label string
	// Current marks the entry of the page being shown (aria-current).
	Current bool
}

// newNavItem is the template function "navItem".
func newNavItem(current, name, href, label string) navItem {
	return navItem{Name: name, Href: href, Label: label, Current: current == name}
}

// pageData is what the templates see.
type pageData struct {
	Page    Page
	PhotoID string
}

func (s *Site) pageHandler(p Page) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, signedIn := auth.ClaimsFrom(r.Context())
		switch {
		case p.Name == "notfound":
		case !p.Public && !signedIn:
			redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()))
			return
		case p.Public && signedIn:
			redirect(w, r, SafeNext(r.URL.Query().Get("next")))
			return
		}
		status := http.StatusOK
		if p.Name == "notfound" {
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				w.Header().Set("Allow", "GET, HEAD")
				http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
				return
			}
			status = http.StatusNotFound
		}
		var buf bytes.Buffer
		if err := s.pages[p.Name].Execute(&buf, pageData{Page: p, PhotoID: r.PathValue("id")}); err != nil {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		// The shell names hashed assets, so it must be revalidated to pick up
		// a new release; it is small and holds no user data.
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(status)
		if r.Method != http.MethodHead {
			_, _ = w.Write(buf.Bytes())
		}
	})
}

// redirect answers 303 See Other, uncached: where a page sends the visitor
// depends on the session, not on the URL.
func redirect(w http.ResponseWriter, r *http.Request, to string) {
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// SafeNext returns next when it is a path on this site, else "/". It guards
// the ?next= parameter of the sign-in pages (here and, identically, in
// dom.js) so sign-in cannot be turned into an open redirect: "//evil.test",
// "/\\evil.test" and paths with control characters, which browsers may read
// as another host, are refused.
func SafeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	for _, c := range next {
		if c < 0x20 || c == 0x7f || c == '\\' {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return "/"
	}
	return next
}

// serveStatic serves a file by hashed name (cached for a year, immutable)
// or by logical name (revalidated each time), gzip-compressed when the
// client accepts it.
func (s *Site) serveStatic(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	h := w.Header()
	a, ok := s.assets.byHashed[name]
	if ok {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else if a, ok = s.assets.byName[name]; ok {
		h.Set("Cache-Control", "no-cache")
	} else {
		h.Set("Cache-Control", "no-store")
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	h.Set("Content-Type", a.contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("ETag", a.etag)
	body := a.body
	if a.gz != nil {
		h.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r) {
			h.Set("Content-Encoding", "gzip")
			body = a.gz
			// A distinct validator per encoding, as RFC 9110 asks.
			h.Set("ETag", strings.TrimSuffix(a.etag, `"`)+`-gz"`)
		}
	}
	// Embedded files have no meaningful modification time; the ETag validates.
	http.ServeContent(w, r, path.Base(name), time.Time{}, bytes.NewReader(body))
}

// acceptsGzip reports whether Accept-Encoding lists gzip with a non-zero weight.
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}
