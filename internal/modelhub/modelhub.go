// Package modelhub downloads model files from a Hugging Face compatible hub
// (huggingface.co or a mirror named by HF_ENDPOINT) into a local directory,
// resuming interrupted downloads and verifying every file against the
// checksum the hub publishes, so a half-written or tampered weight file is
// never left where the model loader would pick it up.
package modelhub

import (
	"cmp"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/targetvision/targetvision/internal/clip"
)

// DefaultEndpoint is the public hub, used when Options.Endpoint is empty.
const DefaultEndpoint = "https://huggingface.co"

// Sentinel errors callers can test with errors.Is.
var (
	// ErrChecksum means a downloaded file does not match the published hash
	// or size; the partial file has been removed.
	ErrChecksum = errors.New("modelhub: checksum mismatch")
	// ErrNotFound means the hub has no such repository, revision or file.
	ErrNotFound = errors.New("modelhub: not found")
	// ErrHub means the hub answered with an unexpected status.
	ErrHub = errors.New("modelhub: unexpected hub response")
)

// Options configure Pull.
type Options struct {
	// Endpoint is the hub root (HF_ENDPOINT); default DefaultEndpoint.
	Endpoint string
	// Repo is "org/name", e.g. clip.DefaultModel.
	Repo string
	// Revision is a branch, tag or commit; default "main". The first file's
	// X-Repo-Commit pins the remaining files to the same commit.
	Revision string
	// Dir receives the files (created if needed).
	Dir string
	// Files to fetch; default clip.Files.
	Files []string
	// Progress, when set, receives a progress bar if it is a terminal and
	// plain progress lines otherwise.
	Progress io.Writer
	// Token, when set, is sent as a bearer token (HF_TOKEN, for gated repos).
	Token string
	// Client is the HTTP client; default one with a 30 s header timeout.
	Client *http.Client
	// Logger receives structured progress; default discard.
	Logger *slog.Logger
	// Retries is how many times an interrupted download is resumed; default
	// 3, negative for none.
	Retries int
	// OnProgress, when set, is told each file's phase and bytes as they
	// change (a caller that shows progress itself, such as the Settings
	// page); it is called from Pull's goroutine and must be quick.
	OnProgress func(FileProgress)
}

// FileProgress is where one file of a Pull stands.
type FileProgress struct {
	// File is the file's name in the repository.
	File string
	// Phase is PhaseDownloading, PhaseVerifying or PhaseDone.
	Phase string
	// Done is the bytes on disk; Total the file's size (-1 if the hub
	// does not say).
	Done, Total int64
}

// The phases of FileProgress.
const (
	PhaseDownloading = "downloading"
	PhaseVerifying   = "verifying"
	PhaseDone        = "done"
)

// report tells OnProgress, if set.
func (o Options) report(name, phase string, done, total int64) {
	if o.OnProgress != nil {
		o.OnProgress(FileProgress{File: name, Phase: phase, Done: done, Total: total})
	}
}

func (o *Options) validate() error {
	if o.Repo == "" || strings.Count(o.Repo, "/") != 1 {
		return fmt.Errorf("modelhub: repo %q must be org/name", o.Repo)
	}
	if o.Dir == "" {
		return errors.New("modelhub: no target directory")
	}
	o.Endpoint = strings.TrimRight(cmp.Or(o.Endpoint, DefaultEndpoint), "/")
	if _, err := url.Parse(o.Endpoint); err != nil {
		return fmt.Errorf("modelhub: endpoint: %w", err)
	}
	o.Revision = cmp.Or(o.Revision, "main")
	if len(o.Files) == 0 {
		o.Files = clip.Files
	}
	if o.Client == nil {
		o.Client = &http.Client{Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			ResponseHeaderTimeout: 30 * time.Second,
			TLSHandshakeTimeout:   15 * time.Second,
		}}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Retries == 0 {
		o.Retries = 3
	}
	return nil
}

// Pull downloads opts.Files of opts.Repo into opts.Dir. A file already
// present with the published checksum is kept; a partial download
// (name + ".part") is resumed with an HTTP Range request. On success it
// writes clip.SourceFile recording the repo and the resolved commit.
func Pull(ctx context.Context, opts Options) error {
	if err := opts.validate(); err != nil {
		return err
	}
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return fmt.Errorf("modelhub: %w", err)
	}
	rev := opts.Revision
	commit := ""
	for _, name := range opts.Files {
		meta, err := head(ctx, opts, rev, name)
		if err != nil {
			return err
		}
		if commit == "" && meta.commit != "" {
			commit = meta.commit
			rev = commit // every later file from the same snapshot
		}
		if err := fetch(ctx, opts, name, meta); err != nil {
			return err
		}
	}
	sums := map[string]clip.FileSum{}
	for _, name := range opts.Files {
		sum, err := fileSum(filepath.Join(opts.Dir, name))
		if err != nil {
			return err
		}
		sums[name] = sum
	}
	return writeSource(opts.Dir, clip.Source{Repo: opts.Repo, Revision: opts.Revision, Commit: commit, Files: sums})
}

func writeSource(dir string, s clip.Source) error {
	src, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("modelhub: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, clip.SourceFile), src, 0o600); err != nil {
		return fmt.Errorf("modelhub: %w", err)
	}
	return nil
}

// fileSum is path's size and sha256.
func fileSum(path string) (clip.FileSum, error) {
	f, err := os.Open(path)
	if err != nil {
		return clip.FileSum{}, fmt.Errorf("modelhub: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return clip.FileSum{}, fmt.Errorf("modelhub: %s: %w", path, err)
	}
	return clip.FileSum{Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// ErrNoChecksums means an imported checkpoint records no checksums (it was
// not downloaded by `models pull`), so only its loading can check it.
var ErrNoChecksums = errors.New("modelhub: no checksums recorded")

// Import installs a checkpoint copied from another machine: the files of
// files (default clip.Files) in src are copied into dst, each through a
// temporary file, and checked against the size and sha256 that `models
// pull` recorded in src's source file when it downloaded and verified
// them. A file that differs is ErrChecksum and nothing is installed. A
// source without checksums (a checkpoint from elsewhere) is installed and
// reported with ErrNoChecksums, for the caller to check by loading it.
func Import(ctx context.Context, src, dst string, files []string) (clip.Source, error) {
	if len(files) == 0 {
		files = clip.Files
	}
	var source clip.Source
	if b, err := os.ReadFile(filepath.Join(src, clip.SourceFile)); err == nil {
		if err := json.Unmarshal(b, &source); err != nil {
			return source, fmt.Errorf("modelhub: %s: %w", filepath.Join(src, clip.SourceFile), err)
		}
	}
	for _, name := range files {
		if _, err := os.Stat(filepath.Join(src, name)); err != nil {
			return source, fmt.Errorf("modelhub: import: %w", err)
		}
		want, ok := source.Files[name]
		if !ok {
			continue
		}
		got, err := fileSum(filepath.Join(src, name))
		if err != nil {
			return source, err
		}
		if got != want {
			return source, fmt.Errorf("%w: %s: size %d sha256 %s, recorded at download %d %s", ErrChecksum, name, got.Size, got.SHA256, want.Size, want.SHA256)
		}
	}
	if err := os.MkdirAll(dst, 0o700); err != nil {
		return source, fmt.Errorf("modelhub: %w", err)
	}
	for _, name := range files {
		if err := ctx.Err(); err != nil {
			return source, err
		}
		if err := copyFile(filepath.Join(src, name), filepath.Join(dst, name)); err != nil {
			return source, err
		}
	}
	if err := writeSource(dst, source); err != nil {
		return source, err
	}
	for _, name := range files {
		if _, ok := source.Files[name]; !ok {
			return source, ErrNoChecksums
		}
	}
	return source, nil
}

// copyFile copies src to dst through dst.part, so a reader never sees half.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("modelhub: %w", err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst+".part", os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("modelhub: %w", err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("modelhub: copy %s: %w", src, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("modelhub: %w", err)
	}
	if err := os.Rename(dst+".part", dst); err != nil {
		return fmt.Errorf("modelhub: %w", err)
	}
	return nil
}

// fileMeta is what the hub publishes about a file before sending it.
type fileMeta struct {
	location string // where the bytes are (CDN for LFS files)
	etag     string // sha256 (LFS) or git blob sha1, unquoted
	size     int64  // -1 if unknown
	commit   string
}

func resolveURL(opts Options, rev, name string) string {
	return opts.Endpoint + "/" + opts.Repo + "/resolve/" + url.PathEscape(rev) + "/" + name
}

func (o Options) newRequest(ctx context.Context, method, u string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return nil, fmt.Errorf("modelhub: %w", err)
	}
	req.Header.Set("User-Agent", "targetvision")
	req.Header.Set("Accept-Encoding", "identity") // sizes and hashes are of the raw bytes
	// The token goes to the hub only, never to the CDN it redirects to
	// (whose URLs are signed).
	if ep, err := url.Parse(o.Endpoint); o.Token != "" && err == nil && req.URL.Host == ep.Host {
		req.Header.Set("Authorization", "Bearer "+o.Token)
	}
	return req, nil
}

// head asks for a file's metadata without following the redirect to the
// CDN, as huggingface_hub does: the checksum headers are on the hub's own
// response.
func head(ctx context.Context, opts Options, rev, name string) (fileMeta, error) {
	u := resolveURL(opts, rev, name)
	req, err := opts.newRequest(ctx, http.MethodHead, u)
	if err != nil {
		return fileMeta{}, err
	}
	client := *opts.Client
	// Follow only same-host redirects (a renamed repository), never the
	// one to the CDN: the checksum headers are on the hub's own answer.
	client.CheckRedirect = func(r *http.Request, via []*http.Request) error {
		if len(via) >= 5 || r.URL.Host != via[0].URL.Host {
			return http.ErrUseLastResponse
		}
		return nil
	}
	resp, err := client.Do(req)
	if err != nil {
		return fileMeta{}, fmt.Errorf("modelhub: %s: %w", name, err)
	}
	resp.Body.Close()
	if err := statusErr(resp, name); err != nil {
		return fileMeta{}, err
	}
	u = resp.Request.URL.String()
	m := fileMeta{location: u, size: -1, commit: resp.Header.Get("X-Repo-Commit")}
	m.etag = normalizeETag(cmp.Or(resp.Header.Get("X-Linked-Etag"), resp.Header.Get("ETag")))
	// A redirect's Content-Length is that of its own body, so only
	// X-Linked-Size counts then.
	size := resp.Header.Get("X-Linked-Size")
	if size == "" && resp.StatusCode/100 == 2 {
		size = resp.Header.Get("Content-Length")
	}
	if n, err := strconv.ParseInt(size, 10, 64); err == nil {
		m.size = n
	}
	if resp.StatusCode/100 == 3 {
		loc, err := resp.Location()
		if err != nil {
			return fileMeta{}, fmt.Errorf("%w: %s: redirect without location", ErrHub, name)
		}
		m.location = loc.String()
	}
	return m, nil
}

func statusErr(resp *http.Response, name string) error {
	switch {
	case resp.StatusCode/100 == 2, resp.StatusCode/100 == 3:
		return nil
	case resp.StatusCode == http.StatusNotFound, resp.StatusCode == http.StatusUnauthorized && resp.Header.Get("X-Error-Code") == "RepoNotFound":
		return fmt.Errorf("%w: %s (%s %s)", ErrNotFound, name, cmp.Or(resp.Header.Get("X-Error-Code"), resp.Status), resp.Header.Get("X-Error-Message"))
	}
	return fmt.Errorf("%w: %s: %s %s", ErrHub, name, resp.Status, resp.Header.Get("X-Error-Message"))
}

// normalizeETag strips the weak prefix and quotes.
func normalizeETag(s string) string {
	s = strings.TrimPrefix(strings.TrimSpace(s), "W/")
	return strings.Trim(s, `"`)
}

// verifier hashes the bytes the way the hub's etag was computed: sha256 for
// LFS files (64 hex digits), git blob sha1 for regular files (40 hex digits).
type verifier struct {
	h    hash.Hash
	kind string
}

func newVerifier(etag string, size int64) (*verifier, error) {
	if _, err := hex.DecodeString(etag); err != nil {
		return nil, nil
	}
	switch len(etag) {
	case 64:
		return &verifier{h: sha256.New(), kind: "sha256"}, nil
	case 40:
		if size < 0 {
			return nil, nil // the blob header needs the size
		}
		h := sha1.New()
		fmt.Fprintf(h, "blob %d\x00", size)
		return &verifier{h: h, kind: "git-sha1"}, nil
	}
	return nil, nil
}

// fetch makes opts.Dir/name hold the verified file.
func fetch(ctx context.Context, opts Options, name string, meta fileMeta) error {
	final := filepath.Join(opts.Dir, filepath.FromSlash(name))
	part := final + ".part"
	log := opts.Logger.With("repo", opts.Repo, "file", name)
	ver, err := newVerifier(meta.etag, meta.size)
	if err != nil {
		return err
	}
	if ver == nil {
		log.WarnContext(ctx, "hub published no usable checksum; checking size only", "etag", meta.etag)
	}
	if fi, err := os.Stat(final); err == nil && (meta.size < 0 || fi.Size() == meta.size) {
		opts.report(name, PhaseVerifying, fi.Size(), meta.size)
	}
	if ok, err := alreadyHave(final, meta, ver); err != nil {
		return err
	} else if ok {
		log.InfoContext(ctx, "file up to date")
		progressLine(opts.Progress, name, "up to date")
		size := meta.size
		if fi, err := os.Stat(final); err == nil {
			size = fi.Size()
		}
		opts.report(name, PhaseDone, size, meta.size)
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(final), 0o700); err != nil {
		return fmt.Errorf("modelhub: %w", err)
	}
	var lastErr error
	for attempt := 0; attempt <= max(opts.Retries, 0); attempt++ {
		if attempt > 0 {
			log.WarnContext(ctx, "download interrupted, resuming", "attempt", attempt, "err", lastErr)
			select {
			case <-ctx.Done():
				return fmt.Errorf("modelhub: %s: %w", name, ctx.Err())
			case <-time.After(time.Duration(attempt-1) * 500 * time.Millisecond):
			}
		}
		lastErr = download(ctx, opts, name, part, meta)
		if lastErr == nil || errors.Is(lastErr, ErrNotFound) || ctx.Err() != nil {
			break
		}
	}
	if lastErr != nil {
		return lastErr
	}
	size := meta.size
	if fi, err := os.Stat(part); err == nil {
		size = fi.Size()
	}
	opts.report(name, PhaseVerifying, size, meta.size)
	if err := verify(part, meta, ver); err != nil {
		os.Remove(part)
		return fmt.Errorf("%w: %s: %v", ErrChecksum, name, err)
	}
	if err := os.Rename(part, final); err != nil {
		return fmt.Errorf("modelhub: %w", err)
	}
	opts.report(name, PhaseDone, size, meta.size)
	log.InfoContext(ctx, "file downloaded", "bytes", meta.size)
	return nil
}

// alreadyHave reports whether final exists with the published size and hash.
func alreadyHave(final string, meta fileMeta, ver *verifier) (bool, error) {
	fi, err := os.Stat(final)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("modelhub: %w", err)
	}
	if meta.size >= 0 && fi.Size() != meta.size {
		return false, nil
	}
	if ver == nil {
		return meta.size >= 0, nil
	}
	return verify(final, meta, ver) == nil, nil
}

// verify hashes path and compares it with the published etag.
func verify(path string, meta fileMeta, ver *verifier) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var h hash.Hash
	if ver != nil {
		v, _ := newVerifier(meta.etag, meta.size)
		h = v.h
	} else {
		h = sha256.New()
	}
	n, err := io.Copy(h, f)
	if err != nil {
		return err
	}
	if meta.size >= 0 && n != meta.size {
		return fmt.Errorf("size %d, hub says %d", n, meta.size)
	}
	if ver == nil {
		return nil
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != meta.etag {
		return fmt.Errorf("%s %s, hub publishes %s", ver.kind, got, meta.etag)
	}
	return nil
}

// download appends the missing bytes of the file to part.
func download(ctx context.Context, opts Options, name, part string, meta fileMeta) error {
	f, err := os.OpenFile(part, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("modelhub: %w", err)
	}
	defer f.Close()
	have, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return fmt.Errorf("modelhub: %w", err)
	}
	if meta.size >= 0 && have > meta.size {
		// Left over from another version of the file: start again.
		if err := f.Truncate(0); err != nil {
			return fmt.Errorf("modelhub: %w", err)
		}
		have = 0
	}
	if meta.size >= 0 && have == meta.size {
		return nil
	}
	req, err := opts.newRequest(ctx, http.MethodGet, meta.location)
	if err != nil {
		return err
	}
	if have > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", have))
	}
	resp, err := opts.Client.Do(req)
	if err != nil {
		return fmt.Errorf("modelhub: %s: %w", name, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		if have > 0 { // server ignored Range: rewrite from the start
			if err := f.Truncate(0); err != nil {
				return fmt.Errorf("modelhub: %w", err)
			}
			if _, err := f.Seek(0, io.SeekStart); err != nil {
				return fmt.Errorf("modelhub: %w", err)
			}
			have = 0
		}
	case http.StatusPartialContent:
		if !strings.HasPrefix(resp.Header.Get("Content-Range"), fmt.Sprintf("bytes %d-", have)) {
			return fmt.Errorf("%w: %s: Content-Range %q for a resume at %d", ErrHub, name, resp.Header.Get("Content-Range"), have)
		}
	case http.StatusRequestedRangeNotSatisfiable:
		if err := f.Truncate(0); err != nil {
			return fmt.Errorf("modelhub: %w", err)
		}
		return fmt.Errorf("%w: %s: range not satisfiable, restarting", ErrHub, name)
	default:
		if err := statusErr(resp, name); err != nil {
			return err
		}
		return fmt.Errorf("%w: %s: %s", ErrHub, name, resp.Status)
	}
	total := meta.size
	if total < 0 && resp.ContentLength >= 0 {
		total = have + resp.ContentLength
	}
	w := io.Writer(f)
	if opts.Progress != nil {
		pw := newProgress(opts.Progress, name, have, total)
		defer pw.finish()
		w = io.MultiWriter(w, pw)
	}
	if opts.OnProgress != nil {
		opts.report(name, PhaseDownloading, have, meta.size)
		w = io.MultiWriter(w, &reportWriter{opts: opts, name: name, done: have, total: meta.size})
	}
	if _, err := io.Copy(w, ctxReader{ctx, resp.Body}); err != nil {
		return fmt.Errorf("modelhub: %s: %w", name, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("modelhub: %w", err)
	}
	return nil
}

// reportWriter tells OnProgress of the bytes written so far.
type reportWriter struct {
	opts        Options
	name        string
	done, total int64
}

func (r *reportWriter) Write(b []byte) (int, error) {
	r.done += int64(len(b))
	r.opts.report(r.name, PhaseDownloading, r.done, r.total)
	return len(b), nil
}

// ctxReader stops a long body copy promptly when ctx is cancelled.
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

// progress renders a bar on terminals and "name: NN% (x / y MB)" lines at
// 10% steps elsewhere (logs, CI).
type progress struct {
	bar   *progressbar.ProgressBar
	out   io.Writer
	name  string
	done  int64
	total int64
	step  int64
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func newProgress(w io.Writer, name string, have, total int64) *progress {
	p := &progress{out: w, name: name, done: have, total: total, step: -1}
	if isTerminal(w) {
		p.bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription(name),
			progressbar.OptionShowBytes(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
		)
		_ = p.bar.Set64(have)
		return p
	}
	if have > 0 {
		fmt.Fprintf(w, "%s: resuming at %s\n", name, mb(have))
	}
	return p
}

func (p *progress) Write(b []byte) (int, error) {
	p.done += int64(len(b))
	if p.bar != nil {
		_ = p.bar.Add(len(b))
		return len(b), nil
	}
	if p.total > 0 {
		if s := p.done * 10 / p.total; s > p.step {
			p.step = s
			fmt.Fprintf(p.out, "%s: %d%% (%s / %s)\n", p.name, s*10, mb(p.done), mb(p.total))
		}
	}
	return len(b), nil
}

func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}

func progressLine(w io.Writer, name, msg string) {
	if w != nil {
		fmt.Fprintf(w, "%s: %s\n", name, msg)
	}
}

func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }
