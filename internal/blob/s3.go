package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3 is a Store in an S3-compatible bucket (AWS S3, SeaweedFS, Garage,
// Ceph RGW, Cloudflare R2, Backblaze B2…), through minio-go.
type S3 struct {
	client  *minio.Client
	presign *minio.Client // signs URLs for the public endpoint
	origin  string        // scheme://host of presigned URLs
	bucket  string
	prefix  string
	desc    string
}

// S3Credentials are the access keys; empty, the IAM role of the instance
// or task is used.
type S3Credentials struct {
	AccessKeyID, SecretAccessKey, SessionToken string
}

// NewS3 opens the bucket u names:
//
//	s3://BUCKET?endpoint=URL&region=R&prefix=P&use_path_style=true&public_endpoint=URL
//
// endpoint defaults to AWS (https://s3.amazonaws.com); an http:// endpoint
// talks plain HTTP. region defaults to us-east-1. prefix is prepended to
// every key, so several deployments can share a bucket. use_path_style
// forces path-style requests (the default is the endpoint's usual style:
// virtual hosts for AWS, paths elsewhere). public_endpoint, when the
// address browsers use differs from the app's (a CDN or proxy in front),
// is the one presigned URLs name. A missing bucket is created.
func NewS3(ctx context.Context, u *url.URL, cred S3Credentials) (*S3, error) {
	bucket := u.Host
	if bucket == "" || (u.Path != "" && u.Path != "/") {
		return nil, fmt.Errorf("blob: %s: want s3://BUCKET?endpoint=…", redactURL(u.String()))
	}
	q := u.Query()
	for k := range q {
		switch k {
		case "endpoint", "region", "prefix", "use_path_style", "public_endpoint":
		default:
			return nil, fmt.Errorf("blob: %s: unknown parameter %q (want endpoint, region, prefix, use_path_style, public_endpoint)", redactURL(u.String()), k)
		}
	}
	region := q.Get("region")
	if region == "" {
		region = "us-east-1"
	}
	lookup := minio.BucketLookupAuto
	if v := q.Get("use_path_style"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, fmt.Errorf("blob: use_path_style=%q: want true or false", v)
		}
		if b {
			lookup = minio.BucketLookupPath
		} else {
			lookup = minio.BucketLookupDNS
		}
	}
	var creds *credentials.Credentials
	if cred.AccessKeyID != "" {
		creds = credentials.NewStaticV4(cred.AccessKeyID, cred.SecretAccessKey, cred.SessionToken)
	} else {
		creds = credentials.NewIAM("")
	}
	endpoint := q.Get("endpoint")
	if endpoint == "" {
		endpoint = "https://s3.amazonaws.com"
	}
	newClient := func(endpoint string) (*minio.Client, error) {
		host, secure, err := splitEndpoint(endpoint)
		if err != nil {
			return nil, err
		}
		c, err := minio.New(host, &minio.Options{Creds: creds, Secure: secure, Region: region, BucketLookup: lookup})
		if err != nil {
			return nil, fmt.Errorf("blob: endpoint %s: %w", endpoint, err)
		}
		return c, nil
	}
	client, err := newClient(endpoint)
	if err != nil {
		return nil, err
	}
	presign := client
	if pub := q.Get("public_endpoint"); pub != "" {
		if presign, err = newClient(pub); err != nil {
			return nil, err
		}
	}
	prefix := strings.TrimPrefix(q.Get("prefix"), "/")
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	if prefix != "" {
		if err := ValidKey(strings.TrimSuffix(prefix, "/")); err != nil {
			return nil, fmt.Errorf("blob: prefix: %w", err)
		}
	}
	s := &S3{client: client, presign: presign, bucket: bucket, prefix: prefix, desc: "s3 bucket " + bucket + " at " + endpoint}
	if prefix != "" {
		s.desc += " under " + prefix
	}
	if err := s.ensureBucket(ctx, region); err != nil {
		return nil, err
	}
	sample, err := s.PresignGet(ctx, "origin", time.Minute)
	if err != nil {
		return nil, err
	}
	su, err := url.Parse(sample)
	if err != nil {
		return nil, fmt.Errorf("blob: presigned URL: %w", err)
	}
	s.origin = su.Scheme + "://" + su.Host
	return s, nil
}

// splitEndpoint turns "http://host:port" (or a bare "host:port", taken
// as https) into minio's host and secure flag.
func splitEndpoint(endpoint string) (string, bool, error) {
	if !strings.Contains(endpoint, "://") {
		return endpoint, true, nil
	}
	e, err := url.Parse(endpoint)
	if err != nil || e.Host == "" || (e.Path != "" && e.Path != "/") || (e.Scheme != "http" && e.Scheme != "https") {
		return "", false, fmt.Errorf("blob: endpoint %q: want http(s)://host[:port]", endpoint)
	}
	return e.Host, e.Scheme == "https", nil
}

// ensureBucket creates the bucket when it does not exist (compose's
// first start), and says plainly when it cannot be reached.
func (s *S3) ensureBucket(ctx context.Context, region string) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("blob: %s: %w", s.desc, err)
	}
	if ok {
		return nil
	}
	err = s.client.MakeBucket(ctx, s.bucket, minio.MakeBucketOptions{Region: region})
	if err != nil {
		// Another process may have created it meanwhile.
		if code := minio.ToErrorResponse(err).Code; code == "BucketAlreadyOwnedByYou" || code == "BucketAlreadyExists" {
			return nil
		}
		return fmt.Errorf("blob: %s does not exist and could not be created: %w", s.desc, err)
	}
	return nil
}

// Describe implements Store.
func (s *S3) Describe() string { return s.desc }

func (s *S3) object(key string) (string, error) {
	if err := ValidKey(key); err != nil {
		return "", err
	}
	return s.prefix + key, nil
}

// Put implements Store.
func (s *S3) Put(ctx context.Context, key string, r io.Reader, size int64) error {
	name, err := s.object(key)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	ctype := mime.TypeByExtension(path.Ext(key))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	cr := &countingReader{r: ctxReader{ctx, r}}
	_, err = s.client.PutObject(ctx, s.bucket, name, cr, size, minio.PutObjectOptions{ContentType: ctype, PartSize: 8 << 20})
	if err != nil && minio.ToErrorResponse(err).StatusCode == http.StatusPreconditionFailed {
		// This put sets no conditions; a server that checks its own
		// (SeaweedFS guards its index) refuses the loser of two puts
		// racing on one key. The winner's whole version is in place, as
		// if this put had landed just before it: last writer wins.
		if _, serr := s.client.StatObject(ctx, s.bucket, name, minio.StatObjectOptions{}); serr == nil {
			err = nil
		}
	}
	if err != nil {
		return fmt.Errorf("blob: put %s: %w", key, s.mapErr(err))
	}
	if size >= 0 {
		// minio reads exactly size bytes: more in r means the size was wrong.
		var one [1]byte
		if n, _ := io.ReadFull(r, one[:]); n > 0 || cr.n != size {
			s.client.RemoveObject(context.WithoutCancel(ctx), s.bucket, name, minio.RemoveObjectOptions{})
			return fmt.Errorf("blob: put %s: the reader holds more than the %d bytes declared", key, size)
		}
	}
	return nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// Open implements Store. The object is read lazily: seeking (ranges)
// re-requests from the new offset.
func (s *S3) Open(ctx context.Context, key string) (*Reader, error) {
	name, err := s.object(key)
	if err != nil {
		return nil, err
	}
	obj, err := s.client.GetObject(ctx, s.bucket, name, minio.GetObjectOptions{})
	if err != nil {
		return nil, fmt.Errorf("blob: open %s: %w", key, s.mapErr(err))
	}
	st, err := obj.Stat()
	if err != nil {
		obj.Close()
		return nil, fmt.Errorf("blob: open %s: %w", key, s.mapErr(err))
	}
	return &Reader{ReadSeekCloser: s3Object{obj}, Info: Info{Key: key, Size: st.Size, ModTime: st.LastModified}}, nil
}

// s3Object reads an object, naming a replacement mid-read ErrChanged:
// minio-go pins every request after the first to the object's ETag.
type s3Object struct{ *minio.Object }

func (o s3Object) Read(p []byte) (int, error) {
	n, err := o.Object.Read(p)
	if err != nil && minio.ToErrorResponse(err).StatusCode == http.StatusPreconditionFailed {
		err = fmt.Errorf("%w (%v)", ErrChanged, err)
	}
	return n, err
}

// Stat implements Store.
func (s *S3) Stat(ctx context.Context, key string) (Info, error) {
	name, err := s.object(key)
	if err != nil {
		return Info{}, err
	}
	st, err := s.client.StatObject(ctx, s.bucket, name, minio.StatObjectOptions{})
	if err != nil {
		return Info{}, fmt.Errorf("blob: stat %s: %w", key, s.mapErr(err))
	}
	return Info{Key: key, Size: st.Size, ModTime: st.LastModified}, nil
}

// Delete implements Store.
func (s *S3) Delete(ctx context.Context, key string) error {
	name, err := s.object(key)
	if err != nil {
		return err
	}
	if err := s.client.RemoveObject(ctx, s.bucket, name, minio.RemoveObjectOptions{}); err != nil {
		if errors.Is(s.mapErr(err), ErrNotFound) {
			return nil
		}
		return fmt.Errorf("blob: delete %s: %w", key, s.mapErr(err))
	}
	return nil
}

// List implements Store.
func (s *S3) List(ctx context.Context, prefix string) iter.Seq2[Info, error] {
	return func(yield func(Info, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel() // stops minio's listing goroutine when the caller stops early
		for o := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.prefix + prefix, Recursive: true}) {
			if o.Err != nil {
				yield(Info{}, fmt.Errorf("blob: list %s: %w", prefix, s.mapErr(o.Err)))
				return
			}
			if strings.HasSuffix(o.Key, "/") {
				continue // a "directory" marker some tools create
			}
			if !yield(Info{Key: strings.TrimPrefix(o.Key, s.prefix), Size: o.Size, ModTime: o.LastModified}, nil) {
				return
			}
		}
	}
}

// PresignGet implements Presigner: a URL valid for ttl that GETs key.
func (s *S3) PresignGet(ctx context.Context, key string, ttl time.Duration) (string, error) {
	name, err := s.object(key)
	if err != nil {
		return "", err
	}
	u, err := s.presign.PresignedGetObject(ctx, s.bucket, name, ttl, url.Values{})
	if err != nil {
		return "", fmt.Errorf("blob: presign %s: %w", key, err)
	}
	return u.String(), nil
}

// PresignOrigin implements Presigner.
func (s *S3) PresignOrigin() string { return s.origin }

// mapErr makes S3's "no such key" ErrNotFound.
func (s *S3) mapErr(err error) error {
	resp := minio.ToErrorResponse(err)
	if resp.Code == "NoSuchKey" || resp.StatusCode == http.StatusNotFound && resp.Code != "NoSuchBucket" {
		return fmt.Errorf("%w (%v)", ErrNotFound, err)
	}
	return err
}
