// Package claudetest is a faithful fake of the Anthropic Messages and Message
// Batches APIs for tests: an httptest server that checks what the real API
// checks (headers, request shape, image limits, tool rules), answers with
// deterministic tool_use descriptions derived from the image, accounts usage
// by the published image-token formula, drives batches through their real
// lifecycle on a controllable clock, and injects the real API's failures.
//
// Point the official SDK at it with option.WithBaseURL(server.URL).
package claudetest

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	_ "image/gif"  // media type sniffing
	_ "image/jpeg" // decode sent images
	_ "image/png"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Options configure a Server. Zero values take the documented defaults.
type Options struct {
	// APIKey is the only key accepted; default "test-key".
	APIKey string
	// Models is the allow-list; default Haiku 4.5 (alias and snapshot),
	// Sonnet 4.6 and Sonnet 5. Anything else gets 404 not_found_error.
	Models []string
	// ClassicFormula counts image tokens as w·h/750 instead of the current
	// 28-px patches, ceil(w/28)·ceil(h/28) (spec §2: the two rules the
	// product's estimate may be measured against; it uses the classic one).
	ClassicFormula bool
	// JSONSchemaOverhead is the hidden prompt added for output_config.format
	// (undocumented for the real API; default 0).
	JSONSchemaOverhead int
	// BatchProcessing is how much fake time a batch takes; default 10m.
	BatchProcessing time.Duration
	// PollAdvance moves the fake clock forward on every batch GET; default 0
	// (tests call Advance).
	PollAdvance time.Duration
	// Start is the fake clock's start; default 2026-11-27T06:00:00Z.
	Start time.Time
}

// Fault is a scripted error answer.
type Fault struct {
	Status       int    // e.g. 429, 529, 500, 401, 400
	Type         string // error.type; default by status
	RetryAfter   string // retry-after header value (seconds), if any
	RetryAfterMS string // retry-after-ms header value, if any
	ShouldRetry  string // x-should-retry header value, if any
}

// Server is the fake API. All methods are safe for concurrent use.
type Server struct {
	URL string
	t   testing.TB
	srv *httptest.Server
	opt Options

	mu          sync.Mutex
	now         time.Time
	seq         int
	faults      []Fault
	malformed   int      // next n answers get a schema-breaking tool input
	scripts     []string // scripted outcomes for the next /v1/messages requests
	holdAfter   int      // after this many billed answers, hold requests; <0 = never
	held        int
	admitted    int
	inFlight    int
	sent        []SentImage
	stats       Stats
	perImage    map[string]int // billed answers per sha256 of the sent image bytes
	batches     map[string]*batch
	batchOrder  []string
	batchFault  func(index int) string
	cache       map[string]time.Time // prefix hash → expiry
	retryCounts []string
}

// Stats are the server's counters.
type Stats struct {
	MessagesRequests int // POST /v1/messages received (any outcome)
	Answered         int // billed /v1/messages answers
	Rejected         int // error answers sent (scripted or validation)
	BatchCreates     int // successful POST /v1/messages/batches
	BatchRequests    int // requests inside created batches
	BatchGets        int // GET /v1/messages/batches/{id}
	ResultFetches    int // GET …/results
	CountTokens      int // POST /v1/messages/count_tokens answered
	BatchSucceeded   int // billed batch entries
	// Billed token totals, standard tier (direct) and batch tier.
	StandardInput, StandardOutput, StandardCacheWrite, StandardCacheRead int64
	BatchInput, BatchOutput, BatchCacheWrite, BatchCacheRead             int64
}

// New starts a fake server; it is closed when the test ends.
func New(t testing.TB, opt Options) *Server {
	t.Helper()
	if opt.APIKey == "" {
		opt.APIKey = "test-key"
	}
	if len(opt.Models) == 0 {
		opt.Models = []string{"claude-haiku-4-5", "claude-haiku-4-5-20251001", "claude-sonnet-4-6", "claude-sonnet-5"}
	}
	if opt.BatchProcessing == 0 {
		opt.BatchProcessing = 10 * time.Minute
	}
	if opt.Start.IsZero() {
		opt.Start = time.Date(2026, 11, 27, 6, 0, 0, 0, time.UTC)
	}
	s := &Server{t: t, opt: opt, now: opt.Start, holdAfter: -1, perImage: map[string]int{},
		batches: map[string]*batch{}, cache: map[string]time.Time{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/messages", s.handleMessages)
	mux.HandleFunc("POST /v1/messages/count_tokens", s.handleCountTokens)
	mux.HandleFunc("POST /v1/messages/batches", s.handleBatchCreate)
	mux.HandleFunc("GET /v1/messages/batches", s.handleBatchList)
	mux.HandleFunc("GET /v1/messages/batches/{id}", s.handleBatchGet)
	mux.HandleFunc("POST /v1/messages/batches/{id}/cancel", s.handleBatchCancel)
	mux.HandleFunc("DELETE /v1/messages/batches/{id}", s.handleBatchDelete)
	mux.HandleFunc("GET /v1/messages/batches/{id}/results", s.handleBatchResults)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, http.StatusNotFound, "not_found_error", "no route "+r.Method+" "+r.URL.Path, nil)
	})
	s.srv = httptest.NewServer(s.common(mux))
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

// Now is the fake clock.
func (s *Server) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now
}

// Advance moves the fake clock forward, which may end batches.
func (s *Server) Advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = s.now.Add(d)
}

// Fail queues n copies of f; each following /v1/messages or batch-create
// request consumes one and gets the error instead of an answer.
func (s *Server) Fail(n int, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, f)
	}
}

// Malform makes the next n answers (direct or batch entries) carry a tool
// input that breaks the schema (too few keywords, people_count a string).
func (s *Server) Malform(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.malformed += n
}

// Script queues scripted outcomes for the next /v1/messages requests, one
// per request: "refusal" (stop_reason refusal, no tool call), "max_tokens"
// (cut off: truncated tool input), "preamble" (a text block before the
// tool_use, as models sometimes send), "drop" (the connection is closed
// without an answer; nothing billed).
func (s *Server) Script(outcomes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scripts = append(s.scripts, outcomes...)
}

// HoldAfter makes every /v1/messages request after n billed answers hang
// until the client gives up; held requests are never answered nor billed.
// It simulates a process killed mid-run. Held reports how many are hanging.
func (s *Server) HoldAfter(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.holdAfter = n
}

// InFlight is the number of /v1/messages requests being handled right now
// (held ones included). A request whose client has gone away is still
// answered and billed, as by the real API, unless it is held.
func (s *Server) InFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inFlight
}

// Held is the number of requests held so far (see HoldAfter).
func (s *Server) Held() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.held
}

// BatchFault decides, per entry index in a created batch, a non-success
// outcome: "errored" (api_error), "expired", "canceled", or "" for normal.
func (s *Server) BatchFault(f func(index int) string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.batchFault = f
}

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// PerImage returns billed answers per SHA-256 (hex) of the image bytes sent.
func (s *Server) PerImage() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.perImage))
	for k, v := range s.perImage {
		out[k] = v
	}
	return out
}

// SentImage describes an image in a billed answer.
type SentImage struct {
	W, H   int
	SHA256 string // hex SHA-256 of the decoded base64 bytes
	Tokens int    // image tokens billed
	Tier   string // "standard" or "batch"
	Model  string // the request's model, as sent
}

// Sent returns the images of billed answers, in answer order.
func (s *Server) Sent() []SentImage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SentImage(nil), s.sent...)
}

// RetryCounts returns the X-Stainless-Retry-Count header of each messages request.
func (s *Server) RetryCounts() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.retryCounts...)
}

// Token is the keyword the fake puts in every answer for an image: "img"
// followed by the first 8 hex digits of the SHA-256 of the image bytes sent.
func Token(imageBytes []byte) string {
	sum := sha256.Sum256(imageBytes)
	return "img" + hex.EncodeToString(sum[:4])
}

// common checks the headers every endpoint requires and sets request-id.
func (s *Server) common(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.seq++
		id := fmt.Sprintf("req_%024d", s.seq)
		s.mu.Unlock()
		w.Header().Set("request-id", id)
		if r.Method == http.MethodPost && r.URL.Path == "/v1/messages" {
			s.mu.Lock()
			s.stats.MessagesRequests++
			s.mu.Unlock()
		}
		if r.Header.Get("x-api-key") != s.opt.APIKey {
			s.writeError(w, http.StatusUnauthorized, "authentication_error", "invalid x-api-key", nil)
			return
		}
		if r.Header.Get("anthropic-version") != "2023-06-01" {
			s.writeError(w, http.StatusBadRequest, "invalid_request_error", "anthropic-version header is required (2023-06-01)", nil)
			return
		}
		if r.Method == http.MethodPost && r.URL.Path != "" && !strings.HasSuffix(r.URL.Path, "/cancel") &&
			!strings.HasPrefix(r.Header.Get("content-type"), "application/json") {
			s.writeError(w, http.StatusBadRequest, "invalid_request_error", "content-type must be application/json", nil)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func defaultType(status int) string {
	switch status {
	case 400:
		return "invalid_request_error"
	case 401:
		return "authentication_error"
	case 402:
		return "billing_error"
	case 403:
		return "permission_error"
	case 404:
		return "not_found_error"
	case 413:
		return "request_too_large"
	case 429:
		return "rate_limit_error"
	case 504:
		return "timeout_error"
	case 529:
		return "overloaded_error"
	}
	return "api_error"
}

func (s *Server) writeError(w http.ResponseWriter, status int, typ, msg string, f *Fault) {
	if typ == "" {
		typ = defaultType(status)
	}
	if f != nil {
		if f.RetryAfter != "" {
			w.Header().Set("retry-after", f.RetryAfter)
		}
		if f.RetryAfterMS != "" {
			w.Header().Set("retry-after-ms", f.RetryAfterMS)
		}
		if f.ShouldRetry != "" {
			w.Header().Set("x-should-retry", f.ShouldRetry)
		}
		if status == 429 {
			reset := s.Now().Add(time.Minute).Format(time.RFC3339)
			for _, k := range []string{"requests", "tokens", "input-tokens", "output-tokens"} {
				w.Header().Set("anthropic-ratelimit-"+k+"-limit", "50")
				w.Header().Set("anthropic-ratelimit-"+k+"-remaining", "0")
				w.Header().Set("anthropic-ratelimit-"+k+"-reset", reset)
			}
		}
	}
	s.mu.Lock()
	s.stats.Rejected++
	s.mu.Unlock()
	w.Header().Set("content-type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"type":       "error",
		"error":      map[string]string{"type": typ, "message": msg},
		"request_id": w.Header().Get("request-id"),
	})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("content-type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// apiErr is a validation failure.
type apiErr struct {
	status int
	typ    string
	msg    string
}

func (e *apiErr) Error() string { return e.msg }

func bad(format string, a ...any) *apiErr {
	return &apiErr{400, "invalid_request_error", fmt.Sprintf(format, a...)}
}

// params is the subset of Messages params the fake understands.
type params struct {
	Model      string          `json:"model"`
	MaxTokens  *int64          `json:"max_tokens"`
	Messages   []message       `json:"messages"`
	System     json.RawMessage `json:"system"`
	Tools      []tool          `json:"tools"`
	ToolChoice *toolChoice     `json:"tool_choice"`
	Thinking   *struct {
		Type string `json:"type"`
	} `json:"thinking"`
	Temperature *float64 `json:"temperature"`
	TopP        *float64 `json:"top_p"`
	TopK        *int64   `json:"top_k"`
	Stream      bool     `json:"stream"`
	Output      *struct {
		Format *struct {
			Type   string          `json:"type"`
			Schema json.RawMessage `json:"schema"`
		} `json:"format"`
	} `json:"output_config"`
}

type message struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

type block struct {
	Type         string          `json:"type"`
	Text         string          `json:"text"`
	Source       *imageSource    `json:"source"`
	CacheControl json.RawMessage `json:"cache_control"`
}

type imageSource struct {
	Type      string `json:"type"`
	MediaType string `json:"media_type"`
	Data      string `json:"data"`
	URL       string `json:"url"`
}

type tool struct {
	Name         string          `json:"name"`
	Description  string          `json:"description"`
	InputSchema  json.RawMessage `json:"input_schema"`
	Type         string          `json:"type"`
	CacheControl json.RawMessage `json:"cache_control"`
}

type toolChoice struct {
	Type                   string `json:"type"`
	Name                   string `json:"name"`
	DisableParallelToolUse *bool  `json:"disable_parallel_tool_use"`
}

// sentImage is a decoded image block.
type sentImage struct {
	bytes []byte
	img   image.Image
	w, h  int
}

// checked is a validated request ready to answer.
type checked struct {
	p           params
	images      []sentImage
	textTokens  int
	prefixToks  int    // tools + system tokens (cacheable prefix)
	prefixKey   string // hash of the prefix, when marked for caching
	forcedTool  string
	jsonOut     bool
	imageTokens int
}

var mediaMagic = map[string][]byte{
	"image/jpeg": {0xFF, 0xD8, 0xFF},
	"image/png":  {0x89, 'P', 'N', 'G'},
	"image/gif":  []byte("GIF8"),
	"image/webp": []byte("RIFF"),
}

func (s *Server) modelAllowed(m string) bool {
	for _, a := range s.opt.Models {
		if a == m {
			return true
		}
	}
	return false
}

// validate checks a Messages request the way the API does and computes its
// input tokens.
func (s *Server) validate(body []byte) (*checked, *apiErr) {
	return s.validateFor(body, false)
}

// validateFor validates a Messages body; counting skips max_tokens, which
// count_tokens does not take.
func (s *Server) validateFor(body []byte, counting bool) (*checked, *apiErr) {
	var c checked
	if err := strictJSON(body, &c.p); err != nil {
		return nil, err
	}
	p := &c.p
	if p.Model == "" {
		return nil, bad("model: field required")
	}
	if !s.modelAllowed(p.Model) {
		return nil, &apiErr{404, "not_found_error", "model: " + p.Model}
	}
	if !counting && (p.MaxTokens == nil || *p.MaxTokens <= 0) {
		return nil, bad("max_tokens: must be a positive integer")
	}
	if len(p.Messages) == 0 {
		return nil, bad("messages: at least one message is required")
	}
	if p.Stream {
		return nil, bad("stream: the fake does not stream")
	}
	if (p.Temperature != nil || p.TopP != nil || p.TopK != nil) && (strings.HasPrefix(p.Model, "claude-sonnet-5") || strings.HasPrefix(p.Model, "claude-opus-4-7") || strings.HasPrefix(p.Model, "claude-opus-4-8")) {
		return nil, bad("temperature/top_p/top_k may not be set on %s", p.Model)
	}
	// System.
	var systemText strings.Builder
	systemCache := false
	if len(p.System) > 0 {
		var str string
		var blocks []block
		if json.Unmarshal(p.System, &str) == nil {
			systemText.WriteString(str)
		} else if err := strictJSON(p.System, &blocks); err == nil {
			for _, b := range blocks {
				if b.Type != "text" {
					return nil, bad("system: block type %q is not text", b.Type)
				}
				systemText.WriteString(b.Text)
				if len(b.CacheControl) > 0 {
					systemCache = true
				}
			}
		} else {
			return nil, bad("system: must be a string or text blocks")
		}
	}
	// Tools.
	names := map[string]bool{}
	toolTokens := 0
	toolCache := false
	for i, t := range p.Tools {
		if t.Name == "" {
			return nil, bad("tools.%d.name: field required", i)
		}
		var schema struct {
			Type string `json:"type"`
		}
		if json.Unmarshal(t.InputSchema, &schema) != nil || schema.Type != "object" {
			return nil, bad("tools.%d.input_schema.type: must be \"object\"", i)
		}
		names[t.Name] = true
		toolTokens += tokensOf(t.Name + t.Description + string(compact(t.InputSchema)))
		if len(t.CacheControl) > 0 {
			toolCache = true
		}
	}
	forced := false
	if tc := p.ToolChoice; tc != nil {
		switch tc.Type {
		case "tool":
			if !names[tc.Name] {
				return nil, bad("tool_choice.name: tool %q is not defined in tools", tc.Name)
			}
			forced = true
			c.forcedTool = tc.Name
		case "any":
			if len(p.Tools) == 0 {
				return nil, bad("tool_choice: any requires tools")
			}
			forced = true
			c.forcedTool = p.Tools[0].Name
		case "auto", "none":
		default:
			return nil, bad("tool_choice.type: unknown %q", tc.Type)
		}
	}
	thinking := p.Thinking != nil && (p.Thinking.Type == "enabled" || p.Thinking.Type == "adaptive") ||
		p.Thinking == nil && strings.HasPrefix(p.Model, "claude-sonnet-5") // adaptive by default
	if forced && thinking {
		return nil, bad("Thinking may not be enabled when tool_choice forces tool use.")
	}
	if len(p.Tools) > 0 {
		if forced {
			toolTokens += 313
		} else {
			toolTokens += 346
		}
	}
	if p.Output != nil && p.Output.Format != nil {
		if p.Output.Format.Type != "json_schema" {
			return nil, bad("output_config.format.type: must be json_schema")
		}
		var schema map[string]any
		if json.Unmarshal(p.Output.Format.Schema, &schema) != nil || schema["type"] != "object" {
			return nil, bad("output_config.format.schema: must be an object schema")
		}
		if schema["additionalProperties"] != false {
			return nil, bad("output_config.format.schema: objects need additionalProperties: false")
		}
		c.jsonOut = true
		toolTokens += tokensOf(string(compact(p.Output.Format.Schema))) + s.opt.JSONSchemaOverhead
	}
	if c.jsonOut && forced {
		return nil, bad("output_config.format cannot be combined with a forced tool_choice in this fake")
	}
	c.prefixToks = toolTokens + tokensOf(systemText.String())
	if systemCache || toolCache {
		sum := sha256.Sum256(append(compact(mustJSON(p.Tools)), systemText.String()...))
		c.prefixKey = p.Model + hex.EncodeToString(sum[:8])
	}
	// Messages.
	text := 0
	for i, m := range p.Messages {
		if m.Role != "user" && m.Role != "assistant" {
			return nil, bad("messages.%d.role: must be user or assistant", i)
		}
		var str string
		if json.Unmarshal(m.Content, &str) == nil {
			text += tokensOf(str)
			continue
		}
		var blocks []block
		if err := strictJSON(m.Content, &blocks); err != nil {
			return nil, bad("messages.%d.content.%s", i, err.msg)
		}
		if len(blocks) == 0 {
			return nil, bad("messages.%d.content: must be a string or a non-empty block list", i)
		}
		for j, b := range blocks {
			switch b.Type {
			case "text":
				if b.Text == "" {
					return nil, bad("messages.%d.content.%d.text: must not be empty", i, j)
				}
				text += tokensOf(b.Text)
			case "image":
				if m.Role != "user" {
					return nil, bad("messages.%d: images only in user turns", i)
				}
				im, err := checkImage(b.Source, fmt.Sprintf("messages.%d.content.%d", i, j))
				if err != nil {
					return nil, err
				}
				c.images = append(c.images, im)
			default:
				return nil, bad("messages.%d.content.%d.type: unknown %q", i, j, b.Type)
			}
		}
	}
	if len(c.images) > 600 {
		return nil, bad("too many images: %d (max 600)", len(c.images))
	}
	for i, im := range c.images {
		lim := 8000
		if len(c.images) > 20 {
			lim = 2000
		}
		if im.w > lim || im.h > lim {
			return nil, bad("image %d: %dx%d exceeds %dx%d", i, im.w, im.h, lim, lim)
		}
		c.imageTokens += s.imageTokens(im.w, im.h)
	}
	c.textTokens = text
	// The answer must fit the schema the request set for it.
	var answerSchema json.RawMessage
	for _, t := range p.Tools {
		if t.Name == c.forcedTool {
			answerSchema = t.InputSchema
		}
	}
	if c.jsonOut {
		answerSchema = p.Output.Format.Schema
	}
	if answerSchema != nil {
		if err := fitsSchema(answerSchema, describe(c.images)); err != nil {
			return nil, &apiErr{500, "api_error", "claudetest: the fake's answer does not fit the request's schema: " + err.Error()}
		}
	}
	return &c, nil
}

func checkImage(src *imageSource, at string) (sentImage, *apiErr) {
	if src == nil {
		return sentImage{}, bad("%s.source: field required", at)
	}
	if src.Type != "base64" {
		return sentImage{}, bad("%s.source.type: only base64 is accepted by this fake", at)
	}
	magic, ok := mediaMagic[src.MediaType]
	if !ok {
		return sentImage{}, bad("%s.source.media_type: %q is not one of image/jpeg, image/png, image/gif, image/webp", at, src.MediaType)
	}
	raw, err := base64.StdEncoding.DecodeString(src.Data)
	if err != nil {
		return sentImage{}, bad("%s.source.data: invalid base64: %v", at, err)
	}
	if len(raw) > 5<<20 {
		return sentImage{}, bad("%s: image exceeds 5 MB maximum: %d bytes", at, len(raw))
	}
	if !bytes.HasPrefix(raw, magic) {
		return sentImage{}, bad("%s: image bytes do not match media type %s", at, src.MediaType)
	}
	img, _, err := image.Decode(bytes.NewReader(raw))
	if err != nil {
		return sentImage{}, bad("%s: could not process image: %v", at, err)
	}
	b := img.Bounds()
	return sentImage{bytes: raw, img: img, w: b.Dx(), h: b.Dy()}, nil
}

// imageTokens applies the API's downscale (long edge 1568, ~1600 tokens)
// then the configured formula.
func (s *Server) imageTokens(w, h int) int {
	fw, fh := float64(w), float64(h)
	if long := math.Max(fw, fh); long > 1568 {
		fw, fh = fw*1568/long, fh*1568/long
	}
	if t := fw * fh / 750; t > 1600 {
		k := math.Sqrt(1600 / t)
		fw, fh = fw*k, fh*k
	}
	w, h = int(fw), int(fh)
	if s.opt.ClassicFormula {
		return (w*h + 749) / 750
	}
	return ((w + 27) / 28) * ((h + 27) / 28)
}

// tokensOf counts text tokens by a rule of the fake's own, not the
// product's estimate (about four bytes a token): a token per up to four
// letters or digits of a word, and per up to two marks of a run of
// punctuation — closer to how a BPE tokenizer splits JSON schemas ("{\"",
// "\":\"") and prose, so the product's cost estimate is measured against
// something it does not copy.
func tokensOf(s string) int {
	n, word, marks := 0, 0, 0
	flush := func() {
		n += (word+3)/4 + (marks+1)/2
		word, marks = 0, 0
	}
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if marks > 0 {
				flush()
			}
			word++
		case unicode.IsSpace(r):
			flush()
		default:
			if word > 0 {
				flush()
			}
			marks++
		}
	}
	flush()
	return n
}

// TextTokens is the fake's count of text tokens (see tokensOf), for tests
// that add up a request's usage.
func TextTokens(s string) int { return tokensOf(s) }

// strictJSON decodes raw into v refusing unknown fields, with the API's
// words for them ("metadata: Extra inputs are not permitted").
func strictJSON(raw []byte, v any) *apiErr {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		return nil
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return bad("%s: Extra inputs are not permitted", strings.Trim(f, `"`))
	}
	return bad("request body is not valid JSON: %v", err)
}

// fitsSchema checks the fake's answer against the schema the request gave
// for it, as the real API guarantees with strict tools and structured
// output: a schema the canned answer cannot satisfy is the fake's failure
// to imitate the model, reported loudly rather than answered wrongly.
func fitsSchema(schema json.RawMessage, answer map[string]any) error {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema))
	if err != nil {
		return err
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("request.json", doc); err != nil {
		return err
	}
	sch, err := c.Compile("request.json")
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(mustJSON(answer)))
	if err != nil {
		return err
	}
	return sch.Validate(inst)
}

func compact(raw []byte) []byte {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return raw
	}
	return b.Bytes()
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// cacheMinimum mirrors the spec's table of minimum cacheable prefixes.
func cacheMinimum(model string) int {
	switch {
	case strings.HasPrefix(model, "claude-haiku-4-5"), strings.HasPrefix(model, "claude-opus-4-5"),
		strings.HasPrefix(model, "claude-opus-4-6"), strings.HasPrefix(model, "claude-opus-4-7"):
		return 4096
	case strings.HasPrefix(model, "claude-sonnet-4-6"):
		return 2048
	}
	return 1024
}

// usage is one answer's accounting.
type usage struct {
	InputTokens              int64  `json:"input_tokens"`
	OutputTokens             int64  `json:"output_tokens"`
	CacheCreationInputTokens int64  `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     int64  `json:"cache_read_input_tokens"`
	ServiceTier              string `json:"service_tier"`
}

// answer builds the Message for a validated request; s.mu must be held.
func (s *Server) answer(c *checked, tier string) map[string]any {
	s.seq++
	input := describe(c.images)
	if s.malformed > 0 {
		s.malformed--
		input = map[string]any{"description": "A photo.", "keywords": []string{"photo"}, "objects": []string{},
			"scene": "", "text_in_image": "", "people_count": "several", "colors": []string{}}
	}
	inputJSON := mustJSON(input)
	var content []map[string]any
	stop := "end_turn"
	if c.forcedTool != "" {
		content = []map[string]any{{"type": "tool_use", "id": fmt.Sprintf("toolu_%020d", s.seq), "name": c.forcedTool, "input": json.RawMessage(inputJSON)}}
		stop = "tool_use"
	} else if c.jsonOut {
		content = []map[string]any{{"type": "text", "text": string(inputJSON)}}
	} else {
		content = []map[string]any{{"type": "text", "text": input["description"]}}
	}
	u := usage{InputTokens: int64(c.textTokens + c.imageTokens + c.prefixToks), OutputTokens: int64(tokensOf(string(inputJSON))), ServiceTier: tier}
	if c.prefixKey != "" && c.prefixToks >= cacheMinimum(c.p.Model) {
		u.InputTokens -= int64(c.prefixToks)
		if exp, ok := s.cache[c.prefixKey]; ok && s.now.Before(exp) {
			u.CacheReadInputTokens = int64(c.prefixToks)
		} else {
			u.CacheCreationInputTokens = int64(c.prefixToks)
		}
		s.cache[c.prefixKey] = s.now.Add(5 * time.Minute)
	}
	if tier == "batch" {
		s.stats.BatchInput += u.InputTokens
		s.stats.BatchOutput += u.OutputTokens
		s.stats.BatchCacheWrite += u.CacheCreationInputTokens
		s.stats.BatchCacheRead += u.CacheReadInputTokens
	} else {
		s.stats.StandardInput += u.InputTokens
		s.stats.StandardOutput += u.OutputTokens
		s.stats.StandardCacheWrite += u.CacheCreationInputTokens
		s.stats.StandardCacheRead += u.CacheReadInputTokens
	}
	for _, im := range c.images {
		sum := sha256.Sum256(im.bytes)
		h := hex.EncodeToString(sum[:])
		s.perImage[h]++
		s.sent = append(s.sent, SentImage{W: im.w, H: im.h, SHA256: h, Tokens: s.imageTokens(im.w, im.h), Tier: tier, Model: c.p.Model})
	}
	return map[string]any{
		"id": fmt.Sprintf("msg_%020d", s.seq), "type": "message", "role": "assistant", "model": c.p.Model,
		"content": content, "stop_reason": stop, "stop_sequence": nil, "usage": u,
	}
}

// handleCountTokens answers POST /v1/messages/count_tokens with the input
// tokens a Messages request would be billed (cache split aside). Free: it
// does not touch the billing counters.
func (s *Server) handleCountTokens(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 32<<20+1))
	if err != nil {
		return
	}
	c, verr := s.validateFor(body, true)
	if verr != nil {
		s.writeError(w, verr.status, verr.typ, verr.msg, nil)
		return
	}
	s.mu.Lock()
	s.stats.CountTokens++
	s.mu.Unlock()
	writeJSON(w, map[string]int{"input_tokens": c.textTokens + c.imageTokens + c.prefixToks})
}

func (s *Server) handleMessages(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.inFlight++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.inFlight--
		s.mu.Unlock()
	}()
	body, err := io.ReadAll(io.LimitReader(r.Body, 32<<20+1))
	if err != nil {
		return
	}
	s.mu.Lock()
	s.retryCounts = append(s.retryCounts, r.Header.Get("X-Stainless-Retry-Count"))
	if len(body) > 32<<20 {
		s.mu.Unlock()
		s.writeError(w, http.StatusRequestEntityTooLarge, "request_too_large", "request exceeds 32 MB", nil)
		return
	}
	if s.holdAfter >= 0 && s.admitted >= s.holdAfter {
		s.held++
		s.mu.Unlock()
		<-r.Context().Done() // the client went away: nothing answered, nothing billed
		return
	}
	if len(s.faults) > 0 {
		f := s.faults[0]
		s.faults = s.faults[1:]
		s.mu.Unlock()
		s.writeError(w, f.Status, f.Type, "scripted "+strconv.Itoa(f.Status), &f)
		return
	}
	s.admitted++
	script := ""
	if len(s.scripts) > 0 {
		script, s.scripts = s.scripts[0], s.scripts[1:]
	}
	s.mu.Unlock()
	if script == "drop" {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
	c, verr := s.validate(body)
	if verr != nil {
		s.writeError(w, verr.status, verr.typ, verr.msg, nil)
		return
	}
	s.mu.Lock()
	msg := s.answer(c, "standard")
	switch script {
	case "refusal":
		msg["content"] = []map[string]any{{"type": "text", "text": "I can't help with that."}}
		msg["stop_reason"] = "refusal"
	case "max_tokens":
		blocks := msg["content"].([]map[string]any)
		if len(blocks) > 0 && blocks[0]["type"] == "tool_use" {
			// A cut-off tool call arrives with the input parsed so far.
			blocks[0]["input"] = json.RawMessage(`{"description":"A photo dominated by"}`)
		}
		msg["stop_reason"] = "max_tokens"
	case "preamble":
		msg["content"] = append([]map[string]any{{"type": "text", "text": "Here is the description."}}, msg["content"].([]map[string]any)...)
	}
	s.stats.Answered++
	remaining := 1000 - s.stats.Answered%1000
	reset := s.now.Add(time.Minute).Format(time.RFC3339)
	s.mu.Unlock()
	for _, k := range []string{"requests", "tokens", "input-tokens", "output-tokens"} {
		w.Header().Set("anthropic-ratelimit-"+k+"-limit", "1000")
		w.Header().Set("anthropic-ratelimit-"+k+"-remaining", strconv.Itoa(remaining))
		w.Header().Set("anthropic-ratelimit-"+k+"-reset", reset)
	}
	writeJSON(w, msg)
}
