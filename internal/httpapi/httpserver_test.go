package httpapi

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/pipeline"
	"github.com/targetvision/targetvision/internal/store"
)

// serveReal runs the test server's handler on a loopback listener with
// NewHTTPServer and the given timeouts, as `serve` does.
func serveReal(t *testing.T, ts *testServer, to Timeouts) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := NewHTTPServer(ts.srv, to, nil)
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	return ln.Addr().String()
}

// TestSlowBodyIsCut: a client trickling its request body is disconnected
// after the read timeout — before the fix 600 such sign-in requests were
// all held open for as long as the clients liked.
func TestSlowBodyIsCut(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, stores[0].open(t))
	addr := serveReal(t, ts, Timeouts{Read: 300 * time.Millisecond})
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"email\":")
	// The server must give up on us; we give it far longer than it needs.
	conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	start := time.Now()
	_, err = io.ReadAll(conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server held a trickling body open for %v", time.Since(start))
	}
}

// TestStreamOutlivesWriteTimeout: the event stream is exempt from the
// server's write timeout and still delivers progress after it.
func TestStreamOutlivesWriteTimeout(t *testing.T) {
	t.Parallel()
	db := stores[0].open(t)
	ts := newTestServer(t, db)
	a := ts.signup("a@example.com")
	addr := serveReal(t, ts, Timeouts{Write: 200 * time.Millisecond})
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	r, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/api/v1/events", nil)
	r.AddCookie(a.cookie)
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	events := make(chan string)
	go func() {
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				events <- data
			}
		}
		close(events)
	}()
	if e := <-events; !strings.Contains(e, `"queued":0`) {
		t.Fatalf("first event %q", e)
	}
	time.Sleep(600 * time.Millisecond) // three write timeouts
	if _, _, err := db.Enqueue(t.Context(), store.Job{UserID: a.id, Kind: pipeline.KindSync}); err != nil {
		t.Fatal(err)
	}
	e, ok := <-events
	if !ok || !strings.Contains(e, `"queued":1`) {
		t.Fatalf("after the write timeout the stream gave %q (open %v), want the new job", e, ok)
	}
}
