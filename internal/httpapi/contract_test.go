package httpapi

import (
	"bufio"
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// contract holds every answer the tests see to the OpenAPI document: the
// status must be one the route documents, with the documented media type,
// and a JSON body (or each event of a stream) must validate against the
// documented schema. testServer.do checks every answer, so all the handler
// tests double as tests of the document.
type contract struct {
	mux   *http.ServeMux // the table's patterns, to name a request's route
	paths map[string]map[string]struct {
		Responses map[string]struct {
			Content map[string]json.RawMessage
		}
	}
	mu       sync.Mutex
	compiler *jsonschema.Compiler
	schemas  map[string]*jsonschema.Schema
}

func newContract(t testing.TB, s *Server) *contract {
	t.Helper()
	c := &contract{mux: http.NewServeMux(), compiler: jsonschema.NewCompiler(), schemas: map[string]*jsonschema.Schema{}}
	for _, rt := range s.table() {
		c.mux.Handle(rt.pattern, http.NotFoundHandler())
	}
	var doc struct {
		Paths json.RawMessage
	}
	if err := json.Unmarshal(s.openapi, &doc); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(doc.Paths, &c.paths); err != nil {
		t.Fatal(err)
	}
	raw, err := jsonschema.UnmarshalJSON(bytes.NewReader(s.openapi))
	if err != nil {
		t.Fatal(err)
	}
	c.compiler.DefaultDraft(jsonschema.Draft2020)
	if err := c.compiler.AddResource("openapi.json", raw); err != nil {
		t.Fatal(err)
	}
	return c
}

// schema compiles the documented schema of one response.
func (c *contract) schema(path, method, status, mediaType string) (*jsonschema.Schema, error) {
	esc := func(s string) string {
		s = strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
		return strings.NewReplacer("{", "%7B", "}", "%7D").Replace(s)
	}
	loc := "openapi.json#/paths/" + esc(path) + "/" + method + "/responses/" + status + "/content/" + esc(mediaType) + "/schema"
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.schemas[loc]; ok {
		return s, nil
	}
	s, err := c.compiler.Compile(loc)
	if err != nil {
		return nil, err
	}
	c.schemas[loc] = s
	return s, nil
}

func (c *contract) check(t testing.TB, r *http.Request, rec *httptest.ResponseRecorder) {
	t.Helper()
	_, pattern := c.mux.Handler(r)
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		return // not a route of the table (an unknown /api/ path, the UI)
	}
	method = strings.ToLower(method)
	status := strconv.Itoa(rec.Code)
	resp, ok := c.paths[path][method].Responses[status]
	if !ok {
		t.Errorf("contract: %s answered %d, which its OpenAPI operation does not document: %.300s", pattern, rec.Code, rec.Body)
		return
	}
	if len(resp.Content) == 0 {
		if rec.Body.Len() > 0 {
			t.Errorf("contract: %s %d is documented without a body but has %d bytes", pattern, rec.Code, rec.Body.Len())
		}
		return
	}
	mediaType, _, err := mime.ParseMediaType(rec.Header().Get("Content-Type"))
	if _, documented := resp.Content[mediaType]; err != nil || !documented {
		t.Errorf("contract: %s %d has Content-Type %q; documented %v", pattern, rec.Code, rec.Header().Get("Content-Type"), keys(resp.Content))
		return
	}
	var bodies [][]byte
	switch mediaType {
	case "application/json":
		bodies = [][]byte{rec.Body.Bytes()}
	case "text/event-stream":
		sc := bufio.NewScanner(bytes.NewReader(rec.Body.Bytes()))
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				bodies = append(bodies, []byte(data))
			}
		}
	default:
		return
	}
	sch, err := c.schema(path, method, status, mediaType)
	if err != nil {
		t.Errorf("contract: schema of %s %s: %v", pattern, status, err)
		return
	}
	for _, b := range bodies {
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Errorf("contract: %s %d: body is not JSON: %v", pattern, rec.Code, err)
			continue
		}
		if err := sch.Validate(v); err != nil {
			t.Errorf("contract: %s %d: body does not match the documented schema: %v\n%.500s", pattern, rec.Code, err, b)
		}
	}
}

func keys[V any](m map[string]V) []string { return sortedKeys(m) }
