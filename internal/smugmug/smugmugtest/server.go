// Package smugmugtest is a faithful in-process fake of SmugMug API v2 and
// its OAuth 1.0a endpoints for tests. It checks what SmugMug checks: every
// request's HMAC-SHA1 signature (recomputed from the request as received,
// query and form parameters included), nonce reuse and timestamp freshness,
// the token's permission for PATCH, the Accept header, and the literal `!`
// in paths. It answers with SmugMug's envelope and field names, paginates
// like SmugMug (start/count, Pages with NextPage), honours _filter and
// _shorturis, serves small real JPEGs as renditions and, to the owner's
// token only, originals at the ArchivedUri it lists. Tests edit, move and
// delete images and albums (timestamps move like SmugMug's), inject 401, 404,
// 429 and 5xx answers, and count requests.
//
// It also provides MemStore, an in-memory smugmug.Store.
package smugmugtest

import (
	"bytes"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/ratelimit"
	"github.com/targetvision/targetvision/internal/smugmug"
)

// Default consumer credentials the fake accepts.
const (
	ConsumerKey    = "test-api-key"
	ConsumerSecret = "test-api-secret"
)

// Options configures a Server. Zero values give the defaults.
type Options struct {
	// ConsumerKey and ConsumerSecret are the only application credentials
	// accepted. Default the package constants.
	ConsumerKey, ConsumerSecret string
	// MaxClockSkew is how far oauth_timestamp may be from the real clock.
	// Default 5 minutes.
	MaxClockSkew time.Duration
	// DefaultPageSize applies when a list request has no count. Default 50.
	DefaultPageSize int
	// MaxPageSize clamps count (RequestedCount reports the clamp). Default 100.
	MaxPageSize int
	// RateLimit, when positive, enforces SmugMug's window-based limit per
	// user: at most RateLimit API requests per RateWindow (default 1m), the
	// window starting with the first request after the previous one ended.
	// Every API response then carries X-RateLimit-Remaining and
	// X-RateLimit-Reset (Unix seconds), and excess requests get 429 with
	// Retry-After in seconds.
	RateLimit  int
	RateWindow time.Duration
	// Start is the fake's initial clock for SmugMug timestamps. Default
	// 2024-01-01T00:00:00Z. The clock advances one second per change.
	Start time.Time
}

// Server is the fake. All methods are safe for concurrent use.
type Server struct {
	URL string // root, e.g. http://127.0.0.1:41234

	opts Options
	ts   *httptest.Server

	mu        sync.Mutex
	clock     time.Time
	seq       int
	users     map[string]*user   // by nickname
	userOrder []string           // insertion order
	albums    map[string]*Album  // by key
	images    map[string]*Image  // by key
	tokens    map[string]*access // access tokens by token
	reqTokens map[string]*pending
	nonces    map[string]time.Time
	fault     func(Request) *Fault
	media     func(imageKey, size string) (body []byte, contentType string)
	log       []RequestRecord
	perPath   map[string]int
	authorize string // nickname that approves authorize requests without username
	windows   map[string]*rateWindow
}

type rateWindow struct {
	start time.Time
	n     int
}

type user struct {
	nick, name string
	albums     []string // keys, creation order
}

type access struct {
	nick, secret string
	perm         smugmug.Permission
	revoked      bool
}

type pending struct {
	secret, callback, verifier string
	nick                       string
	perm                       smugmug.Permission
	issued                     time.Time
	used                       bool
}

// Album is the fake's state of one album. Snapshots are returned by value.
type Album struct {
	Key, Owner, Name, URLName, Description, Keywords, Privacy, NodeID string
	FolderPath                                                        string // e.g. /Travel/2020; "" for the root
	Date, LastUpdated, ImagesLastUpdated                              time.Time
	Images                                                            []string // image keys in album order
}

// URLPath is the album's folder path plus URL name.
func (a Album) URLPath() string { return a.FolderPath + "/" + a.URLName }

// Image is the fake's state of one image. Snapshots are returned by value.
type Image struct {
	Key, AlbumKey                      string
	Serial                             int
	FileName, Title, Caption, Keywords string
	Format                             string
	Width, Height                      int
	Size                               int64
	MD5                                string
	Uploaded, Taken, LastUpdated       time.Time
	Latitude, Longitude                float64
	Altitude                           int
	IsVideo, Processing, Hidden        bool
	// NoOriginal is an image whose owner does not offer its original:
	// like SmugMug, the fake then lists no ArchivedUri, ArchivedSize or
	// ArchivedMD5 and answers its original's URL with 404.
	NoOriginal bool
	Patches    int // PATCH requests applied
}

// Request describes a received request to a Fault function.
type Request struct {
	N      int // 1-based sequence number over all requests
	Method string
	Path   string // raw path as sent
	Query  url.Values
	Token  string // oauth_token of the Authorization header, unverified
}

// Fault is an injected answer. Status 401, 404, 429, 5xx...; RetryAfter
// becomes the Retry-After header when set; Body replaces the JSON envelope
// (e.g. an HTML page) when set.
type Fault struct {
	Status     int
	RetryAfter string
	Body       string
	Location   string // sets the Location header (redirects)
}

// RequestRecord is one logged request.
type RequestRecord struct {
	// Time is when the fake received the request, on its request clock
	// (the wall clock; a synctest bubble's clock with InMemoryClient).
	Time   time.Time
	Method string
	Path   string
	Query  string
	Status int
	// Token is the request's oauth_token, unverified ("" for none).
	Token string
}

// New starts a fake server, closed when the test ends.
func New(t testing.TB, opts Options) *Server {
	t.Helper()
	s := Start(opts)
	t.Cleanup(s.Close)
	return s
}

// Start starts a fake server outside a test (examples, TestMain); the
// caller must Close it.
func Start(opts Options) *Server {
	if opts.ConsumerKey == "" {
		opts.ConsumerKey, opts.ConsumerSecret = ConsumerKey, ConsumerSecret
	}
	if opts.MaxClockSkew == 0 {
		opts.MaxClockSkew = 5 * time.Minute
	}
	if opts.DefaultPageSize == 0 {
		opts.DefaultPageSize = 50
	}
	if opts.MaxPageSize == 0 {
		opts.MaxPageSize = 100
	}
	if opts.RateWindow == 0 {
		opts.RateWindow = time.Minute
	}
	if opts.Start.IsZero() {
		opts.Start = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	s := &Server{
		opts:      opts,
		clock:     opts.Start.UTC(),
		users:     map[string]*user{},
		albums:    map[string]*Album{},
		images:    map[string]*Image{},
		tokens:    map[string]*access{},
		reqTokens: map[string]*pending{},
		nonces:    map[string]time.Time{},
		perPath:   map[string]int{},
		windows:   map[string]*rateWindow{},
	}
	s.ts = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	s.URL = s.ts.URL
	return s
}

// Close shuts the server down.
func (s *Server) Close() { s.ts.Close() }

// APIBase is the value for SMUGMUG_API_BASE.
func (s *Server) APIBase() string { return s.URL + "/api/v2" }

// OAuthBase is the value for SMUGMUG_OAUTH_BASE.
func (s *Server) OAuthBase() string { return s.URL + "/services/oauth/1.0a" }

// Config returns a client configuration pointed at the fake with its
// consumer credentials and an unlimited rate (set RequestsPerMinute to test
// limiting), short retry delays and buckets of its own, shared by the
// clients made with it.
func (s *Server) Config() smugmug.Config {
	return smugmug.Config{
		APIKey: s.opts.ConsumerKey, APISecret: s.opts.ConsumerSecret,
		APIBase: s.APIBase(), OAuthBase: s.OAuthBase(),
		RequestsPerMinute: -1, Budget: ratelimit.NewLocal(0, nil),
		RetryBaseDelay: time.Millisecond, MaxRetryDelay: 50 * time.Millisecond,
		HTTPClient: s.ts.Client(),
	}
}

// ---- state manipulation -------------------------------------------------

func (s *Server) tick() time.Time {
	s.clock = s.clock.Add(time.Second)
	return s.clock
}

// Now is the fake's current SmugMug clock.
func (s *Server) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clock
}

const keyAlphabet = "23456789BCDFGHJKLMNPQRSTVWXZbcdfghjkmnpqrstvwxz"

func (s *Server) newKey(n int) string {
	s.seq++
	v := s.seq
	b := make([]byte, n)
	for i := n - 1; i >= 0; i-- {
		b[i] = keyAlphabet[v%len(keyAlphabet)]
		v /= len(keyAlphabet)
	}
	return string(b)
}

// AddUser creates a user. The first user approves authorize requests that
// name no username.
func (s *Server) AddUser(nick, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[nick]; ok {
		return
	}
	s.users[nick] = &user{nick: nick, name: name}
	s.userOrder = append(s.userOrder, nick)
	if s.authorize == "" {
		s.authorize = nick
	}
}

// AddAlbum creates an album of nick in folder (e.g. "/Travel/2020", "" for
// the root) and returns its key.
func (s *Server) AddAlbum(nick, folder, name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[nick]
	if u == nil {
		panic("smugmugtest: no user " + nick)
	}
	now := s.tick()
	a := &Album{
		Key: s.newKey(6), Owner: nick, Name: name, URLName: urlName(name), FolderPath: folder,
		Privacy: "Public", Date: now, LastUpdated: now, ImagesLastUpdated: now,
	}
	a.NodeID = "n" + a.Key
	s.albums[a.Key] = a
	u.albums = append(u.albums, a.Key)
	return a.Key
}

func urlName(name string) string {
	f := strings.FieldsFunc(name, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	})
	for i := range f {
		f[i] = strings.ToUpper(f[i][:1]) + f[i][1:]
	}
	return strings.Join(f, "-")
}

// AddImage uploads an image described by im (Key, AlbumKey, timestamps and
// MD5 are filled in; zero Width/Height/Format get photo defaults) into
// albumKey and returns its key.
func (s *Server) AddImage(albumKey string, im Image) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addImageLocked(albumKey, im)
}

func (s *Server) addImageLocked(albumKey string, im Image) string {
	a := s.albums[albumKey]
	if a == nil {
		panic("smugmugtest: no album " + albumKey)
	}
	now := s.tick()
	im.Key = s.newKey(7)
	im.AlbumKey = albumKey
	if im.Format == "" {
		im.Format = "JPG"
		if im.IsVideo {
			im.Format = "MP4"
		}
	}
	if im.Width == 0 {
		im.Width, im.Height = 6000, 4000
	}
	if im.FileName == "" {
		im.FileName = "IMG_" + im.Key + "." + strings.ToLower(im.Format)
	}
	if im.Size == 0 {
		im.Size = int64(im.Width*im.Height) / 3
	}
	sum := md5.Sum([]byte(im.Key + strconv.Itoa(im.Serial)))
	im.MD5 = hex.EncodeToString(sum[:])
	im.Uploaded, im.LastUpdated = now, now
	cp := im
	s.images[im.Key] = &cp
	a.Images = append(a.Images, im.Key)
	a.ImagesLastUpdated = now
	return im.Key
}

// Generate fills nick's library with albums albums (created in folders of
// ten) holding imagesIn(i) images each, deterministic titles, captions,
// keywords, capture dates and locations, and returns the album keys.
func (s *Server) Generate(nick string, albums int, imagesIn func(i int) int) []string {
	keys := make([]string, albums)
	for i := range albums {
		keys[i] = s.AddAlbum(nick, fmt.Sprintf("/Folder-%d", i/10), fmt.Sprintf("%s album %d", nick, i))
		s.mu.Lock()
		for j := range imagesIn(i) {
			im := Image{
				Title:    fmt.Sprintf("Photo %d of album %d", j, i),
				Caption:  fmt.Sprintf("Caption %d/%d", i, j),
				Keywords: fmt.Sprintf("album%d; shot%d; %s", i, j, nick),
				Taken:    time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i*1000+j) * time.Minute),
			}
			if j%7 == 0 {
				im.Latitude, im.Longitude, im.Altitude = 46.4427+float64(i)/1000, -121.7785, 428
			}
			if j%3 == 0 {
				im.Width, im.Height = 1800, 1200 // smaller than 2200: fewer sizes
			}
			s.addImageLocked(keys[i], im)
		}
		s.mu.Unlock()
	}
	return keys
}

// EditImage changes an image's properties through f and bumps its
// LastUpdated, like an owner edit on SmugMug. Like SmugMug (spec §7) the
// album's timestamps do not move, so only a deep sync sees the edit.
func (s *Server) EditImage(key string, f func(*Image)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	im := s.images[key]
	if im == nil {
		panic("smugmugtest: no image " + key)
	}
	f(im)
	im.LastUpdated = s.tick()
}

// ReplaceImage uploads a new version of an image: Serial and MD5 change,
// LastUpdated and the album's ImagesLastUpdated move.
func (s *Server) ReplaceImage(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	im := s.images[key]
	now := s.tick()
	im.Serial++
	sum := md5.Sum([]byte(im.Key + strconv.Itoa(im.Serial)))
	im.MD5 = hex.EncodeToString(sum[:])
	im.LastUpdated = now
	s.albums[im.AlbumKey].ImagesLastUpdated = now
}

// MoveImage moves an image to another album; both albums' ImagesLastUpdated
// move.
func (s *Server) MoveImage(key, toAlbum string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	im := s.images[key]
	from, to := s.albums[im.AlbumKey], s.albums[toAlbum]
	if from == nil || to == nil {
		panic("smugmugtest: bad move")
	}
	now := s.tick()
	from.Images = remove(from.Images, key)
	to.Images = append(to.Images, key)
	from.ImagesLastUpdated, to.ImagesLastUpdated = now, now
	im.AlbumKey = toAlbum
}

// CollectImage shows an image in another album too (SmugMug's "collect"):
// the same ImageKey is listed by both albums; the image's own album stays.
func (s *Server) CollectImage(key, intoAlbum string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	to := s.albums[intoAlbum]
	if s.images[key] == nil || to == nil {
		panic("smugmugtest: bad collect")
	}
	to.Images = append(to.Images, key)
	to.ImagesLastUpdated = s.tick()
}

// RemoveFromAlbum takes an image out of an album it was collected into.
func (s *Server) RemoveFromAlbum(key, album string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.albums[album]
	a.Images = remove(a.Images, key)
	a.ImagesLastUpdated = s.tick()
}

// DeleteImage deletes an image from every album listing it; their
// ImagesLastUpdated move.
func (s *Server) DeleteImage(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.images[key] == nil {
		return
	}
	now := s.tick()
	for _, a := range s.albums {
		if slices.Contains(a.Images, key) {
			a.Images = remove(a.Images, key)
			a.ImagesLastUpdated = now
		}
	}
	delete(s.images, key)
}

// EditAlbum changes an album through f and bumps its LastUpdated.
func (s *Server) EditAlbum(key string, f func(*Album)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.albums[key]
	f(a)
	a.LastUpdated = s.tick()
}

// DeleteAlbum deletes an album and its images.
func (s *Server) DeleteAlbum(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.albums[key]
	if a == nil {
		return
	}
	for _, ik := range a.Images {
		if im := s.images[ik]; im != nil && im.AlbumKey == key {
			delete(s.images, ik)
			for _, other := range s.albums {
				other.Images = remove(other.Images, ik)
			}
		}
	}
	u := s.users[a.Owner]
	u.albums = remove(u.albums, key)
	delete(s.albums, key)
	s.tick()
}

func remove(list []string, key string) []string {
	out := list[:0:0]
	for _, k := range list {
		if k != key {
			out = append(out, k)
		}
	}
	return out
}

// ImageState returns a snapshot of an image.
func (s *Server) ImageState(key string) (Image, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	im, ok := s.images[key]
	if !ok {
		return Image{}, false
	}
	return *im, true
}

// AlbumState returns a snapshot of an album.
func (s *Server) AlbumState(key string) (Album, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.albums[key]
	if !ok {
		return Album{}, false
	}
	cp := *a
	cp.Images = append([]string(nil), a.Images...)
	return cp, true
}

// Images returns snapshots of all images of nick's albums, each once.
func (s *Server) Images(nick string) []Image {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Image
	seen := map[string]bool{}
	for _, ak := range s.users[nick].albums {
		for _, ik := range s.albums[ak].Images {
			if !seen[ik] {
				seen[ik] = true
				out = append(out, *s.images[ik])
			}
		}
	}
	return out
}

// AlbumKeys returns nick's album keys in creation order.
func (s *Server) AlbumKeys(nick string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.users[nick].albums...)
}

// IssueToken creates an access token for nick as if the OAuth dance had
// happened with the given permission.
func (s *Server) IssueToken(nick string, perm smugmug.Permission) smugmug.Token {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.users[nick] == nil {
		panic("smugmugtest: no user " + nick)
	}
	tok := smugmug.Token{Token: randHex(16), Secret: randHex(20)}
	s.tokens[tok.Token] = &access{nick: nick, secret: tok.Secret, perm: perm}
	return tok
}

// RevokeToken makes every later request with the token fail with 401, as
// when the user revokes the application in SmugMug's account settings.
func (s *Server) RevokeToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.tokens[token]; a != nil {
		a.revoked = true
	}
}

// TokenOwner reports the user and permission of an access token.
func (s *Server) TokenOwner(token string) (nick string, perm smugmug.Permission, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.tokens[token]
	if a == nil {
		return "", "", false
	}
	return a.nick, a.perm, true
}

// AuthorizeAs makes nick the user who approves authorize requests that
// carry no username parameter.
func (s *Server) AuthorizeAs(nick string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.authorize = nick
}

// SetFault installs f, consulted before every request is handled; a non-nil
// Fault is answered instead. nil removes it.
func (s *Server) SetFault(f func(Request) *Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fault = f
}

// EveryOther returns a fault function answering f to every second request.
func EveryOther(f Fault) func(Request) *Fault {
	return func(r Request) *Fault {
		if r.N%2 == 0 {
			return &f
		}
		return nil
	}
}

// FirstAttempt returns a fault function answering f to the first attempt
// of every distinct request (same token, method, path and query) and
// letting its retry through: exactly half of all requests fail, however
// many clients run at once.
func FirstAttempt(f Fault) func(Request) *Fault {
	var mu sync.Mutex
	seen := map[string]bool{}
	return func(r Request) *Fault {
		key := r.Token + " " + r.Method + " " + r.Path + "?" + r.Query.Encode()
		mu.Lock()
		defer mu.Unlock()
		if seen[key] {
			delete(seen, key)
			return nil
		}
		seen[key] = true
		return &f
	}
}

// SetMedia overrides the bytes served for renditions and originals
// (size "D"); nil restores the generated JPEGs and Original.
func (s *Server) SetMedia(f func(imageKey, size string) (body []byte, contentType string)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.media = f
}

// Requests returns the request log.
func (s *Server) Requests() []RequestRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]RequestRecord(nil), s.log...)
}

// RequestCount returns the number of requests received.
func (s *Server) RequestCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.log)
}

// PathCounts returns requests per raw path (query excluded).
func (s *Server) PathCounts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.perPath))
	for k, v := range s.perPath {
		out[k] = v
	}
	return out
}

// ResetCounts clears the request log and counters.
func (s *Server) ResetCounts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = nil
	s.perPath = map[string]int{}
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// ---- HTTP ---------------------------------------------------------------

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (s *Server) serveHTTP(rw http.ResponseWriter, r *http.Request) {
	w := &statusWriter{ResponseWriter: rw}
	path, rawQuery, _ := strings.Cut(r.RequestURI, "?")
	query, _ := url.ParseQuery(rawQuery)
	var token string
	if oauth, err := parseAuthHeader(r.Header.Get("Authorization")); err == nil {
		token = oauth.Get("oauth_token")
	}
	s.mu.Lock()
	s.log = append(s.log, RequestRecord{Time: time.Now(), Method: r.Method, Path: path, Query: rawQuery, Token: token})
	idx := len(s.log) - 1
	s.perPath[path]++
	fault := s.fault
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		if idx < len(s.log) {
			s.log[idx].Status = w.status
		}
		s.mu.Unlock()
	}()

	if fault != nil {
		if f := fault(Request{N: idx + 1, Method: r.Method, Path: path, Query: query, Token: token}); f != nil {
			s.writeFault(w, path, *f)
			return
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	switch {
	case strings.HasPrefix(path, "/services/oauth/1.0a/"):
		s.serveOAuth(w, r, strings.TrimPrefix(path, "/services/oauth/1.0a/"), query, body)
	case strings.HasPrefix(path, "/api/v2"):
		s.serveAPI(w, r, path, query, body)
	case strings.HasPrefix(path, "/photos/"):
		s.serveMedia(w, r, path, query, body)
	default:
		s.writeError(w, path, http.StatusNotFound, "Not Found")
	}
}

func (s *Server) writeFault(w http.ResponseWriter, path string, f Fault) {
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	if f.Location != "" {
		w.Header().Set("Location", f.Location)
	}
	if f.Body != "" {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(f.Status)
		io.WriteString(w, f.Body)
		return
	}
	msg := http.StatusText(f.Status)
	if f.Status == http.StatusTooManyRequests {
		msg = "Too Many Requests"
	}
	s.writeError(w, path, f.Status, msg)
}

// writeError answers with SmugMug's error envelope.
func (s *Server) writeError(w http.ResponseWriter, path string, status int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"Response": map[string]any{"Uri": path},
		"Code":     status,
		"Message":  msg,
	})
}

// authenticate verifies the OAuth 1.0a signature of r. tokenSecret looks up
// the secret of oauth_token ("" when the step has no token). It returns the
// decoded oauth parameters, or an oauth_problem.
func (s *Server) authenticate(r *http.Request, query url.Values, body []byte, tokenSecret func(token string) (string, bool)) (url.Values, string) {
	oauth, err := parseAuthHeader(r.Header.Get("Authorization"))
	if err != nil {
		return nil, "parameter_absent"
	}
	for _, k := range []string{"oauth_consumer_key", "oauth_nonce", "oauth_signature", "oauth_signature_method", "oauth_timestamp"} {
		if oauth.Get(k) == "" {
			return nil, "parameter_absent"
		}
	}
	if oauth.Get("oauth_consumer_key") != s.opts.ConsumerKey {
		return nil, "consumer_key_unknown"
	}
	if oauth.Get("oauth_signature_method") != "HMAC-SHA1" {
		return nil, "signature_method_rejected"
	}
	if v := oauth.Get("oauth_version"); v != "" && v != "1.0" {
		return nil, "version_rejected"
	}
	ts, err := strconv.ParseInt(oauth.Get("oauth_timestamp"), 10, 64)
	if err != nil {
		return nil, "timestamp_refused"
	}
	now := time.Now()
	if d := now.Sub(time.Unix(ts, 0)); d > s.opts.MaxClockSkew || d < -s.opts.MaxClockSkew {
		return nil, "timestamp_refused"
	}
	secret := ""
	if tok := oauth.Get("oauth_token"); tok != "" {
		sec, ok := tokenSecret(tok)
		if !ok {
			return nil, "token_rejected"
		}
		secret = sec
	}
	params := url.Values{}
	for k, vs := range query {
		params[k] = append(params[k], vs...)
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, "parameter_rejected"
		}
		for k, vs := range form {
			params[k] = append(params[k], vs...)
		}
	}
	for k, vs := range oauth {
		if k == "oauth_signature" || k == "realm" {
			continue
		}
		params[k] = append(params[k], vs...)
	}
	want := Sign(SignatureBase(r.Method, BaseURI(r), params), s.opts.ConsumerSecret, secret)
	if !hmacEqual(want, oauth.Get("oauth_signature")) {
		return nil, "signature_invalid"
	}
	nonceKey := oauth.Get("oauth_timestamp") + "/" + oauth.Get("oauth_nonce")
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, used := s.nonces[nonceKey]; used {
		return nil, "nonce_used"
	}
	if len(s.nonces) > 10000 {
		for k, t := range s.nonces {
			if now.Sub(t) > 2*s.opts.MaxClockSkew {
				delete(s.nonces, k)
			}
		}
	}
	s.nonces[nonceKey] = now
	return oauth, ""
}

func hmacEqual(a, b string) bool {
	return len(a) == len(b) && subtleEq([]byte(a), []byte(b))
}

func subtleEq(a, b []byte) bool {
	var v byte
	for i := range a {
		v |= a[i] ^ b[i]
	}
	return v == 0
}

// ---- OAuth endpoints ----------------------------------------------------

func oauthProblem(w http.ResponseWriter, status int, problem string) {
	w.Header().Set("Content-Type", "application/x-www-form-urlencoded")
	w.WriteHeader(status)
	io.WriteString(w, "oauth_problem="+problem)
}

func (s *Server) serveOAuth(w http.ResponseWriter, r *http.Request, step string, query url.Values, body []byte) {
	switch step {
	case "getRequestToken":
		if r.Method != http.MethodPost && r.Method != http.MethodGet {
			oauthProblem(w, http.StatusMethodNotAllowed, "method_not_allowed")
			return
		}
		oauth, problem := s.authenticate(r, query, body, func(string) (string, bool) { return "", false })
		if problem != "" {
			oauthProblem(w, http.StatusUnauthorized, problem)
			return
		}
		if oauth.Get("oauth_token") != "" {
			oauthProblem(w, http.StatusBadRequest, "parameter_rejected")
			return
		}
		cb := oauth.Get("oauth_callback")
		if cb == "" {
			oauthProblem(w, http.StatusBadRequest, "parameter_absent&oauth_parameters_absent=oauth_callback")
			return
		}
		tok, sec := randHex(12), randHex(16)
		s.mu.Lock()
		s.reqTokens[tok] = &pending{secret: sec, callback: cb, issued: time.Now()}
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/x-www-form-urlencoded")
		io.WriteString(w, url.Values{"oauth_token": {tok}, "oauth_token_secret": {sec}, "oauth_callback_confirmed": {"true"}}.Encode())
	case "authorize":
		s.serveAuthorize(w, r, query)
	case "getAccessToken":
		if r.Method != http.MethodPost && r.Method != http.MethodGet {
			oauthProblem(w, http.StatusMethodNotAllowed, "method_not_allowed")
			return
		}
		oauth, problem := s.authenticate(r, query, body, func(tok string) (string, bool) {
			s.mu.Lock()
			defer s.mu.Unlock()
			p := s.reqTokens[tok]
			if p == nil {
				return "", false
			}
			return p.secret, true
		})
		if problem != "" {
			oauthProblem(w, http.StatusUnauthorized, problem)
			return
		}
		s.mu.Lock()
		p := s.reqTokens[oauth.Get("oauth_token")]
		switch {
		case p == nil || p.used || time.Since(p.issued) > 5*time.Minute:
			s.mu.Unlock()
			oauthProblem(w, http.StatusUnauthorized, "token_expired")
			return
		case p.verifier == "" || oauth.Get("oauth_verifier") != p.verifier:
			s.mu.Unlock()
			oauthProblem(w, http.StatusUnauthorized, "verifier_invalid")
			return
		}
		p.used = true
		tok, sec := randHex(16), randHex(20)
		s.tokens[tok] = &access{nick: p.nick, secret: sec, perm: p.perm}
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/x-www-form-urlencoded")
		io.WriteString(w, url.Values{"oauth_token": {tok}, "oauth_token_secret": {sec}}.Encode())
	default:
		oauthProblem(w, http.StatusNotFound, "not_found")
	}
}

// serveAuthorize plays the user: it approves the request token at once as
// the username parameter's user (or AuthorizeAs's), then shows the PIN
// (oob) or redirects to the callback.
func (s *Server) serveAuthorize(w http.ResponseWriter, r *http.Request, query url.Values) {
	s.mu.Lock()
	p := s.reqTokens[query.Get("oauth_token")]
	nick := query.Get("username")
	if nick == "" {
		nick = s.authorize
	}
	if p == nil || p.used || s.users[nick] == nil {
		s.mu.Unlock()
		http.Error(w, "invalid or expired request token", http.StatusBadRequest)
		return
	}
	if query.Get("Access") != "Full" {
		s.mu.Unlock()
		http.Error(w, "this fake only grants Access=Full", http.StatusBadRequest)
		return
	}
	perm := smugmug.Permission(query.Get("Permissions"))
	switch perm {
	case "":
		perm = smugmug.PermissionRead
	case smugmug.PermissionRead, smugmug.PermissionModify, "Add":
	default:
		s.mu.Unlock()
		http.Error(w, "bad Permissions", http.StatusBadRequest)
		return
	}
	p.nick, p.perm = nick, perm
	n, _ := strconv.ParseUint(randHex(4), 16, 64)
	p.verifier = fmt.Sprintf("%06d", n%1000000)
	verifier, cb := p.verifier, p.callback
	s.mu.Unlock()
	if cb == "oob" {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<html><body><p>Your six-digit code:</p><p id=\"pin\">%s</p></body></html>", verifier)
		return
	}
	u, err := url.Parse(cb)
	if err != nil {
		http.Error(w, "bad callback", http.StatusBadRequest)
		return
	}
	q := u.Query()
	q.Set("oauth_token", query.Get("oauth_token"))
	q.Set("oauth_verifier", verifier)
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// Verifier returns the verifier of an approved request token (the PIN the
// user would read off SmugMug's page), or "".
func (s *Server) Verifier(requestToken string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.reqTokens[requestToken]; p != nil {
		return p.verifier
	}
	return ""
}

// ---- API ----------------------------------------------------------------

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request, path string, query url.Values, body []byte) {
	var who *access
	oauth, problem := s.authenticate(r, query, body, func(tok string) (string, bool) {
		s.mu.Lock()
		defer s.mu.Unlock()
		a := s.tokens[tok]
		if a == nil || a.revoked {
			return "", false
		}
		who = a
		return a.secret, true
	})
	if problem == "" && oauth.Get("oauth_token") == "" {
		problem = "token_rejected"
	}
	if problem != "" {
		s.writeError(w, path, http.StatusUnauthorized, "oauth_problem="+problem)
		return
	}
	if !strings.Contains(r.Header.Get("Accept"), "application/json") {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusNotAcceptable)
		io.WriteString(w, "<html><body>Live API Browser needs a browser</body></html>")
		return
	}
	if strings.Contains(strings.ToLower(path), "%21") {
		// SmugMug's routing of an escaped `!` is unverified: refuse it so the
		// client must send the literal character (spec §1.3).
		s.writeError(w, path, http.StatusNotFound, "Not Found")
		return
	}
	rest := strings.TrimPrefix(path, "/api/v2")
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.rateAllow(w, who.nick) {
		s.writeError(w, path, http.StatusTooManyRequests, "Too Many Requests")
		return
	}
	switch {
	case rest == "!authuser" && r.Method == http.MethodGet:
		s.writeObject(w, path, query, "User", "User", s.userFields(s.users[who.nick]))
	case strings.HasPrefix(rest, "/user/"):
		nick, sub, _ := strings.Cut(strings.TrimPrefix(rest, "/user/"), "!")
		u := s.users[nick]
		if u == nil || r.Method != http.MethodGet {
			s.writeError(w, path, http.StatusNotFound, "Not Found")
			return
		}
		switch sub {
		case "":
			s.writeObject(w, path, query, "User", "User", s.userFields(u))
		case "albums":
			items := make([]map[string]any, 0, len(u.albums))
			for _, k := range u.albums {
				items = append(items, s.albumFields(s.albums[k]))
			}
			s.writeList(w, path, query, "Album", "All of user's albums", "UserAlbums", items, nil)
		default:
			s.writeError(w, path, http.StatusNotFound, "Not Found")
		}
	case strings.HasPrefix(rest, "/node/"):
		id, sub, _ := strings.Cut(strings.TrimPrefix(rest, "/node/"), "!")
		if sub != "children" || r.Method != http.MethodPost {
			s.writeError(w, path, http.StatusNotFound, "Not Found")
			return
		}
		s.createNode(w, r, path, query, who, id, body)
	case strings.HasPrefix(rest, "/album/"):
		key, sub, _ := strings.Cut(strings.TrimPrefix(rest, "/album/"), "!")
		a := s.albums[key]
		if a != nil && sub == "collectimages" && r.Method == http.MethodPost {
			s.collectImages(w, r, path, query, who, a, body)
			return
		}
		if a == nil || r.Method != http.MethodGet {
			s.writeError(w, path, http.StatusNotFound, "Not Found")
			return
		}
		switch sub {
		case "":
			s.writeObject(w, path, query, "Album", "Album by key", s.albumFields(a))
		case "images":
			items := make([]map[string]any, 0, len(a.Images))
			for _, ik := range a.Images {
				items = append(items, s.imageFields(s.images[ik], a.Key))
			}
			var expand expandFunc
			if slices.Contains(strings.Split(query.Get("_expand"), ","), "ImageSizeDetails") {
				expand = func(i int) (string, map[string]any) {
					im := s.images[a.Images[i]]
					uri := "/api/v2/image/" + im.Key + "-" + strconv.Itoa(im.Serial) + "!sizedetails"
					return uri, map[string]any{
						"Uri": uri, "Locator": "ImageSizeDetails", "LocatorType": "Object",
						"UriDescription": "Sizes details for image", "EndpointType": "ImageSizeDetails",
						"ImageSizeDetails": s.sizeDetails(im),
					}
				}
			}
			s.writeList(w, path, query, "AlbumImage", "Images from album", "AlbumImages", items, expand)
		default:
			s.writeError(w, path, http.StatusNotFound, "Not Found")
		}
	case strings.HasPrefix(rest, "/image/"):
		ref, sub, _ := strings.Cut(strings.TrimPrefix(rest, "/image/"), "!")
		key, serial, _ := strings.Cut(ref, "-")
		im := s.images[key]
		if im == nil || serial != strconv.Itoa(im.Serial) {
			s.writeError(w, path, http.StatusNotFound, "Not Found")
			return
		}
		switch {
		case sub == "" && r.Method == http.MethodGet:
			s.writeObject(w, path, query, "Image", "Image by key", s.imageFields(im, ""))
		case sub == "" && r.Method == http.MethodPatch:
			s.patchImage(w, r, path, query, who, im, body)
		case sub == "sizedetails" && r.Method == http.MethodGet:
			s.writeObject(w, path, query, "ImageSizeDetails", "Sizes details for image", s.sizeDetails(im))
		default:
			s.writeError(w, path, http.StatusMethodNotAllowed, "Method Not Allowed")
		}
	default:
		s.writeError(w, path, http.StatusNotFound, "Not Found")
	}
}

// rateAllow counts a request against nick's window and sets the rate
// headers; false means the window is exhausted (429). Called with s.mu held.
func (s *Server) rateAllow(w http.ResponseWriter, nick string) bool {
	if s.opts.RateLimit <= 0 {
		return true
	}
	now := time.Now()
	win := s.windows[nick]
	if win == nil || now.Sub(win.start) >= s.opts.RateWindow {
		win = &rateWindow{start: now}
		s.windows[nick] = win
	}
	end := win.start.Add(s.opts.RateWindow)
	reset := end.Unix()
	if end.After(time.Unix(reset, 0)) {
		reset++ // round up: never tell a client to come back early
	}
	win.n++
	w.Header().Set("X-RateLimit-Limit", strconv.Itoa(s.opts.RateLimit))
	w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(max(s.opts.RateLimit-win.n, 0)))
	w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(reset, 10))
	if win.n > s.opts.RateLimit {
		w.Header().Set("Retry-After", strconv.FormatInt(max(reset-now.Unix(), 1), 10))
		return false
	}
	return true
}

// patchImage applies a write-back. Called with s.mu held.
func (s *Server) patchImage(w http.ResponseWriter, r *http.Request, path string, query url.Values, who *access, im *Image, body []byte) {
	owner := s.albums[im.AlbumKey].Owner
	if who.perm != smugmug.PermissionModify || who.nick != owner {
		s.writeError(w, path, http.StatusUnauthorized, "The user has not granted the required permissions")
		return
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		s.writeError(w, path, http.StatusBadRequest, "Bad Request: expected application/json")
		return
	}
	var fields map[string]any
	if err := json.Unmarshal(body, &fields); err != nil {
		s.writeError(w, path, http.StatusBadRequest, "Bad Request: "+err.Error())
		return
	}
	for k, v := range fields {
		str, ok := v.(string)
		if !ok {
			s.writeError(w, path, http.StatusBadRequest, "Bad Request: "+k+" must be a string")
			return
		}
		switch k {
		case "Title":
			im.Title = str
		case "Caption":
			im.Caption = str
		case "Keywords":
			im.Keywords = strings.Join(splitKeywords(str), "; ")
		default:
			s.writeError(w, path, http.StatusBadRequest, "Bad Request: field "+k+" is not writable here")
			return
		}
	}
	im.Patches++
	im.LastUpdated = s.tick()
	s.writeObject(w, path, query, "Image", "Image by key", s.imageFields(im, ""))
}

// mayAdd reports whether the token may create albums and add images
// (SmugMug's Add permission, or Modify, which includes it).
func mayAdd(who *access) bool {
	return who.perm == smugmug.PermissionAdd || who.perm == smugmug.PermissionModify
}

// urlNameOK is SmugMug's rule for a node's UrlName as the fake applies it:
// 1-60 letters, digits and hyphens, starting with a capital or a digit.
func urlNameOK(n string) bool {
	if n == "" || len(n) > 60 || !(n[0] >= 'A' && n[0] <= 'Z' || n[0] >= '0' && n[0] <= '9') {
		return false
	}
	for _, c := range n {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// createNode creates an album under the user's root folder node (POST
// /node/{id}!children). Called with s.mu held.
func (s *Server) createNode(w http.ResponseWriter, r *http.Request, path string, query url.Values, who *access, nodeID string, body []byte) {
	if !mayAdd(who) {
		s.writeError(w, path, http.StatusUnauthorized, "The user has not granted the required permissions")
		return
	}
	if nodeID != "root"+who.nick {
		// Only the root folder exists in the fake; another user's is not found.
		s.writeError(w, path, http.StatusNotFound, "Not Found")
		return
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		s.writeError(w, path, http.StatusBadRequest, "Bad Request: expected application/json")
		return
	}
	var f struct{ Type, Name, UrlName, Privacy string }
	if err := json.Unmarshal(body, &f); err != nil {
		s.writeError(w, path, http.StatusBadRequest, "Bad Request: "+err.Error())
		return
	}
	switch {
	case f.Type != "Album":
		s.writeError(w, path, http.StatusBadRequest, "Bad Request: Type must be Album here")
		return
	case strings.TrimSpace(f.Name) == "" || len(f.Name) > 255:
		s.writeError(w, path, http.StatusBadRequest, "Bad Request: Name is required (at most 255 characters)")
		return
	case !urlNameOK(f.UrlName):
		s.writeError(w, path, http.StatusBadRequest, "Bad Request: UrlName must start with a capital letter or a number and hold only letters, numbers and hyphens (at most 60)")
		return
	case f.Privacy != "" && f.Privacy != "Public" && f.Privacy != "Unlisted" && f.Privacy != "Private":
		s.writeError(w, path, http.StatusBadRequest, "Bad Request: Privacy must be Public, Unlisted or Private")
		return
	}
	u := s.users[who.nick]
	for _, k := range u.albums {
		if a := s.albums[k]; a.FolderPath == "" && strings.EqualFold(a.URLName, f.UrlName) {
			s.writeError(w, path, http.StatusConflict, "Conflict: a node named "+f.UrlName+" already exists here")
			return
		}
	}
	now := s.tick()
	a := &Album{Key: s.newKey(6), Owner: who.nick, Name: f.Name, URLName: f.UrlName, Privacy: cmpOr(f.Privacy, "Public"),
		Date: now, LastUpdated: now, ImagesLastUpdated: now}
	a.NodeID = "n" + a.Key
	s.albums[a.Key] = a
	u.albums = append(u.albums, a.Key)
	node := map[string]any{
		"NodeID": a.NodeID, "Name": a.Name, "Type": "Album", "UrlName": a.URLName, "UrlPath": a.URLPath(),
		"WebUri": "https://" + a.Owner + ".smugmug.test" + a.URLPath() + "/n-" + a.NodeID, "Privacy": a.Privacy,
		"DateAdded": ts(now), "DateModified": ts(now), "HasChildren": false, "IsRoot": false,
		"Uri": "/api/v2/node/" + a.NodeID, "UriDescription": "Node with the given id.",
		"Uris": map[string]string{"Album": "/api/v2/album/" + a.Key, "ParentNode": "/api/v2/node/root" + who.nick},
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"Request":  map[string]any{"Version": "v2", "Method": "POST", "Uri": path},
		"Response": map[string]any{"Uri": path, "Locator": "Node", "LocatorType": "Object", "UriDescription": "Node with the given id.", "EndpointType": "Node", "Node": applyShaping(node, query)},
		"Code":     http.StatusCreated, "Message": "Created",
	})
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// collectImages shows images in the album too (POST
// /album/{key}!collectimages, CollectUris in a JSON body; a query string is
// refused, as SmugMug does). Called with s.mu held.
func (s *Server) collectImages(w http.ResponseWriter, r *http.Request, path string, query url.Values, who *access, a *Album, body []byte) {
	if !mayAdd(who) {
		s.writeError(w, path, http.StatusUnauthorized, "The user has not granted the required permissions")
		return
	}
	if a.Owner != who.nick {
		s.writeError(w, path, http.StatusForbidden, "Forbidden")
		return
	}
	if query.Has("CollectUris") || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		s.writeError(w, path, http.StatusBadRequest, "Bad Request: CollectUris goes in a JSON body")
		return
	}
	var f struct{ CollectUris string }
	if err := json.Unmarshal(body, &f); err != nil || strings.TrimSpace(f.CollectUris) == "" {
		s.writeError(w, path, http.StatusBadRequest, "Bad Request: CollectUris is required")
		return
	}
	uris := strings.Split(f.CollectUris, ",")
	if len(uris) > smugmug.CollectBatch {
		s.writeError(w, path, http.StatusBadRequest, "Bad Request: too many CollectUris")
		return
	}
	var keys []string
	for _, u := range uris {
		u = strings.TrimSpace(u)
		ref, ok := strings.CutPrefix(u, "/api/v2/image/")
		if !ok {
			// An AlbumImage URI: /api/v2/album/{album}/image/{key}-{serial}.
			rest, found := strings.CutPrefix(u, "/api/v2/album/")
			var album string
			album, ref, found = strings.Cut(rest, "/image/")
			if !found || s.albums[album] == nil {
				s.writeError(w, path, http.StatusBadRequest, "Bad Request: "+u+" is not an image URI")
				return
			}
		}
		key, serial, _ := strings.Cut(ref, "-")
		im := s.images[key]
		if im == nil || serial != strconv.Itoa(im.Serial) || s.albums[im.AlbumKey].Owner != who.nick {
			s.writeError(w, path, http.StatusBadRequest, "Bad Request: "+u+" is not an image of this user")
			return
		}
		keys = append(keys, key)
	}
	for _, k := range keys {
		if !slices.Contains(a.Images, k) {
			a.Images = append(a.Images, k)
		}
	}
	a.ImagesLastUpdated = s.tick()
	s.writeEnvelope(w, "POST", map[string]any{"Uri": path, "UriDescription": "Collect images into album"}, nil)
}

func splitKeywords(s string) []string {
	var out []string
	for k := range strings.SplitSeq(s, ";") {
		if k = strings.TrimSpace(k); k != "" {
			out = append(out, k)
		}
	}
	return out
}

func ts(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05-07:00") }

func (s *Server) userFields(u *user) map[string]any {
	base := "/api/v2/user/" + u.nick
	return map[string]any{
		"NickName": u.nick, "Name": u.name, "WebUri": "https://" + u.nick + ".smugmug.test",
		"ResponseLevel": "Full", "Uri": base, "UriDescription": "User By Nickname",
		"Uris": map[string]string{"UserAlbums": base + "!albums", "Node": "/api/v2/node/root" + u.nick},
	}
}

func (s *Server) albumFields(a *Album) map[string]any {
	return map[string]any{
		"AlbumKey": a.Key, "Name": a.Name, "Title": a.Name, "UrlName": a.URLName, "UrlPath": a.URLPath(),
		"WebUri": "https://" + a.Owner + ".smugmug.test" + a.URLPath() + "/n-" + a.NodeID,
		"NodeID": a.NodeID, "Description": a.Description, "Keywords": a.Keywords, "Privacy": a.Privacy,
		"SecurityType": "None", "Date": ts(a.Date), "LastUpdated": ts(a.LastUpdated),
		"ImagesLastUpdated": ts(a.ImagesLastUpdated), "ImageCount": len(a.Images), "ResponseLevel": "Full",
		"Uri": "/api/v2/album/" + a.Key, "UriDescription": "Album by key",
		"Uris": map[string]string{"AlbumImages": "/api/v2/album/" + a.Key + "!images", "Node": "/api/v2/node/" + a.NodeID},
	}
}

// imageFields renders an Image, or an AlbumImage when listed in inAlbum.
func (s *Server) imageFields(im *Image, inAlbum string) map[string]any {
	ref := im.Key + "-" + strconv.Itoa(im.Serial)
	hash := im.MD5[:8]
	kw := splitKeywords(im.Keywords)
	if kw == nil {
		kw = []string{}
	}
	a := s.albums[im.AlbumKey]
	m := map[string]any{
		"ImageKey": im.Key, "Serial": im.Serial, "FileName": im.FileName, "Title": im.Title,
		"Caption": im.Caption, "Keywords": strings.Join(kw, "; "), "KeywordArray": kw,
		"Date": ts(im.Uploaded), "DateTimeUploaded": ts(im.Uploaded), "LastUpdated": ts(im.LastUpdated),
		"Format": im.Format, "OriginalWidth": im.Width, "OriginalHeight": im.Height, "OriginalSize": im.Size,
		"ThumbnailUrl": s.URL + "/photos/i-" + im.Key + "/" + strconv.Itoa(im.Serial) + "/" + hash + "/Th/i-" + im.Key + "-Th.jpg",
		"IsVideo":      im.IsVideo, "Hidden": im.Hidden, "Processing": im.Processing, "CanEdit": true,
		"Latitude": strconv.FormatFloat(im.Latitude, 'f', 14, 64), "Longitude": strconv.FormatFloat(im.Longitude, 'f', 14, 64),
		"Altitude": im.Altitude, "WebUri": "https://" + a.Owner + ".smugmug.test" + a.URLPath() + "/n-" + a.NodeID + "/i-" + im.Key,
		"Uri":                "/api/v2/image/" + ref,
		"Uris":               map[string]string{"Image": "/api/v2/image/" + ref, "ImageSizeDetails": "/api/v2/image/" + ref + "!sizedetails", "LargestImage": "/api/v2/image/" + ref + "!largestimage", "ImageMetadata": "/api/v2/image/" + ref + "!metadata"},
		"ComponentFileTypes": map[string][]string{"Image": {strings.ToLower(im.Format)}},
	}
	if !im.NoOriginal {
		// The untouched upload, at the "D" (download) size code.
		m["ArchivedUri"] = s.URL + "/photos/i-" + im.Key + "/" + strconv.Itoa(im.Serial) + "/" + hash + "/D/i-" + im.Key + "-D." + strings.ToLower(im.Format)
		m["ArchivedSize"], m["ArchivedMD5"] = int64(len(Original(im.Key))), im.MD5
	}
	if !im.Taken.IsZero() {
		m["DateTimeOriginal"] = ts(im.Taken)
	}
	if inAlbum != "" {
		m["Uri"] = "/api/v2/album/" + inAlbum + "/image/" + ref
		m["Movable"] = true
		m["Origin"] = "Album"
	}
	return m
}

// sizes SmugMug generates, by long edge; Ti and Th are square crops.
var sizeTable = []struct {
	name, code string
	edge       int
}{
	{"Tiny", "Ti", 100}, {"Thumb", "Th", 150}, {"Small", "S", 400}, {"Medium", "M", 600},
	{"Large", "L", 800}, {"XLarge", "XL", 1024}, {"X2Large", "X2", 1280}, {"X3Large", "X3", 1600},
	{"X4Large", "X4", 2048}, {"X5Large", "X5", 2560}, {"4K", "4K", 3840}, {"5K", "5K", 5120},
}

func (s *Server) sizeDetails(im *Image) map[string]any {
	prefix := s.URL + "/photos/i-" + im.Key + "/" + strconv.Itoa(im.Serial) + "/" + im.MD5[:8] + "/"
	long := max(im.Width, im.Height)
	out := map[string]any{"ImageUrlTemplate": prefix + "#size#/i-" + im.Key + "-#size#.jpg"}
	var usable []string
	for _, sz := range sizeTable {
		w, h := sz.edge, sz.edge
		if sz.code != "Ti" && sz.code != "Th" {
			if sz.edge > long {
				continue
			}
			if im.Width >= im.Height {
				h = im.Height * sz.edge / im.Width
			} else {
				w = im.Width * sz.edge / im.Height
			}
		}
		key := "ImageSize" + sz.name
		usable = append(usable, key)
		out[key] = map[string]any{
			"Url": prefix + sz.code + "/i-" + im.Key + "-" + sz.code + ".jpg", "Ext": "jpg",
			"Width": w, "Height": h, "Watermarked": false,
		}
	}
	out["UsableSizes"] = usable
	return out
}

// ---- envelope writers (called with s.mu held) ----------------------------

func applyShaping(obj map[string]any, query url.Values) map[string]any {
	if _, short := query["_shorturis"]; !short {
		if u, ok := obj["Uris"].(map[string]string); ok {
			long := make(map[string]any, len(u))
			for name, uri := range u {
				long[name] = map[string]any{"Uri": uri, "Locator": name, "LocatorType": "Object", "UriDescription": name, "EndpointType": name}
			}
			obj["Uris"] = long
		}
	}
	if f, ok := query["_filter"]; ok {
		keep := map[string]bool{}
		for name := range strings.SplitSeq(f[0], ",") {
			keep[strings.TrimSpace(name)] = true
		}
		out := make(map[string]any, len(keep))
		for k, v := range obj {
			if keep[k] {
				out[k] = v
			}
		}
		return out
	}
	return obj
}

func (s *Server) writeEnvelope(w http.ResponseWriter, method string, resp map[string]any, expansions map[string]any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	env := map[string]any{
		"Request":  map[string]any{"Version": "v2", "Method": method, "Uri": resp["Uri"]},
		"Response": resp,
		"Code":     200,
		"Message":  "Ok",
	}
	if len(expansions) > 0 {
		env["Expansions"] = expansions
	}
	resp["Timing"] = map[string]any{"Total": map[string]any{"time": 0.001, "cycles": 1, "objects": 0}}
	var buf bytes.Buffer
	_ = json.NewEncoder(&buf).Encode(env)
	w.Write(buf.Bytes())
}

func (s *Server) writeObject(w http.ResponseWriter, path string, query url.Values, locator, desc string, obj map[string]any) {
	s.writeEnvelope(w, "GET", map[string]any{
		"Uri": path, "Locator": locator, "LocatorType": "Object", "UriDescription": desc,
		"EndpointType": locator, locator: applyShaping(obj, query),
	}, nil)
}

// expandFunc returns the URI and the expansion object of the i-th item of
// a list, for _expand.
type expandFunc func(i int) (uri string, obj map[string]any)

func (s *Server) writeList(w http.ResponseWriter, path string, query url.Values, locator, desc, endpoint string, items []map[string]any, expand expandFunc) {
	start, count := 1, s.opts.DefaultPageSize
	if v, err := strconv.Atoi(query.Get("start")); err == nil && v >= 1 {
		start = v
	}
	if v, err := strconv.Atoi(query.Get("count")); err == nil && v >= 1 {
		count = v
	}
	count = min(count, s.opts.MaxPageSize)
	total := len(items)
	lo := min(start-1, total)
	hi := min(lo+count, total)
	page := make([]map[string]any, 0, hi-lo)
	for _, it := range items[lo:hi] {
		page = append(page, applyShaping(it, query))
	}
	pageURI := func(st int) string { return fmt.Sprintf("%s?start=%d&count=%d", path, st, count) }
	lastStart := 1
	if total > 0 {
		lastStart = ((total-1)/count)*count + 1
	}
	pg := map[string]any{
		"Total": total, "Start": start, "Count": len(page), "RequestedCount": count,
		"FirstPage": pageURI(1), "LastPage": pageURI(lastStart),
	}
	if hi < total {
		pg["NextPage"] = pageURI(hi + 1)
	}
	if start > 1 {
		pg["PrevPage"] = pageURI(max(1, start-count))
	}
	if (start-1)%count != 0 {
		pg["Misaligned"] = true
	}
	resp := map[string]any{
		"Uri": path, "Locator": locator, "LocatorType": "Objects", "UriDescription": desc,
		"EndpointType": endpoint, "Pages": pg,
	}
	if len(page) > 0 { // SmugMug omits the locator on an empty page
		resp[locator] = page
	}
	var expansions map[string]any
	if expand != nil {
		expansions = map[string]any{}
		for i := lo; i < hi; i++ {
			uri, obj := expand(i)
			expansions[uri] = obj
		}
	}
	s.writeEnvelope(w, "GET", resp, expansions)
}

// ---- media ----------------------------------------------------------------

func (s *Server) serveMedia(w http.ResponseWriter, r *http.Request, path string, query url.Values, body []byte) {
	var who *access
	_, problem := s.authenticate(r, query, body, func(tok string) (string, bool) {
		s.mu.Lock()
		defer s.mu.Unlock()
		a := s.tokens[tok]
		if a == nil || a.revoked {
			return "", false
		}
		who = a
		return a.secret, true
	})
	if problem != "" {
		http.Error(w, "oauth_problem="+problem, http.StatusUnauthorized)
		return
	}
	// /photos/i-KEY/SERIAL/HASH/SIZE/i-KEY-SIZE.ext
	parts := strings.Split(strings.TrimPrefix(path, "/photos/"), "/")
	if len(parts) != 5 || !strings.HasPrefix(parts[0], "i-") {
		http.NotFound(w, r)
		return
	}
	key, size := strings.TrimPrefix(parts[0], "i-"), parts[3]
	s.mu.Lock()
	im := s.images[key]
	ok := im != nil && parts[1] == strconv.Itoa(im.Serial) && parts[2] == im.MD5[:8]
	var owner string
	if ok {
		owner = s.albums[im.AlbumKey].Owner
		ok = size != "D" || !im.NoOriginal
	}
	media := s.media
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	if size == "D" && (who == nil || who.nick != owner) {
		// Only the owner's own token downloads an original.
		s.writeError(w, path, http.StatusForbidden, "Forbidden")
		return
	}
	var data []byte
	ct := "image/jpeg"
	switch {
	case media != nil:
		data, ct = media(key, size)
	case size == "D":
		data = Original(key)
	default:
		data = JPEG(key)
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Write(data)
}

// Original returns the original the fake keeps for an image key: a real
// JPEG, larger than and different from its renditions (JPEG).
func Original(key string) []byte {
	sum := md5.Sum([]byte("original:" + key))
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := range 48 {
		for x := range 64 {
			img.Set(x, y, color.RGBA{sum[0] ^ uint8(x*3), sum[1] ^ uint8(y*5), sum[2] ^ uint8(x*y), 255})
		}
	}
	var buf bytes.Buffer
	_ = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95})
	return buf.Bytes()
}

// JPEG returns a small real JPEG whose colour depends on seed.
func JPEG(seed string) []byte {
	sum := md5.Sum([]byte(seed))
	img := image.NewRGBA(image.Rect(0, 0, 24, 16))
	for y := range 16 {
		for x := range 24 {
			img.Set(x, y, color.RGBA{sum[0] + uint8(x*4), sum[1] + uint8(y*6), sum[2], 255})
		}
	}
	var buf bytes.Buffer
	_ = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80})
	return buf.Bytes()
}
