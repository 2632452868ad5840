package cliptest

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// HubFile is one file in a fake hub repository.
type HubFile struct {
	// Repo is "org/name".
	Repo string
	// Path is the file name inside the repository.
	Path string
	Data []byte
	// LFS marks files the real hub stores with Git LFS (weights): their
	// resolve URL redirects to a CDN and publishes the sha256 as X-Linked-Etag.
	LFS bool
}

// HubRequest records one request the fake hub served.
type HubRequest struct {
	Method string
	Path   string
	Range  string
}

// Hub is an httptest server that behaves like huggingface.co for file
// downloads: GET/HEAD /{repo}/resolve/{revision}/{path}.
//
//   - Regular files answer 200 with ETag = the git blob sha1, X-Repo-Commit,
//     Content-Length and Accept-Ranges.
//   - LFS files answer 302 to /cdn/{sha256} with X-Linked-Etag = "sha256",
//     X-Linked-Size, X-Repo-Commit and the pointer's ETag; the CDN serves the
//     bytes with Range support.
//   - Unknown repositories answer 401 (as the hub does, to not leak private
//     names) and unknown files or revisions 404, with X-Error-Code.
//
// Revision "main" and the commit hash both resolve.
type Hub struct {
	*httptest.Server
	// CDN serves LFS content on another host, as the real hub's CDN does,
	// so clients must not expect hub headers or credentials there.
	CDN     *httptest.Server
	commit  string
	renamed map[string]string

	mu        sync.Mutex
	files     map[string]*hubEntry // repo + "\x00" + path
	byHash    map[string]*hubEntry
	requests  []HubRequest
	interrupt map[string]int64
	corrupt   map[string]bool
	hold      map[string]hold
	releases  []func()
}

// hold is a file whose next download pauses after n bytes until open closes.
type hold struct {
	n    int64
	open chan struct{}
}

type hubEntry struct {
	HubFile
	sha256  string
	gitSHA1 string
}

// NewHub starts a fake hub serving files; it is closed when the test ends.
func NewHub(t testing.TB, files ...HubFile) *Hub {
	h := &Hub{
		files:     map[string]*hubEntry{},
		byHash:    map[string]*hubEntry{},
		interrupt: map[string]int64{},
		corrupt:   map[string]bool{},
		hold:      map[string]hold{},
		renamed:   map[string]string{},
	}
	commit := sha1.New()
	for _, f := range files {
		s := sha256.Sum256(f.Data)
		g := sha1.New()
		fmt.Fprintf(g, "blob %d\x00", len(f.Data))
		g.Write(f.Data)
		e := &hubEntry{HubFile: f, sha256: hex.EncodeToString(s[:]), gitSHA1: hex.EncodeToString(g.Sum(nil))}
		h.files[f.Repo+"\x00"+f.Path] = e
		h.byHash[e.sha256] = e
		commit.Write([]byte(f.Repo + f.Path + e.sha256))
	}
	h.commit = hex.EncodeToString(commit.Sum(nil))
	h.Server = httptest.NewServer(http.HandlerFunc(h.serve))
	// The CDN listens on a different port; give it a different host name
	// too (localhost vs 127.0.0.1) so redirects to it cross hosts.
	h.CDN = httptest.NewServer(http.HandlerFunc(h.serveCDN))
	h.CDN.URL = strings.Replace(h.CDN.URL, "127.0.0.1", "localhost", 1)
	t.Cleanup(h.Close)
	t.Cleanup(h.CDN.Close)
	t.Cleanup(h.releaseAll) // first: a held download must not keep Close waiting
	return h
}

// CheckpointFiles reads a checkpoint directory (as written by
// WriteCheckpoint) into hub files of repo, marking model.safetensors as LFS.
func CheckpointFiles(dir, repo string) ([]HubFile, error) {
	var out []HubFile
	for _, name := range []string{"config.json", "vocab.json", "merges.txt", "model.safetensors"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("cliptest: %w", err)
		}
		out = append(out, HubFile{Repo: repo, Path: name, Data: b, LFS: strings.HasSuffix(name, ".safetensors")})
	}
	return out, nil
}

// Commit is the commit hash the hub reports in X-Repo-Commit.
func (h *Hub) Commit() string { return h.commit }

// SHA256 returns the published sha256 of a file.
func (h *Hub) SHA256(repo, path string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if e := h.files[repo+"\x00"+path]; e != nil {
		return e.sha256
	}
	return ""
}

// InterruptNext makes the next download of path send only n bytes of the
// body and then drop the connection, as a flaky network would.
func (h *Hub) InterruptNext(path string, n int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.interrupt[path] = n
}

// Hold makes the next whole download of path send n bytes, then wait
// until release is called (or the client goes away) before the rest, so
// a test can watch a download under way. Release is also called when the
// test ends.
func (h *Hub) Hold(path string, n int64) (release func()) {
	open := make(chan struct{})
	var once sync.Once
	release = func() { once.Do(func() { close(open) }) }
	h.mu.Lock()
	h.hold[path] = hold{n: n, open: open}
	h.releases = append(h.releases, release)
	h.mu.Unlock()
	return release
}

func (h *Hub) releaseAll() {
	h.mu.Lock()
	rs := h.releases
	h.mu.Unlock()
	for _, r := range rs {
		r()
	}
}

// Corrupt makes every download of path flip one byte of the body while the
// published checksum stays that of the real content.
func (h *Hub) Corrupt(path string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.corrupt[path] = true
}

// Rename makes oldRepo answer with a relative 307 redirect to newRepo, as
// the hub does for renamed or moved repositories.
func (h *Hub) Rename(oldRepo, newRepo string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.renamed[oldRepo] = newRepo
}

// Requests returns the requests served so far (hub and CDN).
func (h *Hub) Requests() []HubRequest {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]HubRequest(nil), h.requests...)
}

func hubError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("X-Error-Code", code)
	w.Header().Set("X-Error-Message", msg)
	http.Error(w, msg, status)
}

func (h *Hub) record(r *http.Request) bool {
	h.mu.Lock()
	h.requests = append(h.requests, HubRequest{Method: r.Method, Path: r.URL.Path, Range: r.Header.Get("Range")})
	h.mu.Unlock()
	return r.Method == http.MethodGet || r.Method == http.MethodHead
}

// serveCDN serves LFS content by sha256 at /cdn/{sha256}.
func (h *Hub) serveCDN(w http.ResponseWriter, r *http.Request) {
	if !h.record(r) {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	hash, _ := strings.CutPrefix(r.URL.Path, "/cdn/")
	h.mu.Lock()
	e := h.byHash[hash]
	h.mu.Unlock()
	if e == nil {
		http.NotFound(w, r)
		return
	}
	if r.Header.Get("Authorization") != "" {
		// Signed CDN URLs carry their own authorisation; a forwarded hub
		// token would be leaked to another host.
		http.Error(w, "unexpected Authorization header", http.StatusBadRequest)
		return
	}
	w.Header().Set("ETag", `"`+e.sha256+`"`)
	h.sendBody(w, r, e)
}

func (h *Hub) serve(w http.ResponseWriter, r *http.Request) {
	if !h.record(r) {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	// /{org}/{name}/resolve/{revision}/{path...}
	parts := strings.SplitN(strings.TrimPrefix(r.URL.Path, "/"), "/", 5)
	if len(parts) < 5 || parts[2] != "resolve" {
		hubError(w, http.StatusNotFound, "EntryNotFound", "not a resolve URL")
		return
	}
	repo, rev, path := parts[0]+"/"+parts[1], parts[3], parts[4]
	h.mu.Lock()
	if to, ok := h.renamed[repo]; ok {
		h.mu.Unlock()
		http.Redirect(w, r, "/"+to+"/resolve/"+rev+"/"+path, http.StatusTemporaryRedirect)
		return
	}
	e := h.files[repo+"\x00"+path]
	known := false
	for k := range h.files {
		if strings.HasPrefix(k, repo+"\x00") {
			known = true
		}
	}
	h.mu.Unlock()
	switch {
	case !known:
		hubError(w, http.StatusUnauthorized, "RepoNotFound", "Repository not found")
		return
	case rev != "main" && rev != h.commit:
		hubError(w, http.StatusNotFound, "RevisionNotFound", "Invalid rev id: "+rev)
		return
	case e == nil:
		hubError(w, http.StatusNotFound, "EntryNotFound", "Entry not found")
		return
	}
	w.Header().Set("X-Repo-Commit", h.commit)
	if e.LFS {
		w.Header().Set("X-Linked-Etag", `"`+e.sha256+`"`)
		w.Header().Set("X-Linked-Size", strconv.Itoa(len(e.Data)))
		w.Header().Set("ETag", `"`+e.gitSHA1+`"`) // the LFS pointer's blob id
		http.Redirect(w, r, h.CDN.URL+"/cdn/"+e.sha256, http.StatusFound)
		return
	}
	w.Header().Set("ETag", `"`+e.gitSHA1+`"`)
	h.sendBody(w, r, e)
}

// sendBody serves e's bytes with Range support, applying any injected fault.
func (h *Hub) sendBody(w http.ResponseWriter, r *http.Request, e *hubEntry) {
	data := e.Data
	h.mu.Lock()
	cut, interrupt := h.interrupt[e.Path]
	if interrupt && r.Method == http.MethodGet {
		delete(h.interrupt, e.Path)
	}
	if h.corrupt[e.Path] {
		data = append([]byte(nil), data...)
		if len(data) > 0 {
			data[len(data)/2] ^= 0xff
		}
	}
	held, isHeld := h.hold[e.Path]
	if isHeld && r.Method == http.MethodGet && r.Header.Get("Range") == "" {
		delete(h.hold, e.Path)
	} else {
		isHeld = false
	}
	h.mu.Unlock()
	if isHeld {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		cut := min(held.n, int64(len(data)))
		w.Write(data[:cut])
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		select {
		case <-held.open:
		case <-r.Context().Done():
			return
		}
		w.Write(data[cut:])
		return
	}
	if !interrupt || r.Method != http.MethodGet {
		w.Header().Set("Content-Type", "application/octet-stream")
		http.ServeContent(w, r, "", time.Time{}, strings.NewReader(string(data)))
		return
	}
	start := int64(0)
	if rg := r.Header.Get("Range"); rg != "" {
		if v, ok := strings.CutPrefix(rg, "bytes="); ok {
			if s, _, ok := strings.Cut(v, "-"); ok {
				start, _ = strconv.ParseInt(s, 10, 64)
			}
		}
	}
	body := data[min(start, int64(len(data))):]
	w.Header().Set("Accept-Ranges", "bytes")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	if start > 0 {
		w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, len(data)-1, len(data)))
		w.WriteHeader(http.StatusPartialContent)
	}
	w.Write(body[:min(cut, int64(len(body)))])
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	panic(http.ErrAbortHandler) // drop the connection mid-body
}
