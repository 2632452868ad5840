package httpapi

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/targetvision/targetvision/internal/auth"
	"github.com/targetvision/targetvision/internal/edge"
	"github.com/targetvision/targetvision/internal/ratelimit"
)

// route is one entry of the route table.
type route struct {
	pattern string // net/http ServeMux pattern with method
	h       http.Handler
	public  bool // reachable without a session
}

// table is every route the server answers. A route added here needs its
// documentation in operations (openapi.go) and a case in isolationCases
// (isolation_test.go): the tests fail for a route without either, so no
// route goes undocumented or unchecked for cross-user access.
func (s *Server) table() []route {
	return []route{
		{"GET /healthz", http.HandlerFunc(s.healthz), true},
		{"GET /readyz", s.handle(s.readyz), true},
		{"GET /metrics", s.handle(s.metrics), true},

		{"GET /api/openapi.json", http.HandlerFunc(s.openAPIDocument), true},
		{"GET /api/docs", http.HandlerFunc(s.docsPage), true},
		{"GET /api/docs.css", http.HandlerFunc(s.docsStylesheet), true},

		{"GET /api/v1/auth/status", s.handle(s.authStatus), true},
		{"POST /api/v1/auth/signup", s.handle(s.signup), true},
		{"POST /api/v1/auth/login", s.handle(s.loginHandler), true},
		{"POST /api/v1/auth/logout", s.handle(s.logout), true},
		{"POST /api/v1/auth/password", s.handle(s.changePassword), false},
		{"GET /api/v1/me", s.handle(s.me), false},
		{"GET /api/v1/sessions", s.handle(s.listSessions), false},
		{"DELETE /api/v1/sessions", s.handle(s.deleteSessions), false},
		{"DELETE /api/v1/sessions/{id}", s.handle(s.deleteSession), false},
		{"GET /api/v1/tokens", s.handle(s.listTokens), false},
		{"POST /api/v1/tokens", s.handle(s.createToken), false},
		{"DELETE /api/v1/tokens/{id}", s.handle(s.revokeToken), false},
		{"GET /api/v1/users", s.handle(s.listUsers), false},
		{"POST /api/v1/users", s.handle(s.createUser), false},
		{"PATCH /api/v1/users/{id}", s.handle(s.patchUser), false},
		{"DELETE /api/v1/users/{id}", s.handle(s.deleteUser), false},

		{"GET /api/v1/search", s.handle(s.searchHandler), false},
		{"GET /api/v1/photos", s.handle(s.listPhotos), false},
		{"GET /api/v1/photos/{id}", s.handle(s.getPhoto), false},
		{"PATCH /api/v1/photos/{id}", s.handle(s.patchPhoto), false},
		{"GET /api/v1/photos/{id}/similar", s.handle(s.similar), false},
		{"GET /api/v1/photos/{id}/thumbnail", s.handle(s.thumbnail), false},
		{"GET /api/v1/photos/{id}/image", s.handle(s.image), false},
		{"GET /api/v1/photos/{id}/original", s.handle(s.original), false},
		{"GET /api/v1/photos/originals.zip", s.handle(s.originalsZip), false},
		{"GET /api/v1/albums", s.handle(s.albums), false},
		{"GET /api/v1/timeline", s.handle(s.timeline), false},
		{"GET /api/v1/map", s.handle(s.mapView), false},
		{"POST /api/v1/photos/keywords", s.handle(s.editKeywords), false},
		{"POST /api/v1/photos/smugmug-album", s.handle(s.createRemoteAlbum), false},
		{"GET /api/v1/collections", s.handle(s.listCollections), false},
		{"POST /api/v1/collections", s.handle(s.createCollection), false},
		{"POST /api/v1/collections/{id}/photos", s.handle(s.changeCollection), false},
		{"DELETE /api/v1/collections/{id}", s.handle(s.deleteCollection), false},

		{"GET /api/v1/sources", s.handle(s.listSources), false},
		{"POST /api/v1/sources", s.handle(s.createSource), false},
		{"POST /api/v1/sources/{id}/sync", s.handle(s.syncSource), false},
		{"DELETE /api/v1/sources/{id}", s.handle(s.deleteSource), false},
		{"GET /api/v1/sources/{id}/issues", s.handle(s.listSourceIssues), false},
		{"PUT /api/v1/sources/{id}/writeback", s.handle(s.setWriteBack), false},
		{"GET /api/v1/sources/{id}/writes", s.handle(s.listWrites), false},
		{"GET /api/v1/sources/{id}/album-writes", s.handle(s.listAlbumWrites), false},

		{"GET /api/v1/jobs", s.handle(s.listJobs), false},
		{"POST /api/v1/jobs/{id}/retry", s.handle(s.retryJob), false},
		{"DELETE /api/v1/jobs/{id}", s.handle(s.dismissJob), false},
		{"GET /api/v1/events", s.handle(s.events), false},

		{"GET /api/v1/usage", s.handle(s.usage), false},
		{"GET /api/v1/settings", s.handle(s.getSettings), false},
		{"PUT /api/v1/settings", s.handle(s.putSettings), false},
		{"GET /api/v1/models", s.handle(s.models), false},
		{"POST /api/v1/models/clip/download", s.handle(s.startModelDownload), false},
	}
}

// routes assembles the table and the middleware chain: recover → edge
// (client, scheme, host; unknown hosts refused) → security headers → log +
// metrics → CORS → body limit → session → CSRF → rate limit.
func (s *Server) routes() (http.Handler, error) {
	mux := http.NewServeMux()
	apiLimit := auth.NewSharedLimiter(s.d.RateBuckets, "api", ratelimit.PerSecond(s.d.RateLimit, int(4*s.d.RateLimit)))
	limited := auth.RateLimitWith(apiLimit, func(r *http.Request) string {
		if c, ok := auth.ClaimsFrom(r.Context()); ok {
			return "u:" + itoa(c.UserID)
		}
		return "ip:" + edge.ClientKey(r)
	}, func(r *http.Request, err error) {
		s.log.WarnContext(r.Context(), "API rate limit not applied", "err", err)
	})
	for _, rt := range s.table() {
		h := rt.h
		if !rt.public {
			h = auth.RequireUser(auth.RequireWrite(h))
		}
		mux.Handle(rt.pattern, s.instrument(rt.pattern, limited(h)))
	}
	// The SmugMug connect flow is browser redirects, not JSON API, so it
	// is mounted beside the table rather than in it.
	smugmug := s.d.SmugMug
	if smugmug == nil {
		smugmug = s.handle(func(w http.ResponseWriter, r *http.Request) error {
			const msg = "SmugMug is not set up on this server: the administrator sets SMUGMUG_API_KEY and SMUGMUG_API_SECRET"
			if r.Method == http.MethodGet && r.Header.Get("Sec-Fetch-Mode") == "navigate" {
				// A person followed a link: back to the Sources page, which
				// shows the message, rather than a page of raw JSON.
				http.Redirect(w, r, "/sources?error="+url.QueryEscape(msg), http.StatusSeeOther)
				return nil
			}
			return &apiError{status: http.StatusNotImplemented, code: "smugmug_not_configured", msg: msg}
		})
	}
	mux.Handle("/smugmug/", s.instrument("/smugmug/", auth.RequireUser(smugmug)))
	mux.Handle("/api/", s.instrument("/api/", s.handle(func(w http.ResponseWriter, r *http.Request) error {
		if allow := allowedMethods(mux, r); len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			return &apiError{status: http.StatusMethodNotAllowed, code: "method_not_allowed",
				msg: "this API route takes " + strings.Join(allow, " or ")}
		}
		return &apiError{status: http.StatusNotFound, code: "not_found", msg: "no such API route"}
	})))
	if s.d.Web != nil {
		mux.Handle("/", s.instrument("/", s.d.Web))
	}
	// Behind a proxy that rewrites Host, the public URLs' origins are
	// same-origin too.
	trusted := slices.Clone(s.d.CORSOrigins)
	for _, name := range s.d.Hosts.Names() {
		trusted = append(trusted, "https://"+name, "http://"+name)
	}
	csrf, err := auth.CSRF(auth.CSRFConfig{TrustedOrigins: trusted})
	if err != nil {
		return nil, err
	}
	var h http.Handler = mux
	h = csrf(h)
	h = s.d.Sessions.Middleware(s.d.DB, h)
	h = s.limitBody(h)
	h = s.cors(h)
	h = s.logRequests(h)
	h = securityHeaders(s.csp, h)
	h = s.edgeGuard(h)
	h = s.recoverPanics(h)
	return h, nil
}

// allowedMethods lists the methods the route table answers r's path with,
// so a wrong method is a JSON 405 with Allow rather than the catch-all's 404.
func allowedMethods(mux *http.ServeMux, r *http.Request) []string {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := mux.Handler(probe); pattern != "" && pattern != "/api/" {
			allow = append(allow, m)
		}
	}
	return allow
}
