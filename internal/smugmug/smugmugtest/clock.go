package smugmugtest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"time"

	"github.com/targetvision/targetvision/internal/ratelimit"
)

// InMemoryClient returns an HTTP client that calls the fake in the calling
// goroutine, with no network in between. Inside a testing/synctest bubble
// the fake's request clock — RequestRecord.Time, the rate windows — is then
// the bubble's fake clock, the same clock the client's rate budget waits
// on, and a request is recorded at the very instant its token came due: a
// rate check on the records is exact, not a wall-clock window with a
// tolerance for scheduling. Put it in Config().HTTPClient.
func (s *Server) InMemoryClient() *http.Client {
	return &http.Client{Transport: inMemory{s}}
}

type inMemory struct{ s *Server }

func (m inMemory) RoundTrip(r *http.Request) (*http.Response, error) {
	in := r.Clone(r.Context())
	in.RequestURI = r.URL.RequestURI()
	in.Host = r.URL.Host
	if in.Body == nil {
		in.Body = http.NoBody
	}
	rec := httptest.NewRecorder()
	m.s.serveHTTP(rec, in)
	resp := rec.Result()
	resp.Request = r
	return resp, nil
}

// RateViolation replays the API requests among records (Path under
// /api/v2) through a token bucket of budget l, in the order of their
// Time — the fake's request clock — and describes the first request that
// found the bucket empty, or returns "" when they all kept to l. slack
// tokens are added to the burst for clocks that are not exact: a request
// crossing a real network arrives some scheduling delay after its token
// came due, so two requests a full interval apart at the sender can arrive
// closer together; slack/rate is the delay tolerated.
func RateViolation(records []RequestRecord, l ratelimit.Limit, slack int) string {
	var times []time.Time
	for _, r := range records {
		if strings.HasPrefix(r.Path, "/api/v2") {
			times = append(times, r.Time)
		}
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	l.Burst += slack
	var tat time.Time
	for i, t := range times {
		ok, next, wait := ratelimit.Next(tat, t, l)
		if !ok {
			return fmt.Sprintf("API request %d of %d came %v too early for %v per request with a burst of %d",
				i+1, len(times), wait, l.Every, l.Burst)
		}
		tat = next
	}
	return ""
}
