// Package observe sets up what an operator watches: structured logs (text
// on a terminal, JSON otherwise), optional Sentry error reporting, and the
// Prometheus metrics the server and workers export.
package observe

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/getsentry/sentry-go"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"golang.org/x/term"
)

// LoggerOptions choose the log output.
type LoggerOptions struct {
	Level  string // debug, info, warn, error
	Format string // text, json, or "" for text on a terminal and JSON otherwise
}

// NewLogger returns the process logger writing to w.
func NewLogger(w io.Writer, o LoggerOptions) *slog.Logger {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(o.Level)); err != nil {
		lvl = slog.LevelInfo
	}
	format := o.Format
	if format == "" {
		format = "json"
		if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			format = "text"
		}
	}
	ho := &slog.HandlerOptions{Level: lvl}
	var h slog.Handler = slog.NewJSONHandler(w, ho)
	if format == "text" {
		h = slog.NewTextHandler(w, ho)
	}
	return slog.New(h)
}

// InitSentry enables error reporting when dsn is set: error-level log
// records are sent to Sentry from then on. It returns the logger to use and
// a flush function to call before exit.
func InitSentry(dsn, release string, logger *slog.Logger) (*slog.Logger, func(), error) {
	if dsn == "" {
		return logger, func() {}, nil
	}
	if err := sentry.Init(sentry.ClientOptions{Dsn: dsn, Release: release, AttachStacktrace: true}); err != nil {
		return logger, func() {}, fmt.Errorf("observe: sentry: %w", err)
	}
	return slog.New(sentryHandler{logger.Handler()}), func() { sentry.Flush(2 * time.Second) }, nil
}

// sentryHandler forwards error records to Sentry and everything to next.
type sentryHandler struct{ next slog.Handler }

func (h sentryHandler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h sentryHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError {
		ev := sentry.NewEvent()
		ev.Level = sentry.LevelError
		ev.Message = r.Message
		attrs := sentry.Context{}
		r.Attrs(func(a slog.Attr) bool {
			attrs[a.Key] = a.Value.String()
			return true
		})
		ev.Contexts = map[string]sentry.Context{"log": attrs}
		sentry.CaptureEvent(ev)
	}
	return h.next.Handle(ctx, r)
}

func (h sentryHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return sentryHandler{h.next.WithAttrs(as)}
}

func (h sentryHandler) WithGroup(name string) slog.Handler {
	return sentryHandler{h.next.WithGroup(name)}
}

// Metrics are the Prometheus collectors of one process.
type Metrics struct {
	Registry *prometheus.Registry
	// HTTPRequests counts requests by route pattern, method and status class.
	HTTPRequests *prometheus.CounterVec
	// HTTPDuration observes request latency by route pattern.
	HTTPDuration *prometheus.HistogramVec
	// JobsFinished counts job attempts by kind and outcome.
	JobsFinished *prometheus.CounterVec
	// SearchDuration observes end-to-end search latency.
	SearchDuration prometheus.Histogram
}

// NewMetrics registers the process's collectors, Go runtime ones included,
// on a fresh registry (no global state).
func NewMetrics() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		HTTPRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "targetvision_http_requests_total", Help: "HTTP requests by route, method and status code class.",
		}, []string{"route", "method", "code"}),
		HTTPDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "targetvision_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 12),
		}, []string{"route"}),
		JobsFinished: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "targetvision_jobs_finished_total", Help: "Job attempts by kind and outcome (done, retry, failed, snoozed).",
		}, []string{"kind", "outcome"}),
		SearchDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "targetvision_search_duration_seconds", Help: "End-to-end search latency.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 12),
		}),
	}
	m.Registry.MustRegister(m.HTTPRequests, m.HTTPDuration, m.JobsFinished, m.SearchDuration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}
