package httpapi

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/targetvision/targetvision/internal/edge"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// statusWriter records the status code for logs and metrics; it keeps
// http.Flusher working for Server-Sent Events.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if h, ok := w.ResponseWriter.(http.Hijacker); ok {
		return h.Hijack()
	}
	return nil, nil, errors.New("httpapi: hijack not supported")
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// instrument counts and times requests by route pattern (never by raw path,
// which would explode the metric's cardinality).
func (s *Server) instrument(pattern string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw, ok := w.(*statusWriter)
		if !ok {
			sw = &statusWriter{ResponseWriter: w}
			w = sw
		}
		next.ServeHTTP(w, r)
		code := sw.status
		if code == 0 {
			code = http.StatusOK
		}
		s.d.Metrics.HTTPRequests.WithLabelValues(pattern, r.Method, fmt.Sprintf("%dxx", code/100)).Inc()
		s.d.Metrics.HTTPDuration.WithLabelValues(pattern).Observe(time.Since(start).Seconds())
	})
}

// logRequests writes one line per request. Query strings are left out:
// they can hold search text, which is the user's business.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if quietPath(r.URL.Path, sw.status) {
			return
		}
		s.log.InfoContext(r.Context(), "http request", "method", r.Method, "path", r.URL.Path, "status", sw.status,
			"bytes", sw.bytes, "duration_ms", float64(time.Since(start).Microseconds())/1000)
	})
}

// quietPath reports whether a request is left out of the log: scrapes and
// health probes that pass, which a container's HEALTHCHECK and a load
// balancer send every few seconds. A failing readiness probe is logged.
func quietPath(path string, status int) bool {
	switch path {
	case "/healthz", "/metrics":
		return true
	case "/readyz":
		return status == 0 || status == http.StatusOK
	}
	return false
}

func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.writeError(w, r, fmt.Errorf("panic: %v", p))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, s.d.MaxBodyBytes)
		}
		next.ServeHTTP(w, r)
	})
}

// cors is off unless origins are configured; then only those origins get
// the CORS headers, with credentials.
func (s *Server) cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin != "" && slices.Contains(s.d.CORSOrigins, origin) {
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Credentials", "true")
			h.Add("Vary", "Origin")
			if r.Method == http.MethodOptions {
				h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE")
				h.Set("Access-Control-Allow-Headers", "Content-Type, Authorization")
				h.Set("Access-Control-Max-Age", "600")
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// contentSecurityPolicy: no inline script or style, images only from this
// server (every photo is served by it, after its auth check), no framing.
// blobOrigin is the object store it signs redirect URLs for (photos come
// from there then), tileOrigin the map's tile server (tiles are <img>, and
// Leaflet may fetch them); each is empty when there is none.
func contentSecurityPolicy(blobOrigin, tileOrigin string) string {
	img, connect := "'self' data:", "'self'"
	if blobOrigin != "" {
		img += " " + blobOrigin
	}
	if tileOrigin != "" {
		img += " " + tileOrigin
		connect += " " + tileOrigin
	}
	return "default-src 'self'; img-src " + img + "; style-src 'self'; script-src 'self'; connect-src " + connect +
		"; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
}

// securityHeaders: the CSP, no sniffing, no framing, and HSTS when the
// client came over HTTPS (ours, or a trusted proxy's).
func securityHeaders(csp string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		if edge.From(r).HTTPS {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// edgeGuard resolves who the client is (edge.Info, trusting only the
// configured proxies) for every later handler, and refuses a request for a
// host name the server does not answer: a DNS-rebinding page's requests
// carry the attacker's name, so they end here, before any session or
// sign-up is looked at.
func (s *Server) edgeGuard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := s.d.Trust.Resolve(r)
		r = r.WithContext(edge.WithInfo(r.Context(), info))
		if !s.d.Hosts.Allowed(info.Host) {
			msg := "this server does not answer for that host name; its operator lists the names it answers in TARGETVISION_PUBLIC_URL"
			s.writeError(w, r, &apiError{status: http.StatusMisdirectedRequest, code: "unknown_host", msg: msg})
			return
		}
		next.ServeHTTP(w, r)
	})
}
