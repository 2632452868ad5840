// Package httpapi is TargetVision's HTTP surface: the JSON API of DESIGN.md
// §2, health and metrics endpoints, and the web UI's pages, behind one route
// table (routes.go) and one middleware chain. Handlers are thin: decode,
// validate, call the store or an engine, respond; errors become the API's
// {"error":{"code","message"}} body in exactly one place (writeError).
package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/targetvision/targetvision/internal/apierror"
	"github.com/targetvision/targetvision/internal/auth"
	"github.com/targetvision/targetvision/internal/blob"
	"github.com/targetvision/targetvision/internal/clipsetup"
	"github.com/targetvision/targetvision/internal/edge"
	"github.com/targetvision/targetvision/internal/observe"
	"github.com/targetvision/targetvision/internal/pipeline"
	"github.com/targetvision/targetvision/internal/progress"
	"github.com/targetvision/targetvision/internal/ratelimit"
	"github.com/targetvision/targetvision/internal/search"
	"github.com/targetvision/targetvision/internal/store"
)

// Deps are the server's collaborators. All but Web, Models and SmugMug are required.
type Deps struct {
	DB       *store.DB
	Search   *search.Engine
	Pipeline *pipeline.Pipeline
	Sessions *auth.Sessions
	// Devices marks browsers that signed in before (the login limiter's
	// defence against lockout).
	Devices *auth.Devices
	Hasher  *auth.PasswordHasher
	Metrics *observe.Metrics
	Logger  *slog.Logger
	// SetupCode is the code the first sign-up must give (auth.SetupCode).
	SetupCode string
	// Hosts are the host names the server answers (edge.ParseHosts);
	// the zero value answers IP addresses and localhost only.
	Hosts edge.Hosts
	// Trust names the reverse proxies whose X-Forwarded-* are believed.
	Trust edge.Trust
	// FolderRoots are the folders under which local sources may be added
	// over the API; none means no folder may be. DataDir never may.
	FolderRoots []string
	// MetricsToken is the bearer token /metrics asks for; empty, /metrics
	// is not served here (see MetricsHandler for a separate address).
	MetricsToken string
	// MaxStreamsPerUser bounds a user's open event streams; default 8.
	MaxStreamsPerUser int
	// DataDir is the data directory (never a local source).
	DataDir string
	// Blobs holds thumbnails and renditions; nil means the data directory.
	Blobs blob.Store
	// BlobRedirect, when positive and Blobs can presign URLs, answers an
	// image request (after its auth check) with a redirect to a URL valid
	// this long, so the bytes come from the object store or its CDN.
	BlobRedirect time.Duration
	// Web serves the UI's pages and assets; nil serves the API only.
	Web http.Handler
	// Models reports the CLIP model's state for the settings page.
	Models func() ModelStatus
	// ModelDownloads runs the CLIP model download an administrator starts
	// from the Settings page; nil: this server cannot (501).
	ModelDownloads ModelDownloads
	// Waiting names the job kinds this server's workers cannot run, with
	// why in words (no CLIP model, no Claude key): their queued jobs are
	// reported as waiting, with the reason, not as queued. It is asked
	// each time, since a model installed while the server runs ends the
	// wait. Nil: none.
	Waiting func() map[string]string
	// SmugMug handles /smugmug/connect and its callback; nil answers 501.
	SmugMug http.Handler
	// Originals streams the originals remote sources keep (SmugMug's),
	// for the viewer's download and zips; nil when the server has no
	// SmugMug credentials (those photos' originals are then unavailable).
	Originals RemoteOriginals
	// Albums creates SmugMug albums from selections (opt-in per source);
	// nil when the server has no SmugMug credentials.
	Albums RemoteAlbums
	// ClaudeConfigured says the server has a Claude API key (the Settings
	// page says how to add one when not).
	ClaudeConfigured bool
	// AllowSignup lets anyone create an account after the first (admin) one.
	AllowSignup bool
	// CORSOrigins may call the API from another origin; default none.
	CORSOrigins []string
	// MaxBodyBytes bounds request bodies; default 1 MiB.
	MaxBodyBytes int64
	// RateLimit is the per-user/per-IP API budget in requests per second
	// (burst 4×); default 20.
	RateLimit float64
	// MapTiles is the map page's tile server (ParseMapTiles); the zero
	// value shows no tiles and allows no other origin.
	MapTiles MapTiles
	// MaxZipBytes bounds the originals of one zip download; default 4 GiB.
	MaxZipBytes int64
	// MaxZipDuration bounds how long one zip download may stream;
	// default 30 minutes.
	MaxZipDuration time.Duration
	// RateBuckets keep the sign-in and API budgets. Default this process's
	// memory; processes sharing one Postgres pass the store's buckets
	// (store.DB.RateBuckets), or each would grant the whole budget.
	RateBuckets ratelimit.Buckets
}

// RemoteOriginals streams the untouched original of a photo whose source
// keeps it remotely (SmugMug), through this server with the source owner's
// credentials: the browser never gets them, nor a signed URL. The body
// (closed by the caller) ends with an error past the implementation's
// size cap; size is what the remote declared, -1 when it did not. Errors
// that say why (not recorded yet, not offered, gone, token refused, rate
// limited, unavailable, too large) implement
// interface{ RemoteFailure() (reason, message string, retryAfter time.Duration) }
// (smugsync.OriginalError), which writeError maps to statuses.
type RemoteOriginals interface {
	OpenOriginal(ctx context.Context, src store.Source, p store.Photo) (body io.ReadCloser, size int64, err error)
}

// ModelStatus describes the CLIP model for the UI.
type ModelStatus struct {
	Name    string `json:"name"`
	Present bool   `json:"present" description:"The server searches and embeds with the model now."`
	Dim     int    `json:"dim"`
	// Reason says why the model is not in use (missing, does not load,
	// failed its self-check); empty when it is.
	Reason string `json:"reason,omitempty"`
	// SelfCheck is the self-check of the model in use, or of the one refused.
	SelfCheck *clipsetup.SelfCheck `json:"self_check,omitempty"`
	// CanDownload: the signed-in user is an administrator and may start
	// the download (POST /api/v1/models/clip/download).
	CanDownload bool `json:"can_download" description:"The signed-in user is an administrator, the server has no model in use, and it can download one (POST /api/v1/models/clip/download)."`
	// Download is the server's current or last download (administrators).
	Download *clipsetup.Status `json:"download,omitempty" description:"The current or last model download of this server; administrators only."`
}

// ModelDownloads starts and reports the server's model download
// (clipsetup.Downloader).
type ModelDownloads interface {
	Start() (clipsetup.Status, error)
	Status() clipsetup.Status
}

// Server is the HTTP handler.
type Server struct {
	d       Deps
	log     *slog.Logger
	handler http.Handler
	login   *auth.LoginLimiter
	// streams counts each user's open event streams.
	streamsMu sync.Mutex
	streams   map[int64]int
	// progress pushes job progress to the event streams.
	progress *progress.Hub
	// openapi is the OpenAPI document and docsHTML its page, built once by New.
	openapi, docsHTML []byte
	// csp is the Content-Security-Policy every response carries.
	csp string
	// presign, when set, redirects image requests to presigned URLs.
	presign blob.Presigner
}

// New builds the server and its route table.
func New(d Deps) (*Server, error) {
	if d.DB == nil || d.Search == nil || d.Pipeline == nil || d.Sessions == nil || d.Devices == nil || d.Hasher == nil || d.Metrics == nil {
		return nil, errors.New("httpapi: missing dependency")
	}
	if d.SetupCode == "" {
		return nil, errors.New("httpapi: no setup code: the first account could not be created")
	}
	if d.MaxStreamsPerUser <= 0 {
		d.MaxStreamsPerUser = 8
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.MaxBodyBytes <= 0 {
		d.MaxBodyBytes = 1 << 20
	}
	if d.RateLimit <= 0 {
		d.RateLimit = 20
	}
	if d.MaxZipBytes <= 0 {
		d.MaxZipBytes = 4 << 30
	}
	if d.MaxZipDuration <= 0 {
		d.MaxZipDuration = 30 * time.Minute
	}
	if d.Models == nil {
		d.Models = func() ModelStatus { return ModelStatus{} }
	}
	if d.Blobs == nil {
		d.Blobs = blob.NewDir(d.DataDir)
	}
	if d.RateBuckets == nil {
		d.RateBuckets = ratelimit.NewLocal(0, nil)
	}
	s := &Server{d: d, log: d.Logger, login: auth.NewLoginLimiter(auth.LoginLimitConfig{Buckets: d.RateBuckets}), streams: map[int64]int{}}
	blobOrigin := ""
	if ps, ok := d.Blobs.(blob.Presigner); ok && d.BlobRedirect > 0 {
		s.presign = ps
		blobOrigin = ps.PresignOrigin()
	}
	s.csp = contentSecurityPolicy(blobOrigin, d.MapTiles.origin)
	// SQLite signals this process's job changes only: a CLI run beside the
	// server is caught by re-reading now and then, per user, not per stream.
	var poll time.Duration
	if d.DB.Dialect() == store.SQLite {
		poll = sqliteProgressPoll
	}
	s.progress = progress.New(progress.Config{Listen: d.DB.ListenJobs, Read: s.readProgress, Poll: poll, Logger: d.Logger})
	doc, err := buildOpenAPI(s.table())
	if err != nil {
		return nil, err
	}
	s.openapi = doc
	if s.docsHTML, err = renderDocs(doc); err != nil {
		return nil, err
	}
	h, err := s.routes()
	if err != nil {
		return nil, err
	}
	s.handler = h
	return s, nil
}

// sqliteProgressPoll is how often the progress of users with open streams is
// re-read on SQLite, where another process's job changes are not signalled.
const sqliteProgressPoll = 3 * time.Second

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// apiError is an error with the HTTP status and machine-readable code the
// client sees. Anything else becomes a 500 with a generic message (the
// details go to the log, never to the client).
type apiError struct {
	status     int
	code, msg  string
	retryAfter time.Duration
}

func (e *apiError) Error() string { return e.msg }

func errBadRequest(format string, a ...any) error {
	return &apiError{status: http.StatusBadRequest, code: "bad_request", msg: fmt.Sprintf(format, a...)}
}

func errForbidden(msg string) error {
	return &apiError{status: http.StatusForbidden, code: "forbidden", msg: msg}
}

// errNotFound is also the answer for another user's ids: they do not exist
// for the caller, and saying "forbidden" would tell that they exist.
func errNotFound() error {
	return &apiError{status: http.StatusNotFound, code: "not_found", msg: "not found"}
}

// writeError maps an error to its status and body: the one place that does.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	var rl *auth.RateLimitedError
	var ro remoteError
	switch {
	case errors.As(err, &ae):
	case errors.As(err, &ro):
		ae = remoteAPIError(ro)
	case errors.As(err, &rl):
		ae = &apiError{status: http.StatusTooManyRequests, code: "rate_limited", msg: "too many attempts; wait and try again",
			retryAfter: time.Duration(rl.RetryAfterSeconds()) * time.Second}
	case errors.Is(err, store.ErrNotFound):
		ae = errNotFound().(*apiError)
	case errors.Is(err, store.ErrConflict):
		ae = &apiError{status: http.StatusConflict, code: "conflict", msg: "already exists"}
	case errors.Is(err, context.Canceled):
		return // the client went away
	default:
		s.log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		ae = &apiError{status: http.StatusInternalServerError, code: "internal", msg: "something went wrong; the error was logged"}
	}
	if ae.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(ae.retryAfter.Seconds()+0.999)))
	}
	apierror.Write(w, ae.status, ae.code, ae.msg)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// handle adapts a handler returning an error.
func (s *Server) handle(f func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := f(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// decode reads a JSON body into v, refusing unknown fields and oversized bodies.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("trailing data")
	}
	if err == nil {
		return nil
	}
	var mbe *http.MaxBytesError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &mbe):
		return &apiError{status: http.StatusRequestEntityTooLarge, code: "too_large", msg: "request body too large"}
	case errors.Is(err, io.EOF):
		return errBadRequest("the request needs a JSON body")
	case errors.As(err, &te) && te.Field != "":
		return errBadRequest("%s must be a JSON %s", te.Field, jsonKind(te.Type))
	case errors.As(err, &te):
		return errBadRequest("the body must be a JSON object")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return errBadRequest("unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	// Syntax errors and the like: the decoder's words name Go types, so
	// the client gets a plain sentence.
	return errBadRequest("the body is not valid JSON")
}

// jsonKind names the JSON type a Go type decodes from.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "boolean"
	case reflect.String:
		return "string"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Map, reflect.Struct:
		return "object"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8,
		reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "whole number"
	case reflect.Float32, reflect.Float64:
		return "number"
	}
	return "value"
}

// userID is the signed-in user's id (routes behind auth.RequireUser).
func userID(r *http.Request) int64 {
	c, _ := auth.ClaimsFrom(r.Context())
	return c.UserID
}

// parseDate reads a date parameter: a day (YYYY-MM-DD) or an RFC 3339 instant.
func parseDate(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{"2006-01-02", time.RFC3339} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errBadRequest("%s must be a date like 2024-06-30", name)
}
