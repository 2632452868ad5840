package blob_test

import (
	"crypto/rand"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/blob"
	"github.com/targetvision/targetvision/internal/blob/blobtest"
)

func openS3(t *testing.T, opts blob.Options) *blob.S3 {
	t.Helper()
	s, err := blob.Open(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return s.(*blob.S3)
}

// TestS3Conformance runs the suite on a real S3-compatible server.
func TestS3Conformance(t *testing.T) {
	t.Parallel()
	blobtest.S3URL(t) // skip or fail before the subtests when there is no server
	blobtest.Run(t, func(t *testing.T) blob.Store { return openS3(t, blobtest.S3Options(t)) })
}

// TestS3RefusesAnonymous makes the presign test mean something: the test
// server checks signatures, so an unsigned GET of a stored object fails.
func TestS3RefusesAnonymous(t *testing.T) {
	t.Parallel()
	opts := blobtest.S3Options(t)
	s := openS3(t, opts)
	if err := s.Put(t.Context(), "private.jpg", strings.NewReader("secret"), 6); err != nil {
		t.Fatal(err)
	}
	signed, err := s.PresignGet(t.Context(), "private.jpg", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(signed)
	u.RawQuery = ""
	resp, err := http.Get(u.String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("unsigned GET %s: %d; want 403", u, resp.StatusCode)
	}
	// Wrong credentials are refused too.
	opts.SecretAccessKey = "wrong" + opts.SecretAccessKey
	if _, err := blob.Open(t.Context(), opts); err == nil {
		t.Error("opened the bucket with a wrong secret key")
	}
}

// TestS3CreatesBucket: compose's first start finds no bucket and makes it.
func TestS3CreatesBucket(t *testing.T) {
	t.Parallel()
	opts := blobtest.S3Options(t)
	u, _ := url.Parse(opts.URL)
	u.Host = "tv-new-" + strings.ToLower(rand.Text()[:12])
	opts.URL = u.String()
	s := openS3(t, opts)
	if err := s.Put(t.Context(), "a", strings.NewReader("x"), 1); err != nil {
		t.Fatal(err)
	}
	if _, err := blob.Open(t.Context(), opts); err != nil {
		t.Errorf("second open of the created bucket: %v", err)
	}
}

// TestS3PublicEndpoint: presigned URLs name the address browsers use.
func TestS3PublicEndpoint(t *testing.T) {
	t.Parallel()
	opts := blobtest.S3Options(t)
	u, _ := url.Parse(opts.URL)
	q := u.Query()
	ep, _ := url.Parse(q.Get("endpoint"))
	pub := *ep
	pub.Host = strings.Replace(pub.Host, "127.0.0.1", "localhost", 1)
	if pub.Host == ep.Host {
		t.Skipf("endpoint %s is not on 127.0.0.1", ep)
	}
	q.Set("public_endpoint", pub.String())
	u.RawQuery = q.Encode()
	opts.URL = u.String()
	s := openS3(t, opts)
	if err := s.Put(t.Context(), "p.jpg", strings.NewReader("public"), 6); err != nil {
		t.Fatal(err)
	}
	signed, err := s.PresignGet(t.Context(), "p.jpg", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(signed, pub.String()) {
		t.Fatalf("presigned URL %s is not on the public endpoint %s", signed, pub.String())
	}
	resp, err := http.Get(signed)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(b) != "public" {
		t.Fatalf("GET %s: %d %q", signed, resp.StatusCode, b)
	}
}
