package httpapi

import (
	"bytes"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/targetvision/targetvision/internal/store"
	"github.com/targetvision/targetvision/internal/store/storetest"
)

// lockedBuffer is a bytes.Buffer the handlers' goroutines may share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestRequestLogProbes: health probes that pass are not logged (a
// container's HEALTHCHECK and a load balancer ask every few seconds, and
// their lines buried everything else), a failing readiness probe is, and
// every other request is.
func TestRequestLogProbes(t *testing.T) {
	t.Parallel()
	db := storetest.OpenSQLite(t, store.Options{})
	var logs lockedBuffer
	ts := newTestServer(t, db, func(d *Deps) { d.Logger = slog.New(slog.NewJSONHandler(&logs, nil)) })

	logged := func(path string, status int) bool {
		return strings.Contains(logs.String(), `"path":"`+path+`","status":`+strconv.Itoa(status))
	}
	for _, c := range []struct {
		path   string
		status int
		logged bool
	}{
		{"/healthz", 200, false},
		{"/readyz", 200, false},
		{"/api/v1/me", 401, true},
	} {
		if got := ts.do(req{method: "GET", path: c.path}).Code; got != c.status {
			t.Fatalf("GET %s: %d, want %d", c.path, got, c.status)
		}
		if got := logged(c.path, c.status); got != c.logged {
			t.Errorf("GET %s (%d) logged: %v, want %v\n%s", c.path, c.status, got, c.logged, logs.String())
		}
	}
	// The store goes away: readiness fails, and that is worth a line.
	db.Close()
	if got := ts.do(req{method: "GET", path: "/readyz"}).Code; got != http.StatusServiceUnavailable {
		t.Fatalf("readyz with the store closed: %d", got)
	}
	if !logged("/readyz", http.StatusServiceUnavailable) {
		t.Errorf("a failing readiness probe was not logged:\n%s", logs.String())
	}
}
