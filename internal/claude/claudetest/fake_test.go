package claudetest_test

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/claude/claudetest"
)

func encode(t *testing.T, w, h int, asPNG bool) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	var b bytes.Buffer
	var err error
	if asPNG {
		err = png.Encode(&b, img)
	} else {
		err = jpeg.Encode(&b, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b.Bytes())
}

type reply struct {
	status int
	body   map[string]any
	header http.Header
	raw    []byte
}

func (r reply) errType() string {
	e, _ := r.body["error"].(map[string]any)
	s, _ := e["type"].(string)
	return s
}

func call(t *testing.T, s *claudetest.Server, method, path string, body any, mod func(*http.Request)) reply {
	t.Helper()
	var rd *bytes.Reader
	switch b := body.(type) {
	case nil:
		rd = bytes.NewReader(nil)
	case string:
		rd = bytes.NewReader([]byte(b))
	default:
		raw, _ := json.Marshal(b)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequestWithContext(t.Context(), method, s.URL+path, rd)
	req.Header.Set("x-api-key", "test-key")
	req.Header.Set("anthropic-version", "2023-06-01")
	req.Header.Set("content-type", "application/json")
	if mod != nil {
		mod(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	r := reply{status: resp.StatusCode, header: resp.Header, raw: buf.Bytes()}
	_ = json.Unmarshal(buf.Bytes(), &r.body)
	return r
}

// schema is a tool schema the fake's canned answer satisfies (the shape of
// the product's, written here by hand).
const schema = `{"type":"object","additionalProperties":false,"required":["description","keywords","objects","scene","text_in_image","people_count","colors"],` +
	`"properties":{"description":{"type":"string"},"keywords":{"type":"array","items":{"type":"string"}},` +
	`"objects":{"type":"array","items":{"type":"string"}},"scene":{"type":"string"},"text_in_image":{"type":"string"},` +
	`"people_count":{"type":"integer","minimum":0},"colors":{"type":"array","items":{"type":"string"}}}}`

// msg builds a Messages body; edit tweaks the decoded map.
func msg(t *testing.T, img string, edit func(m map[string]any)) map[string]any {
	t.Helper()
	m := map[string]any{
		"model": "claude-haiku-4-5-20251001", "max_tokens": 300,
		"system": []any{map[string]any{"type": "text", "text": strings.Repeat("s", 400)}},
		"messages": []any{map[string]any{"role": "user", "content": []any{
			map[string]any{"type": "image", "source": map[string]any{"type": "base64", "media_type": "image/jpeg", "data": img}},
			map[string]any{"type": "text", "text": "Describe this photo for search."},
		}}},
		"tools":       []any{map[string]any{"name": "record_photo", "description": "d", "input_schema": json.RawMessage(schema)}},
		"tool_choice": map[string]any{"type": "tool", "name": "record_photo"},
	}
	if edit != nil {
		edit(m)
	}
	return m
}

func content(m map[string]any) []any {
	return m["messages"].([]any)[0].(map[string]any)["content"].([]any)
}

func TestMessagesValidation(t *testing.T) {
	t.Parallel()
	s := claudetest.New(t, claudetest.Options{})
	img := encode(t, 64, 48, false)
	pngImg := encode(t, 64, 48, true)
	tests := []struct {
		name   string
		body   any
		mod    func(*http.Request)
		status int
		typ    string
	}{
		{"no key", msg(t, img, nil), func(r *http.Request) { r.Header.Del("x-api-key") }, 401, "authentication_error"},
		{"wrong key", msg(t, img, nil), func(r *http.Request) { r.Header.Set("x-api-key", "nope") }, 401, "authentication_error"},
		{"no version", msg(t, img, nil), func(r *http.Request) { r.Header.Del("anthropic-version") }, 400, "invalid_request_error"},
		{"form body", msg(t, img, nil), func(r *http.Request) { r.Header.Set("content-type", "text/plain") }, 400, "invalid_request_error"},
		{"not json", "{", nil, 400, "invalid_request_error"},
		{"unknown model", msg(t, img, func(m map[string]any) { m["model"] = "claude-3-haiku-20240307" }), nil, 404, "not_found_error"},
		{"no max_tokens", msg(t, img, func(m map[string]any) { delete(m, "max_tokens") }), nil, 400, "invalid_request_error"},
		{"zero max_tokens", msg(t, img, func(m map[string]any) { m["max_tokens"] = 0 }), nil, 400, "invalid_request_error"},
		{"no messages", msg(t, img, func(m map[string]any) { m["messages"] = []any{} }), nil, 400, "invalid_request_error"},
		{"bad role", msg(t, img, func(m map[string]any) { m["messages"].([]any)[0].(map[string]any)["role"] = "system" }), nil, 400, "invalid_request_error"},
		{"unknown block", msg(t, img, func(m map[string]any) { content(m)[1] = map[string]any{"type": "video"} }), nil, 400, "invalid_request_error"},
		{"bad media type", msg(t, img, func(m map[string]any) {
			content(m)[0].(map[string]any)["source"].(map[string]any)["media_type"] = "image/tiff"
		}), nil, 400, "invalid_request_error"},
		{"bad base64", msg(t, "!!!notbase64", nil), nil, 400, "invalid_request_error"},
		{"png labelled jpeg", msg(t, pngImg, nil), nil, 400, "invalid_request_error"},
		{"over 8000 px", msg(t, encode(t, 8001, 1, true), func(m map[string]any) {
			content(m)[0].(map[string]any)["source"].(map[string]any)["media_type"] = "image/png"
		}), nil, 400, "invalid_request_error"},
		{"over 2000 px with 21 images", msg(t, encode(t, 2001, 1, true), func(m map[string]any) {
			b := content(m)[0].(map[string]any)
			b["source"].(map[string]any)["media_type"] = "image/png"
			blocks := []any{}
			for range 21 {
				blocks = append(blocks, b)
			}
			m["messages"].([]any)[0].(map[string]any)["content"] = append(blocks, content(m)[1])
		}), nil, 400, "invalid_request_error"},
		{"tool_choice names no tool", msg(t, img, func(m map[string]any) { m["tool_choice"] = map[string]any{"type": "tool", "name": "other"} }), nil, 400, "invalid_request_error"},
		{"schema not object", msg(t, img, func(m map[string]any) {
			m["tools"].([]any)[0].(map[string]any)["input_schema"] = map[string]any{"type": "array"}
		}), nil, 400, "invalid_request_error"},
		{"forced tool with thinking", msg(t, img, func(m map[string]any) { m["thinking"] = map[string]any{"type": "enabled", "budget_tokens": 1024} }), nil, 400, "invalid_request_error"},
		{"sonnet 5 thinks by default", msg(t, img, func(m map[string]any) { m["model"] = "claude-sonnet-5" }), nil, 400, "invalid_request_error"},
		{"sonnet 5 temperature", msg(t, img, func(m map[string]any) {
			m["model"] = "claude-sonnet-5"
			m["thinking"] = map[string]any{"type": "disabled"}
			m["temperature"] = 0.2
		}), nil, 400, "invalid_request_error"},
		{"sonnet 5 thinking off", msg(t, img, func(m map[string]any) {
			m["model"] = "claude-sonnet-5"
			m["thinking"] = map[string]any{"type": "disabled"}
		}), nil, 200, ""},
		{"ok", msg(t, img, nil), nil, 200, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := call(t, s, "POST", "/v1/messages", tc.body, tc.mod)
			if r.status != tc.status || r.errType() != tc.typ {
				t.Fatalf("status %d type %q, want %d %q: %s", r.status, r.errType(), tc.status, tc.typ, r.raw)
			}
			if !strings.HasPrefix(r.header.Get("request-id"), "req_") {
				t.Error("no request-id header")
			}
			if tc.status != 200 {
				if r.body["type"] != "error" || r.body["request_id"] == nil {
					t.Errorf("error body shape: %s", r.raw)
				}
			}
		})
	}
}

// TestTextTokens: the fake's text rule, counted by hand.
func TestTextTokens(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		s    string
		want int
	}{
		{"", 0},
		{"red barn, snow!", 5},                 // red barn , snow !
		{"photographer", 3},                    // 12 letters
		{`{"type":"object"}`, 7},               // {" type ":" object "}: 1+1+2+2+1
		{"Describe this photo for search.", 9}, // 2+1+2+1+2, and .
		{"über-café 2026", 4},                  // über, -, café, 2026: letters are runes, not bytes
	} {
		if got := claudetest.TextTokens(c.s); got != c.want {
			t.Errorf("TextTokens(%q) = %d, want %d", c.s, got, c.want)
		}
	}
}

// TestAnswerMustFitTheSchema: a request whose schema the canned answer
// cannot satisfy gets the fake's own failure, never a non-conforming answer.
func TestAnswerMustFitTheSchema(t *testing.T) {
	t.Parallel()
	s := claudetest.New(t, claudetest.Options{})
	strict := `{"type":"object","properties":{"mood":{"type":"string"}},"required":["mood"],"additionalProperties":false}`
	r := call(t, s, "POST", "/v1/messages", msg(t, encode(t, 64, 48, false), func(m map[string]any) {
		m["tools"] = []any{map[string]any{"name": "record_photo", "description": "d", "input_schema": json.RawMessage(strict)}}
	}), nil)
	if r.status != 500 || !strings.Contains(string(r.raw), "does not fit the request's schema") {
		t.Fatalf("%d %s", r.status, r.raw)
	}
	r = call(t, s, "POST", "/v1/messages", msg(t, encode(t, 64, 48, false), func(m map[string]any) { m["metadata"] = map[string]any{"user_id": "u"} }), nil)
	if r.status != 400 || !strings.Contains(string(r.raw), "metadata: Extra inputs are not permitted") {
		t.Fatalf("unknown field: %d %s", r.status, r.raw)
	}
}

func TestMessagesAnswerAndUsage(t *testing.T) {
	t.Parallel()
	for _, classic := range []bool{false, true} {
		s := claudetest.New(t, claudetest.Options{ClassicFormula: classic})
		r := call(t, s, "POST", "/v1/messages", msg(t, encode(t, 640, 427, false), nil), nil)
		if r.status != 200 || r.body["stop_reason"] != "tool_use" || r.body["type"] != "message" {
			t.Fatalf("%d %s", r.status, r.raw)
		}
		blocks := r.body["content"].([]any)
		tu := blocks[0].(map[string]any)
		if len(blocks) != 1 || tu["type"] != "tool_use" || tu["name"] != "record_photo" || !strings.HasPrefix(tu["id"].(string), "toolu_") {
			t.Errorf("content %v", blocks)
		}
		u := r.body["usage"].(map[string]any)
		img := 23 * 16 // 640/28 → 23 patches across, 427/28 → 16 down
		if classic {
			img = (640*427 + 749) / 750
		}
		// System: one 400-letter word, 100 tokens; "Describe this photo for
		// search." 2+1+2+1+2 words and a period: 9; the tool prompt 313 plus
		// its definition by the same rule.
		want := img + 100 + 9 + 313 + claudetest.TextTokens("record_photo"+"d"+schema)
		if int(u["input_tokens"].(float64)) != want || u["service_tier"] != "standard" {
			t.Errorf("classic=%v usage %v, want input_tokens %d", classic, u, want)
		}
		if r.header.Get("anthropic-ratelimit-requests-remaining") == "" {
			t.Error("no rate-limit headers")
		}
	}
	// Native JSON output answers with a JSON text block.
	s := claudetest.New(t, claudetest.Options{})
	r := call(t, s, "POST", "/v1/messages", msg(t, encode(t, 64, 48, false), func(m map[string]any) {
		delete(m, "tools")
		delete(m, "tool_choice")
		m["output_config"] = map[string]any{"format": map[string]any{"type": "json_schema",
			"schema": json.RawMessage(schema)}}
	}), nil)
	block := r.body["content"].([]any)[0].(map[string]any)
	if r.body["stop_reason"] != "end_turn" || block["type"] != "text" || !json.Valid([]byte(block["text"].(string))) {
		t.Errorf("json output: %s", r.raw)
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	s := claudetest.New(t, claudetest.Options{})
	s.Fail(1, claudetest.Fault{Status: 429, RetryAfter: "3"})
	s.Fail(1, claudetest.Fault{Status: 529, ShouldRetry: "true"})
	r := call(t, s, "POST", "/v1/messages", msg(t, encode(t, 8, 8, false), nil), nil)
	if r.status != 429 || r.errType() != "rate_limit_error" || r.header.Get("retry-after") != "3" ||
		r.header.Get("anthropic-ratelimit-requests-remaining") != "0" {
		t.Errorf("429: %d %v %s", r.status, r.header, r.raw)
	}
	r = call(t, s, "POST", "/v1/messages", msg(t, encode(t, 8, 8, false), nil), nil)
	if r.status != 529 || r.errType() != "overloaded_error" || r.header.Get("x-should-retry") != "true" {
		t.Errorf("529: %d %s", r.status, r.raw)
	}
	if r = call(t, s, "POST", "/v1/messages", msg(t, encode(t, 8, 8, false), nil), nil); r.status != 200 {
		t.Errorf("after faults: %d", r.status)
	}
	st := s.Stats()
	if st.MessagesRequests != 3 || st.Answered != 1 || st.Rejected != 2 {
		t.Errorf("stats %+v", st)
	}
}

func batchBody(t *testing.T, ids ...string) map[string]any {
	reqs := []any{}
	for _, id := range ids {
		reqs = append(reqs, map[string]any{"custom_id": id, "params": msg(t, encode(t, 16, 16, false), nil)})
	}
	return map[string]any{"requests": reqs}
}

func TestBatchLifecycle(t *testing.T) {
	t.Parallel()
	s := claudetest.New(t, claudetest.Options{BatchProcessing: time.Hour})
	for name, body := range map[string]any{
		"empty":     map[string]any{"requests": []any{}},
		"bad id":    batchBody(t, "has space"),
		"long id":   batchBody(t, strings.Repeat("a", 65)),
		"duplicate": batchBody(t, "a", "a"),
	} {
		if r := call(t, s, "POST", "/v1/messages/batches", body, nil); r.status != 400 {
			t.Errorf("%s: %d", name, r.status)
		}
	}
	// One request with an unknown model: the create succeeds, the entry errors.
	body := batchBody(t, "a", "b", "c")
	body["requests"].([]any)[2].(map[string]any)["params"].(map[string]any)["model"] = "claude-2"
	r := call(t, s, "POST", "/v1/messages/batches", body, nil)
	id, _ := r.body["id"].(string)
	counts := func(r reply) map[string]any { return r.body["request_counts"].(map[string]any) }
	if r.status != 200 || !strings.HasPrefix(id, "msgbatch_") || r.body["processing_status"] != "in_progress" ||
		counts(r)["processing"] != 3.0 || r.body["results_url"] != nil || r.body["ended_at"] != nil {
		t.Fatalf("create: %s", r.raw)
	}
	if r := call(t, s, "GET", "/v1/messages/batches/"+id+"/results", nil, nil); r.status != 400 {
		t.Errorf("results before end: %d", r.status)
	}
	if r := call(t, s, "DELETE", "/v1/messages/batches/"+id, nil, nil); r.status != 400 {
		t.Errorf("delete before end: %d", r.status)
	}
	if r := call(t, s, "GET", "/v1/messages/batches/"+id, nil, nil); r.body["processing_status"] != "in_progress" {
		t.Errorf("ended before the clock moved: %s", r.raw)
	}
	s.Advance(time.Hour)
	r = call(t, s, "GET", "/v1/messages/batches/"+id, nil, nil)
	if r.body["processing_status"] != "ended" || counts(r)["succeeded"] != 2.0 || counts(r)["errored"] != 1.0 ||
		counts(r)["processing"] != 0.0 || r.body["results_url"] != s.URL+"/v1/messages/batches/"+id+"/results" {
		t.Fatalf("ended: %s", r.raw)
	}
	r = call(t, s, "GET", "/v1/messages/batches/"+id+"/results", nil, nil)
	if r.header.Get("content-type") != "application/x-jsonl" {
		t.Errorf("results content-type %q", r.header.Get("content-type"))
	}
	got := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(r.raw))
	for sc.Scan() {
		var line struct {
			CustomID string `json:"custom_id"`
			Result   struct {
				Type    string `json:"type"`
				Message struct {
					Usage struct {
						ServiceTier string `json:"service_tier"`
					} `json:"usage"`
				} `json:"message"`
			} `json:"result"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("bad line %q", sc.Text())
		}
		got[line.CustomID] = line.Result.Type
		if line.Result.Type == "succeeded" && line.Result.Message.Usage.ServiceTier != "batch" {
			t.Errorf("%s: service_tier %q", line.CustomID, line.Result.Message.Usage.ServiceTier)
		}
	}
	if fmt.Sprint(got) != "map[a:succeeded b:succeeded c:errored]" {
		t.Errorf("results %v", got)
	}
	if r := call(t, s, "POST", "/v1/messages/batches/"+id+"/cancel", nil, nil); r.status != 400 {
		t.Errorf("cancel after end: %d", r.status)
	}
	if r := call(t, s, "DELETE", "/v1/messages/batches/"+id, nil, nil); r.status != 200 || r.body["type"] != "message_batch_deleted" {
		t.Errorf("delete: %s", r.raw)
	}
	if r := call(t, s, "GET", "/v1/messages/batches/"+id, nil, nil); r.status != 404 || r.errType() != "not_found_error" {
		t.Errorf("deleted batch: %d", r.status)
	}
}

func TestBatchCancelExpireAndList(t *testing.T) {
	t.Parallel()
	s := claudetest.New(t, claudetest.Options{BatchProcessing: 25 * time.Hour})
	var ids []string
	for i := range 3 {
		r := call(t, s, "POST", "/v1/messages/batches", batchBody(t, fmt.Sprintf("x%d", i), "y"), nil)
		ids = append(ids, r.body["id"].(string))
	}
	r := call(t, s, "POST", "/v1/messages/batches/"+ids[0]+"/cancel", nil, nil)
	if r.body["processing_status"] != "canceling" || r.body["cancel_initiated_at"] == nil {
		t.Errorf("cancel: %s", r.raw)
	}
	r = call(t, s, "GET", "/v1/messages/batches/"+ids[0], nil, nil)
	if c := r.body["request_counts"].(map[string]any); r.body["processing_status"] != "ended" || c["canceled"] != 2.0 {
		t.Errorf("canceled batch: %s", r.raw)
	}
	s.Advance(24 * time.Hour) // 25 h of work never finishes: expired
	r = call(t, s, "GET", "/v1/messages/batches/"+ids[1], nil, nil)
	if c := r.body["request_counts"].(map[string]any); r.body["processing_status"] != "ended" || c["expired"] != 2.0 {
		t.Errorf("expired batch: %s", r.raw)
	}
	// Newest first, paginated.
	r = call(t, s, "GET", "/v1/messages/batches?limit=2", nil, nil)
	data := r.body["data"].([]any)
	if len(data) != 2 || data[0].(map[string]any)["id"] != ids[2] || r.body["has_more"] != true || r.body["last_id"] != ids[1] {
		t.Errorf("page 1: %s", r.raw)
	}
	r = call(t, s, "GET", "/v1/messages/batches?limit=2&after_id="+ids[1], nil, nil)
	data = r.body["data"].([]any)
	if len(data) != 1 || data[0].(map[string]any)["id"] != ids[0] || r.body["has_more"] != false {
		t.Errorf("page 2: %s", r.raw)
	}
	if r := call(t, s, "GET", "/v1/messages/batches?limit=0", nil, nil); r.status != 400 {
		t.Errorf("limit=0: %d", r.status)
	}
	if st := s.Stats(); st.BatchSucceeded != 0 || st.BatchInput != 0 {
		t.Errorf("canceled/expired entries were billed: %+v", st)
	}
}
