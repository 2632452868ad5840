// Package blob keeps a photo's derived files — thumbnails and analysis
// renditions — behind one small Store interface, so that any number of
// `serve` processes on any number of hosts see the same files: a directory
// (the data directory, the default) or an S3-compatible bucket chosen by
// TARGETVISION_BLOB_URL. One conformance suite (blobtest) runs on both.
//
// Keys are slash-separated relative paths ("thumbs/1/42.jpg"), the same
// strings the store keeps in a photo's row, so a data directory made before
// object storage existed is already a valid Dir store, and `blobs migrate`
// copies it key for key.
package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"net/url"
	"os"
	"strings"
	"time"
)

// ErrNotFound is returned (wrapped) for a key that holds nothing.
var ErrNotFound = errors.New("blob: not found")

// ErrInvalidKey is returned (wrapped) for a key that is not a clean,
// relative, slash-separated path.
var ErrInvalidKey = errors.New("blob: invalid key")

// ErrChanged is returned (wrapped) by a Reader whose blob was replaced
// while it was being read, where the store cannot go on reading the
// version it started with (S3); reading again gets the new version.
var ErrChanged = errors.New("blob: changed while being read")

// Store holds blobs by key. Implementations are safe for concurrent use; a
// Put is atomic: a reader sees the old content or the new, never a mixture
// (or, reading while it is replaced, fails with ErrChanged).
type Store interface {
	// Put stores r's bytes under key, replacing what was there. size is the
	// byte count if known (it must then match what r gives), else -1.
	Put(ctx context.Context, key string, r io.Reader, size int64) error
	// Open returns the blob for reading, seekable (http.ServeContent), with
	// its size and modification time. The caller closes it.
	Open(ctx context.Context, key string) (*Reader, error)
	// Stat says what is stored under key without reading it.
	Stat(ctx context.Context, key string) (Info, error)
	// Delete removes key; a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// List yields every blob whose key starts with prefix, in no promised
	// order; an error ends the sequence.
	List(ctx context.Context, prefix string) iter.Seq2[Info, error]
	// Describe names the store for logs and messages, without secrets.
	Describe() string
}

// Presigner is a Store that can hand out short-lived URLs from which a
// client fetches a blob directly (S3 presigned GETs): the app checks who
// asks, then redirects, and the bytes never pass through it.
type Presigner interface {
	PresignGet(ctx context.Context, key string, ttl time.Duration) (string, error)
	// PresignOrigin is the scheme://host[:port] those URLs start with, for
	// the web UI's Content-Security-Policy.
	PresignOrigin() string
}

// Info describes a stored blob.
type Info struct {
	Key     string
	Size    int64
	ModTime time.Time
}

// Reader is an open blob.
type Reader struct {
	io.ReadSeekCloser
	Info
}

// ValidKey reports whether key can name a blob: a non-empty, clean,
// relative, slash-separated path with no "." or ".." elements.
func ValidKey(key string) error {
	if key == "" || key == "." || !fs.ValidPath(key) || strings.Contains(key, `\`) {
		return fmt.Errorf("%w: %q", ErrInvalidKey, key)
	}
	return nil
}

// Options configure Open.
type Options struct {
	// URL is TARGETVISION_BLOB_URL: empty (or "file:///dir") for a directory,
	// "s3://bucket?endpoint=…&region=…&prefix=…" for an S3-compatible bucket.
	URL string
	// DataDir is the directory store's root when URL is empty.
	DataDir string
	// AccessKeyID, SecretAccessKey and SessionToken are the S3 credentials
	// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN); empty,
	// the instance's IAM role is asked.
	AccessKeyID, SecretAccessKey, SessionToken string
}

// Open opens the store opts name.
func Open(ctx context.Context, opts Options) (Store, error) {
	if opts.URL == "" {
		if opts.DataDir == "" {
			return nil, errors.New("blob: no data directory")
		}
		return NewDir(opts.DataDir), nil
	}
	u, err := url.Parse(opts.URL)
	if err != nil {
		return nil, fmt.Errorf("blob: TARGETVISION_BLOB_URL: %w", err)
	}
	switch u.Scheme {
	case "file":
		if u.Host != "" || u.Path == "" {
			return nil, fmt.Errorf("blob: TARGETVISION_BLOB_URL %q: want file:///absolute/dir", opts.URL)
		}
		return NewDir(u.Path), nil
	case "s3":
		return NewS3(ctx, u, S3Credentials{AccessKeyID: opts.AccessKeyID, SecretAccessKey: opts.SecretAccessKey, SessionToken: opts.SessionToken})
	}
	return nil, fmt.Errorf("blob: TARGETVISION_BLOB_URL %q: want s3://bucket?endpoint=… or file:///dir", redactURL(opts.URL))
}

// PutFile stores a local file's bytes under key.
func PutFile(ctx context.Context, s Store, key, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	return s.Put(ctx, key, f, st.Size())
}

// ctxReader stops a copy when its context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// redactURL drops anything secret-looking (user info) from a URL for messages.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User = nil
	return u.String()
}
