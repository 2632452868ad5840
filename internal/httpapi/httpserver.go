package httpapi

import (
	"crypto/subtle"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/targetvision/targetvision/internal/auth"
)

// Timeouts bound how long a client may hold a connection. Zero fields take
// the defaults, which keep a trickled body or an idle connection from
// holding a goroutine and a socket for long, while a thumbnail on a slow
// phone still arrives. Event streams are exempt from Write and keep
// themselves alive (see streamWriteWindow).
type Timeouts struct {
	// ReadHeader bounds reading the request line and headers. Default 10 s.
	ReadHeader time.Duration
	// Read bounds reading the whole request, body included. Default 15 s:
	// every request body of this API is a small JSON document.
	Read time.Duration
	// Write bounds writing the response. Default 60 s.
	Write time.Duration
	// Idle bounds a kept-alive connection between requests. Default 2 min.
	Idle time.Duration
}

// maxHeaderBytes bounds the request line and headers.
const maxHeaderBytes = 64 << 10

// NewHTTPServer is the http.Server `serve` runs the handler with: every
// timeout set, header size bounded, and the standard library's own error
// log sent to log at debug level (a client's broken TLS handshake is not
// the operator's problem).
func NewHTTPServer(h http.Handler, t Timeouts, log *slog.Logger) *http.Server {
	def := func(d, v time.Duration) time.Duration {
		if d > 0 {
			return d
		}
		return v
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: def(t.ReadHeader, 10*time.Second),
		ReadTimeout:       def(t.Read, 15*time.Second),
		WriteTimeout:      def(t.Write, 60*time.Second),
		IdleTimeout:       def(t.Idle, 2*time.Minute),
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
}

// MetricsHandler serves the Prometheus metrics without any check, for a
// separate, private listen address (TARGETVISION_METRICS_ADDR).
func (s *Server) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.d.Metrics.Registry, promhttp.HandlerOpts{})
}

// metrics serves /metrics on the main address to a caller with the
// metrics token; without a configured token it is not there at all, since
// request counts and runtime details are nobody's business on a public
// address.
func (s *Server) metrics(w http.ResponseWriter, r *http.Request) error {
	if s.d.MetricsToken == "" {
		return &apiError{status: http.StatusNotFound, code: "not_found",
			msg: "metrics are served on TARGETVISION_METRICS_ADDR, or here with TARGETVISION_METRICS_TOKEN"}
	}
	token := auth.BearerToken(r)
	if subtle.ConstantTimeCompare([]byte(token), []byte(s.d.MetricsToken)) != 1 {
		w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
		return &apiError{status: http.StatusUnauthorized, code: "unauthorized", msg: "send the metrics token as Authorization: Bearer …"}
	}
	s.MetricsHandler().ServeHTTP(w, r)
	return nil
}
