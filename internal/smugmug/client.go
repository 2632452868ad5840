package smugmug

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/dghubble/oauth1"
)

// Client calls SmugMug API v2 for one account, signing every request with
// the account's access token, sharing the account's rate budget with every
// other client of the same account in the process, and retrying 429, 5xx and
// network failures with exponential backoff that honours Retry-After.
// A Client is safe for concurrent use.
type Client struct {
	cfg    Config
	http   *http.Client
	origin string         // scheme://host of the API, for the API's own /api/v2/... URIs
	base   string         // APIBase without a trailing slash
	budget *accountBudget // nil: unlimited
	log    *slog.Logger

	// Seams for white-box tests; never nil.
	sleep  func(context.Context, time.Duration) error
	now    func() time.Time
	jitter func() float64
}

// NewClient returns a client for the account tok belongs to.
func NewClient(cfg Config, tok Token) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if tok.Token == "" || tok.Secret == "" {
		return nil, errors.New("smugmug: client: access token and secret are required")
	}
	cfg = cfg.withDefaults()
	base := strings.TrimRight(cfg.APIBase, "/")
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("smugmug: client: API base: %w", err)
	}
	oc := oauth1.NewConfig(cfg.APIKey, cfg.APISecret)
	// oauth1 takes its base transport from a context value; this context
	// carries only that value and never governs a request's lifetime.
	carrier := context.WithValue(context.Background(), oauth1.HTTPClient, cfg.HTTPClient)
	signed := oc.Client(carrier, oauth1.NewToken(tok.Token, tok.Secret))
	signed.Timeout = cfg.HTTPClient.Timeout
	signed.Jar = cfg.HTTPClient.Jar
	// Follow redirects of reads only: Go would turn a redirected PATCH into
	// a GET whose 200 would pass for a successful write.
	signed.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if m := via[0].Method; m != http.MethodGet && m != http.MethodHead {
			return http.ErrUseLastResponse
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	return &Client{
		cfg:    cfg,
		http:   signed,
		origin: u.Scheme + "://" + u.Host,
		base:   base,
		budget: newAccountBudget(cfg, tok.Token),
		log:    cfg.Logger,
		sleep:  sleepCtx,
		now:    time.Now,
		jitter: rand.Float64,
	}, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// resolve turns an API URI (/api/v2/...), a path relative to the API base
// (!authuser, /user/x) or an absolute URL into an absolute URL string. The
// result is always parsed from a string, never assembled into url.URL.Path,
// so `!` travels literally (spec §1.3).
func (c *Client) resolve(ref string) string {
	switch {
	case strings.HasPrefix(ref, "http://"), strings.HasPrefix(ref, "https://"):
		return ref
	case strings.HasPrefix(ref, "/api/"):
		return c.origin + ref
	default:
		return c.base + ref
	}
}

// request describes one logical API call.
type request struct {
	method   string
	ref      string // see resolve
	query    url.Values
	body     []byte // JSON
	limited  bool   // counts against the account's rate budget
	retry404 bool   // list pages: SmugMug sometimes 404s mid-walk
	accept   string
	// once marks a write that must not be repeated blindly: a POST that
	// failed with a 5xx, a timeout or a broken connection may have been
	// applied, so only a 429 (refused, never applied) is retried.
	once bool
}

// send performs req with rate limiting and retries and returns a 2xx
// response whose body the caller must close.
func (c *Client) send(ctx context.Context, req request) (*http.Response, error) {
	target := c.resolve(req.ref)
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("smugmug: bad URL: %w", err)
	}
	if len(req.query) > 0 {
		q := u.Query()
		for k, vs := range req.query {
			q[k] = vs
		}
		u.RawQuery = q.Encode()
	}
	full := u.String()
	path := u.EscapedPath()
	accept := cmp.Or(req.accept, "application/json")
	var lastErr error
	for attempt := 1; ; attempt++ {
		if req.limited {
			if err := c.budget.wait(ctx, c.sleep); err != nil {
				return nil, fmt.Errorf("smugmug: %s %s: rate limit wait: %w", req.method, path, err)
			}
		}
		var body io.Reader
		if req.body != nil {
			body = bytes.NewReader(req.body)
		}
		hreq, err := http.NewRequestWithContext(ctx, req.method, full, body)
		if err != nil {
			return nil, fmt.Errorf("smugmug: %s %s: %w", req.method, path, err)
		}
		hreq.Header.Set("Accept", accept)
		if req.body != nil {
			hreq.Header.Set("Content-Type", "application/json")
		}
		resp, err := c.http.Do(hreq)
		var delay time.Duration
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("smugmug: %s %s: %w", req.method, path, ctx.Err())
			}
			lastErr = fmt.Errorf("smugmug: %s %s: %w", req.method, path, err)
			if req.once {
				return nil, lastErr
			}
			delay = c.backoff(attempt)
		} else {
			c.observeRateHeaders(ctx, resp)
			if resp.StatusCode < 300 {
				return resp, nil
			}
			apiErr := readAPIError(resp, req.method, path, c.now())
			apiErr.Attempts = attempt
			lastErr = apiErr
			retryable := apiErr.Temporary() || (req.retry404 && apiErr.StatusCode == http.StatusNotFound && attempt < 3)
			if req.once {
				retryable = apiErr.StatusCode == http.StatusTooManyRequests
			}
			if !retryable {
				return nil, apiErr
			}
			delay = max(apiErr.RetryAfter, c.backoff(attempt))
		}
		if attempt >= c.cfg.MaxAttempts {
			return nil, lastErr
		}
		delay = min(delay, c.cfg.MaxRetryDelay)
		c.log.WarnContext(ctx, "smugmug request will be retried",
			slog.String("method", req.method), slog.String("path", path),
			slog.Int("attempt", attempt), slog.Duration("delay", delay), slog.Any("err", lastErr))
		if err := c.sleep(ctx, delay); err != nil {
			return nil, fmt.Errorf("smugmug: %s %s: %w", req.method, path, err)
		}
	}
}

// backoff is RetryBaseDelay·2^(attempt-1), jittered to [½, 1] of that.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.cfg.RetryBaseDelay << min(attempt-1, 16)
	if d <= 0 || d > c.cfg.MaxRetryDelay {
		d = c.cfg.MaxRetryDelay
	}
	return d/2 + time.Duration(c.jitter()*float64(d/2))
}

// observeRateHeaders pauses the account when SmugMug says its window is
// used up (X-RateLimit-Remaining: 0) until X-RateLimit-Reset.
func (c *Client) observeRateHeaders(ctx context.Context, resp *http.Response) {
	if resp.Header.Get("X-RateLimit-Remaining") != "0" {
		return
	}
	reset, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64)
	if err != nil {
		return
	}
	until := time.Unix(reset, 0)
	if limit := c.now().Add(c.cfg.MaxRetryDelay); until.After(limit) {
		until = limit
	}
	if err := c.budget.pause(ctx, until); err != nil {
		c.log.WarnContext(ctx, "smugmug: record the rate-limit pause", slog.Any("err", err))
	}
}

// readAPIError consumes a non-2xx response.
func readAPIError(resp *http.Response, method, path string, now time.Time) *APIError {
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	e := &APIError{Method: method, Path: path, StatusCode: resp.StatusCode, Code: resp.StatusCode}
	var env envelope
	if isJSON(resp.Header.Get("Content-Type")) && json.Unmarshal(b, &env) == nil && (env.Code != 0 || env.Message != "") {
		e.Code = cmp.Or(env.Code, resp.StatusCode)
		e.Message = env.Message
	} else {
		e.Message = truncate(strings.TrimSpace(string(b)), 200)
	}
	e.RetryAfter = retryAfter(resp.Header, now)
	return e
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// retryAfter reads Retry-After (seconds or HTTP date), else the end of the
// rate-limit window (X-RateLimit-Reset) on a 429.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
			return time.Duration(secs) * time.Second
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(t.Sub(now), 0)
		}
	}
	if reset, err := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64); err == nil {
		return max(time.Unix(reset, 0).Sub(now), 0)
	}
	return 0
}

func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// response is the part of the envelope's Response the client reads.
type response struct {
	Locator    string
	Pages      *pages
	fields     map[string]json.RawMessage
	expansions map[string]json.RawMessage
}

// getJSON sends req and decodes the envelope's Response.
func (c *Client) getJSON(ctx context.Context, req request) (response, error) {
	resp, err := c.send(ctx, req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	path := resp.Request.URL.EscapedPath()
	if !isJSON(resp.Header.Get("Content-Type")) {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return response{}, &APIError{Method: req.method, Path: path, StatusCode: resp.StatusCode,
			Message: "unexpected content type " + resp.Header.Get("Content-Type") + ": " + truncate(string(b), 200)}
	}
	var env envelope
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		return response{}, fmt.Errorf("smugmug: %s %s: decode: %w", req.method, path, err)
	}
	r := response{expansions: env.Expansions}
	if err := json.Unmarshal(env.Response, &r.fields); err != nil {
		return response{}, fmt.Errorf("smugmug: %s %s: decode Response: %w", req.method, path, err)
	}
	if raw, ok := r.fields["Locator"]; ok {
		_ = json.Unmarshal(raw, &r.Locator)
	}
	if raw, ok := r.fields["Pages"]; ok {
		r.Pages = new(pages)
		if err := json.Unmarshal(raw, r.Pages); err != nil {
			return response{}, fmt.Errorf("smugmug: %s %s: decode Pages: %w", req.method, path, err)
		}
	}
	return r, nil
}

// object decodes the payload Response[Locator] into v.
func (r response) object(v any) error {
	raw, ok := r.fields[r.Locator]
	if !ok {
		return fmt.Errorf("smugmug: response has no %q payload", r.Locator)
	}
	return json.Unmarshal(raw, v)
}

// list walks every page of a list endpoint, calling each for every item.
// It follows NextPage until it is absent (or a page is empty), keeping its
// own shaping parameters and taking only start/count from NextPage.
func (c *Client) list(ctx context.Context, ref string, q url.Values, each func(item json.RawMessage, expansions map[string]json.RawMessage) error) error {
	start := 1
	for pageNo := 1; ; pageNo++ {
		pq := url.Values{}
		for k, v := range q {
			pq[k] = v
		}
		pq.Set("start", strconv.Itoa(start))
		pq.Set("count", strconv.Itoa(c.cfg.PageSize))
		r, err := c.getJSON(ctx, request{method: http.MethodGet, ref: ref, query: pq, limited: true, retry404: true})
		if err != nil {
			return err
		}
		var items []json.RawMessage
		if raw, ok := r.fields[r.Locator]; ok && r.Locator != "" {
			if err := json.Unmarshal(raw, &items); err != nil {
				return fmt.Errorf("smugmug: list %s page %d: decode %s: %w", ref, pageNo, r.Locator, err)
			}
		}
		for _, it := range items {
			if err := each(it, r.expansions); err != nil {
				return err
			}
		}
		if r.Pages == nil || r.Pages.NextPage == "" || len(items) == 0 {
			return nil
		}
		next := r.Pages.Start + r.Pages.Count
		if nu, err := url.Parse(r.Pages.NextPage); err == nil {
			if s, err := strconv.Atoi(nu.Query().Get("start")); err == nil {
				next = s
			}
		}
		if next <= start {
			return fmt.Errorf("smugmug: list %s: NextPage does not advance (start %d → %d)", ref, start, next)
		}
		start = next
	}
}

// shaping parameters of every read: short Uris, minimal metadata.
func shaped(filter string) url.Values {
	q := url.Values{"_verbosity": {"1"}, "_shorturis": {""}}
	if filter != "" {
		q.Set("_filter", filter)
	}
	return q
}

const (
	albumFields = "AlbumKey,Name,UrlName,UrlPath,WebUri,NodeID,Description,Keywords,Privacy,Date,LastUpdated,ImagesLastUpdated,ImageCount"
	imageFields = "ImageKey,Serial,FileName,Title,Caption,Keywords,KeywordArray,Date,DateTimeUploaded,DateTimeOriginal,LastUpdated," +
		"Format,OriginalWidth,OriginalHeight,OriginalSize,ArchivedUri,ArchivedMD5,ThumbnailUrl,WebUri,IsVideo,Hidden,Processing,CanEdit," +
		"Latitude,Longitude,Altitude"
)

// AuthUser returns the user the token belongs to (GET /api/v2!authuser).
func (c *Client) AuthUser(ctx context.Context) (User, error) {
	r, err := c.getJSON(ctx, request{method: http.MethodGet, ref: "!authuser", query: shaped("NickName,Name,WebUri"), limited: true})
	if err != nil {
		return User{}, fmt.Errorf("smugmug: authenticated user: %w", err)
	}
	var w wireUser
	if err := r.object(&w); err != nil {
		return User{}, fmt.Errorf("smugmug: authenticated user: %w", err)
	}
	if w.NickName == "" {
		return User{}, errors.New("smugmug: authenticated user: no NickName in response")
	}
	return User{NickName: w.NickName, Name: w.Name, WebURI: w.WebURI}, nil
}

// Albums lists every album of the user, all pages, folders flattened
// (GET /api/v2/user/{nick}!albums), de-duplicated by AlbumKey.
func (c *Client) Albums(ctx context.Context, nickname string) ([]Album, error) {
	var out []Album
	seen := map[string]bool{}
	err := c.list(ctx, "/user/"+url.PathEscape(nickname)+"!albums", shaped(albumFields), func(raw json.RawMessage, _ map[string]json.RawMessage) error {
		var w wireAlbum
		if err := json.Unmarshal(raw, &w); err != nil {
			return fmt.Errorf("smugmug: decode album: %w", err)
		}
		if w.AlbumKey == "" || seen[w.AlbumKey] {
			return nil
		}
		seen[w.AlbumKey] = true
		out = append(out, w.album())
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("smugmug: albums of %s: %w", nickname, err)
	}
	return out, nil
}

// AlbumImages lists every image (and video; see Image.IsVideo) of an album,
// all pages (GET /api/v2/album/{key}!images), de-duplicated by ImageKey.
// Unless Config.DisableSizeExpansion is set it asks SmugMug to expand each
// image's size details in the same responses and fills Image.Analysis, so
// fetching a rendition later costs no API request.
func (c *Client) AlbumImages(ctx context.Context, albumKey string) ([]Image, error) {
	var out []Image
	seen := map[string]bool{}
	q := shaped(imageFields)
	if !c.cfg.DisableSizeExpansion {
		q.Set("_expand", "ImageSizeDetails")
	}
	err := c.list(ctx, "/album/"+url.PathEscape(albumKey)+"!images", q, func(raw json.RawMessage, exp map[string]json.RawMessage) error {
		var w wireImage
		if err := json.Unmarshal(raw, &w); err != nil {
			return fmt.Errorf("smugmug: decode image: %w", err)
		}
		if w.ImageKey == "" || seen[w.ImageKey] {
			return nil
		}
		seen[w.ImageKey] = true
		im := w.image(albumKey)
		if r, ok := expandedSizes(exp, w.URIs["ImageSizeDetails"], im.SizeDetailsURI()); ok {
			im.Analysis = r.Analysis
		}
		out = append(out, im)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("smugmug: images of album %s: %w", albumKey, err)
	}
	return out, nil
}

// Image fetches one image by its API URI (Image.URI).
func (c *Client) Image(ctx context.Context, uri string) (Image, error) {
	r, err := c.getJSON(ctx, request{method: http.MethodGet, ref: uri, query: shaped(imageFields), limited: true})
	if err != nil {
		return Image{}, fmt.Errorf("smugmug: image %s: %w", uri, err)
	}
	var w wireImage
	if err := r.object(&w); err != nil {
		return Image{}, fmt.Errorf("smugmug: image %s: %w", uri, err)
	}
	return w.image(""), nil
}
