// Package blobtest is the blob.Store conformance suite: the one truth about
// what a store does, run on the directory store and on a real S3-compatible
// server alike.
package blobtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/blob"
)

// Run runs the suite. open returns an empty store for one subtest (a
// fresh directory, a fresh key prefix in a bucket).
func Run(t *testing.T, open func(t *testing.T) blob.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s blob.Store)
	}{
		{"RoundTrip", roundTrip},
		{"UnknownSize", unknownSize},
		{"Large", large},
		{"Overwrite", overwrite},
		{"WrongSize", wrongSize},
		{"NotFound", notFound},
		{"Delete", deleteKey},
		{"List", list},
		{"ListStopsEarly", listStopsEarly},
		{"InvalidKeys", invalidKeys},
		{"ServeContent", serveContent},
		{"ConcurrentPuts", concurrentPuts},
		{"CancelledPut", cancelledPut},
		{"Presign", presign},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
}

func random(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func put(t *testing.T, s blob.Store, key string, b []byte) {
	t.Helper()
	if err := s.Put(t.Context(), key, bytes.NewReader(b), int64(len(b))); err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
}

func read(t *testing.T, s blob.Store, key string) ([]byte, blob.Info) {
	t.Helper()
	r, err := s.Open(t.Context(), key)
	if err != nil {
		t.Fatalf("open %s: %v", key, err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return b, r.Info
}

func roundTrip(t *testing.T, s blob.Store) {
	want := random(t, 70_000)
	put(t, s, "thumbs/1/42.jpg", want)
	got, info := read(t, s, "thumbs/1/42.jpg")
	if !bytes.Equal(got, want) {
		t.Fatalf("read back %d bytes, not the %d put", len(got), len(want))
	}
	if info.Size != int64(len(want)) || info.Key != "thumbs/1/42.jpg" || info.ModTime.IsZero() {
		t.Errorf("open info = %+v, want key thumbs/1/42.jpg, size %d and a modification time", info, len(want))
	}
	st, err := s.Stat(t.Context(), "thumbs/1/42.jpg")
	if err != nil || st.Size != int64(len(want)) || st.ModTime.IsZero() {
		t.Errorf("stat = %+v, %v; want size %d", st, err, len(want))
	}
	if s.Describe() == "" {
		t.Error("Describe is empty")
	}
}

// onlyReader hides a bytes.Reader's Len and Seek, as a network body would.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

func unknownSize(t *testing.T, s blob.Store) {
	want := random(t, 100_000)
	if err := s.Put(t.Context(), "renditions/1/7.jpg", onlyReader{bytes.NewReader(want)}, -1); err != nil {
		t.Fatal(err)
	}
	if got, info := read(t, s, "renditions/1/7.jpg"); !bytes.Equal(got, want) || info.Size != int64(len(want)) {
		t.Fatalf("read back %d bytes (info %d), want %d", len(got), info.Size, len(want))
	}
}

// large goes past one S3 part (8 MiB) both with and without a known size.
func large(t *testing.T, s blob.Store) {
	want := random(t, 9<<20+123)
	put(t, s, "big/known", want)
	if err := s.Put(t.Context(), "big/unknown", onlyReader{bytes.NewReader(want)}, -1); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"big/known", "big/unknown"} {
		if got, _ := read(t, s, k); !bytes.Equal(got, want) {
			t.Errorf("%s: read back %d bytes, want %d", k, len(got), len(want))
		}
	}
}

func overwrite(t *testing.T, s blob.Store) {
	put(t, s, "a/b.jpg", []byte("first version, longer than the second"))
	put(t, s, "a/b.jpg", []byte("second"))
	if got, info := read(t, s, "a/b.jpg"); string(got) != "second" || info.Size != 6 {
		t.Fatalf("after overwrite: %q (size %d)", got, info.Size)
	}
}

// wrongSize: a reader that gives fewer or more bytes than declared is an
// error, and stores nothing.
func wrongSize(t *testing.T, s blob.Store) {
	for _, tc := range []struct {
		key      string
		declared int64
	}{{"short", 100}, {"long", 10}} {
		err := s.Put(t.Context(), tc.key, bytes.NewReader(random(t, 50)), tc.declared)
		if err == nil {
			t.Errorf("%s: 50 bytes declared as %d stored without an error", tc.key, tc.declared)
		}
		if _, err := s.Stat(t.Context(), tc.key); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("%s: after a failed put, stat = %v; want ErrNotFound", tc.key, err)
		}
	}
}

func notFound(t *testing.T, s blob.Store) {
	put(t, s, "dir/present", []byte("x"))
	for _, key := range []string{"missing.jpg", "dir/missing", "dir"} {
		if _, err := s.Open(t.Context(), key); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("open %s: %v; want ErrNotFound", key, err)
		}
		if _, err := s.Stat(t.Context(), key); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("stat %s: %v; want ErrNotFound", key, err)
		}
	}
}

func deleteKey(t *testing.T, s blob.Store) {
	put(t, s, "thumbs/2/1.jpg", []byte("one"))
	put(t, s, "thumbs/2/10.jpg", []byte("ten"))
	if err := s.Delete(t.Context(), "thumbs/2/1.jpg"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Stat(t.Context(), "thumbs/2/1.jpg"); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("deleted key: stat = %v; want ErrNotFound", err)
	}
	if got, _ := read(t, s, "thumbs/2/10.jpg"); string(got) != "ten" {
		t.Errorf("a neighbour of the deleted key holds %q", got)
	}
	if err := s.Delete(t.Context(), "thumbs/2/1.jpg"); err != nil {
		t.Errorf("deleting a missing key: %v; want nil", err)
	}
}

func keys(t *testing.T, s blob.Store, prefix string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for info, err := range s.List(t.Context(), prefix) {
		if err != nil {
			t.Fatalf("list %q: %v", prefix, err)
		}
		if _, dup := out[info.Key]; dup {
			t.Errorf("list %q: %s twice", prefix, info.Key)
		}
		if info.ModTime.IsZero() {
			t.Errorf("list %q: %s has no modification time", prefix, info.Key)
		}
		out[info.Key] = info.Size
	}
	return out
}

func list(t *testing.T, s blob.Store) {
	for k, n := range map[string]int{"thumbs/1/1.jpg": 1, "thumbs/1/2.jpg": 2, "thumbs/10/3.jpg": 3, "renditions/1/1.jpg": 4, "thumbsup": 5} {
		put(t, s, k, random(t, n))
	}
	for prefix, want := range map[string]map[string]int64{
		"thumbs/":        {"thumbs/1/1.jpg": 1, "thumbs/1/2.jpg": 2, "thumbs/10/3.jpg": 3},
		"thumbs/1/":      {"thumbs/1/1.jpg": 1, "thumbs/1/2.jpg": 2},
		"thumbs":         {"thumbs/1/1.jpg": 1, "thumbs/1/2.jpg": 2, "thumbs/10/3.jpg": 3, "thumbsup": 5},
		"renditions/1/1": {"renditions/1/1.jpg": 4},
		"":               {"thumbs/1/1.jpg": 1, "thumbs/1/2.jpg": 2, "thumbs/10/3.jpg": 3, "renditions/1/1.jpg": 4, "thumbsup": 5},
		"nothing/":       {},
	} {
		got := keys(t, s, prefix)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("list %q = %v, want %v", prefix, got, want)
		}
	}
}

func listStopsEarly(t *testing.T, s blob.Store) {
	for i := range 5 {
		put(t, s, fmt.Sprintf("k/%d", i), []byte("x"))
	}
	n := 0
	for _, err := range s.List(t.Context(), "k/") {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 2 {
			break
		}
	}
	if n != 2 {
		t.Fatalf("saw %d keys before stopping, want 2", n)
	}
}

func invalidKeys(t *testing.T, s blob.Store) {
	for _, key := range []string{"", ".", "/abs", "../up", "a/../b", "a//b", "a/./b", "a/", `a\b`} {
		if err := s.Put(t.Context(), key, strings.NewReader("x"), 1); !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("put %q: %v; want ErrInvalidKey", key, err)
		}
		if _, err := s.Open(t.Context(), key); !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("open %q: %v; want ErrInvalidKey", key, err)
		}
		if err := s.Delete(t.Context(), key); !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("delete %q: %v; want ErrInvalidKey", key, err)
		}
	}
}

// serveContent is how the app serves a thumbnail: ranges and conditional
// requests work on what Open returns.
func serveContent(t *testing.T, s blob.Store) {
	body := random(t, 50_000)
	put(t, s, "thumbs/1/5.jpg", body)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rd, err := s.Open(r.Context(), "thumbs/1/5.jpg")
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer rd.Close()
		http.ServeContent(w, r, "", rd.ModTime, rd)
	}))
	defer srv.Close()
	get := func(h http.Header) (*http.Response, []byte) {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL, nil)
		req.Header = h
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	resp, got := get(http.Header{})
	if resp.StatusCode != http.StatusOK || !bytes.Equal(got, body) {
		t.Fatalf("GET: %d, %d bytes; want 200 and %d bytes", resp.StatusCode, len(got), len(body))
	}
	lastMod := resp.Header.Get("Last-Modified")
	if lastMod == "" {
		t.Error("no Last-Modified")
	}
	resp, got = get(http.Header{"Range": {"bytes=1000-1999"}})
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(got, body[1000:2000]) {
		t.Errorf("range 1000-1999: %d, %d bytes; want 206 and the 1000 bytes from 1000", resp.StatusCode, len(got))
	}
	resp, got = get(http.Header{"Range": {"bytes=-10"}})
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(got, body[len(body)-10:]) {
		t.Errorf("suffix range: %d, %q", resp.StatusCode, got)
	}
	if lastMod != "" {
		resp, _ = get(http.Header{"If-Modified-Since": {lastMod}})
		if resp.StatusCode != http.StatusNotModified {
			t.Errorf("If-Modified-Since its own Last-Modified: %d, want 304", resp.StatusCode)
		}
	}
}

// concurrentPuts: writers racing on one key leave one whole version, and
// a reader meanwhile never sees a mixture.
func concurrentPuts(t *testing.T, s blob.Store) {
	const n, size = 6, 300_000
	put(t, s, "race", bytes.Repeat([]byte{'0'}, size))
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		wg.Go(func() {
			b := bytes.Repeat([]byte{byte('a' + i)}, size)
			if err := s.Put(t.Context(), "race", bytes.NewReader(b), size); err != nil {
				errs <- err
			}
		})
		wg.Go(func() {
			r, err := s.Open(t.Context(), "race")
			if err != nil {
				errs <- err
				return
			}
			defer r.Close()
			b, err := io.ReadAll(r)
			if errors.Is(err, blob.ErrChanged) {
				return // replaced mid-read, and said so: allowed
			}
			if err != nil {
				errs <- err
				return
			}
			if len(b) != size || len(bytes.Trim(b, string(b[:1]))) != 0 {
				errs <- fmt.Errorf("a reader saw %d bytes mixing versions", len(b))
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	got, _ := read(t, s, "race")
	if len(got) != size || len(bytes.Trim(got, string(got[:1]))) != 0 || got[0] == '0' {
		t.Errorf("after racing puts the blob is %d bytes starting %q: not one writer's whole version", len(got), got[:1])
	}
	if k := keys(t, s, ""); len(k) != 1 {
		t.Errorf("after racing puts the store lists %v; want only \"race\"", k)
	}
}

// cancelledPut: a put whose context ends stores nothing.
func cancelledPut(t *testing.T, s blob.Store) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := s.Put(ctx, "cancelled", bytes.NewReader([]byte("x")), 1); err == nil {
		t.Error("put with a cancelled context succeeded")
	}
	// Cancelled half way through the bytes.
	ctx, cancel = context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	go func() {
		pw.Write(random(t, 1000))
		cancel()
		pw.Write(random(t, 1000))
		pw.CloseWithError(errors.New("cancelled"))
	}()
	err := s.Put(ctx, "cancelled", pr, 2000)
	pr.Close() // unblocks the writer if the store stopped reading
	if err == nil {
		t.Error("put cancelled half way succeeded")
	}
	if _, err := s.Stat(t.Context(), "cancelled"); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("after cancelled puts, stat = %v; want ErrNotFound", err)
	}
	if k := keys(t, s, ""); len(k) != 0 {
		t.Errorf("cancelled puts left %v", k)
	}
}

// presign: a store that hands out URLs hands out working ones, for that
// key only.
func presign(t *testing.T, s blob.Store) {
	p, ok := s.(blob.Presigner)
	if !ok {
		t.Skipf("%s does not presign URLs", s.Describe())
	}
	body := random(t, 1234)
	put(t, s, "thumbs/9/9.jpg", body)
	u, err := p.PresignGet(t.Context(), "thumbs/9/9.jpg", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Equal(got, body) {
		t.Fatalf("GET presigned URL: %d, %d bytes; want 200 and %d bytes", resp.StatusCode, len(got), len(body))
	}
	// The signature covers the key: the same URL for another key is refused.
	put(t, s, "thumbs/9/8.jpg", body)
	other := strings.Replace(u, "thumbs/9/9.jpg", "thumbs/9/8.jpg", 1)
	if other == u {
		t.Fatalf("presigned URL %s does not name its key", u)
	}
	resp, err = http.Get(other)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a presigned URL edited to another key: %d; want 403", resp.StatusCode)
	}
}

// S3URL is the test S3-compatible server's TARGETVISION_BLOB_URL from
// TARGETVISION_TEST_S3_URL (.ci/run starts SeaweedFS and sets it, with
// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), narrowed to a key prefix
// of this test's own. Without it the test skips locally and fails in CI.
func S3URL(t testing.TB) string {
	t.Helper()
	raw := os.Getenv("TARGETVISION_TEST_S3_URL")
	if raw == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("TARGETVISION_TEST_S3_URL is not set: .ci/run starts an S3-compatible server for these tests")
		}
		t.Skip("TARGETVISION_TEST_S3_URL not set (bash .ci/run starts a SeaweedFS S3 server)")
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("TARGETVISION_TEST_S3_URL: %v", err)
	}
	q := u.Query()
	q.Set("prefix", "test-"+rand.Text()+"/")
	u.RawQuery = q.Encode()
	return u.String()
}

// S3Options are blob.Options for S3URL with the test server's credentials.
func S3Options(t testing.TB) blob.Options {
	return blob.Options{URL: S3URL(t), AccessKeyID: os.Getenv("AWS_ACCESS_KEY_ID"), SecretAccessKey: os.Getenv("AWS_SECRET_ACCESS_KEY")}
}
