package httpapi

import (
	"bytes"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// openAPIDoc is the part of the document the tests read.
type openAPIDoc struct {
	OpenAPI string `json:"openapi"`
	Paths   map[string]map[string]struct {
		OperationID string                `json:"operationId"`
		Summary     string                `json:"summary"`
		Security    []map[string][]string `json:"security"`
		Parameters  []struct {
			Name, In string
			Required bool
			Schema   struct {
				Minimum, Maximum *float64
				Type             any
			}
		}
		RequestBody *struct {
			Content map[string]json.RawMessage
		} `json:"requestBody"`
		Responses map[string]struct {
			Content map[string]struct {
				Schema struct {
					Ref string `json:"$ref"`
				}
			}
		}
	}
	Components struct {
		Schemas         map[string]json.RawMessage
		SecuritySchemes map[string]json.RawMessage
	}
}

func fetchOpenAPI(t *testing.T, ts *testServer) openAPIDoc {
	t.Helper()
	rec := ts.do(req{method: "GET", path: "/api/openapi.json"})
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("openapi.json: %d %v", rec.Code, rec.Header())
	}
	var doc openAPIDoc
	decodeBody(t, rec, &doc)
	return doc
}

var pathParam = regexp.MustCompile(`\{([^}.]+)(\.\.\.)?\}`)

// TestOpenAPIMatchesRouteTable: every route of the table is documented,
// with its method, path parameters, security and error shape, and the
// document has no operation the table does not serve.
func TestOpenAPIMatchesRouteTable(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, stores[0].open(t))
	doc := fetchOpenAPI(t, ts)
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Errorf("openapi %q, want 3.1.x", doc.OpenAPI)
	}
	if _, ok := doc.Components.SecuritySchemes[securityCookie]; !ok {
		t.Error("no cookie security scheme")
	}

	table := map[string]route{}
	for _, rt := range ts.srv.table() {
		table[rt.pattern] = rt
	}
	documented := map[string]bool{}
	ids := map[string]string{}
	for path, methods := range doc.Paths {
		for method, op := range methods {
			pattern := strings.ToUpper(method) + " " + path
			documented[pattern] = true
			rt, ok := table[pattern]
			if !ok {
				t.Errorf("%s is documented but not in the route table", pattern)
				continue
			}
			if op.Summary == "" || op.OperationID == "" {
				t.Errorf("%s: no summary or operationId", pattern)
			}
			if prev, dup := ids[op.OperationID]; dup {
				t.Errorf("operationId %q of %s is also %s's", op.OperationID, pattern, prev)
			}
			ids[op.OperationID] = pattern
			if secured := len(op.Security) > 0; secured == rt.public {
				t.Errorf("%s: documented as secured=%v but public=%v in the table", pattern, secured, rt.public)
			}
			var inPath []string
			for _, p := range op.Parameters {
				if p.In == "path" {
					inPath = append(inPath, p.Name)
				}
			}
			for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
				if !slices.Contains(inPath, m[1]) {
					t.Errorf("%s: path parameter %s not documented", pattern, m[1])
				}
			}
			if len(inPath) != len(pathParam.FindAllString(path, -1)) {
				t.Errorf("%s: documented path parameters %v", pattern, inPath)
			}
			if len(op.Responses) < 2 {
				t.Errorf("%s: responses %v, want success and errors", pattern, op.Responses)
			}
			for code, r := range op.Responses {
				if code >= "400" {
					if r.Content["application/json"].Schema.Ref != "#/components/schemas/ErrorBody" {
						t.Errorf("%s: %s is not the error shape", pattern, code)
					}
				}
			}
			if !rt.public {
				if _, ok := op.Responses["401"]; !ok {
					t.Errorf("%s: no 401 documented", pattern)
				}
			}
			if method != "get" {
				if _, ok := op.Responses["403"]; !ok {
					t.Errorf("%s: no 403 (CSRF) documented", pattern)
				}
			}
			if _, ok := op.Responses["429"]; !ok {
				t.Errorf("%s: no 429 documented", pattern)
			}
		}
	}
	for pattern := range table {
		if !documented[pattern] {
			t.Errorf("route %s is not in the OpenAPI document", pattern)
		}
	}
}

// TestOpenAPIBoundsAreEnforced: every numeric query parameter's documented
// bounds are the handler's: the edges pass, one beyond (a hundredth for a
// number that need not be whole) is a 400.
func TestOpenAPIBoundsAreEnforced(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, stores[0].open(t), func(d *Deps) { d.RateLimit = 1000 })
	a := ts.signup("a@example.com")
	doc := fetchOpenAPI(t, ts)
	checked := 0
	for path, methods := range doc.Paths {
		op, ok := methods["get"]
		if !ok || strings.Contains(path, "{") || path == "/api/v1/events" {
			continue
		}
		for _, p := range op.Parameters {
			if p.In != "query" || (p.Schema.Type != "integer" && p.Schema.Type != "number") {
				continue
			}
			step := 1.0
			if p.Schema.Type == "number" {
				step = 0.01
			}
			try := func(n float64, want bool) {
				u := path + "?" + url.Values{p.Name: {strconv.FormatFloat(n, 'f', -1, 64)}}.Encode()
				rec := ts.do(req{method: "GET", path: u, cookie: a.cookie})
				if ok := rec.Code == 200; ok != want {
					t.Errorf("%s: %d %s", u, rec.Code, rec.Body)
				}
			}
			if p.Schema.Minimum != nil {
				try(*p.Schema.Minimum, true)
				try(*p.Schema.Minimum-step, false)
				checked++
			}
			if p.Schema.Maximum != nil {
				try(*p.Schema.Maximum, true)
				try(*p.Schema.Maximum+step, false)
				checked++
			}
		}
	}
	if checked < 8 {
		t.Errorf("only %d bounds checked; is the document missing its bounds?", checked)
	}
}

// TestDocsPage: the docs page lists every operation and schema, loads no
// script and nothing from another host, and its stylesheet is served.
func TestDocsPage(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, stores[0].open(t))
	doc := fetchOpenAPI(t, ts)
	rec := ts.do(req{method: "GET", path: "/api/docs"})
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("docs: %d %v", rec.Code, rec.Header())
	}
	page := rec.Body.String()
	for _, bad := range []string{"<script", "javascript:", " style=", "<style", "http://", "https://"} {
		if strings.Contains(strings.ToLower(page), bad) {
			t.Errorf("docs page contains %q", bad)
		}
	}
	for path, methods := range doc.Paths {
		for method, op := range methods {
			if !strings.Contains(page, `id="`+op.OperationID+`"`) || !strings.Contains(page, "<code>"+path+"</code>") {
				t.Errorf("docs page lacks %s %s", method, path)
			}
		}
	}
	for name := range doc.Components.Schemas {
		if !strings.Contains(page, `id="schema-`+name+`"`) {
			t.Errorf("docs page lacks schema %s", name)
		}
	}
	for _, want := range []string{"limit", "1–200; default 20", "Retry-After", `"error"`, "tv_session"} {
		if !strings.Contains(page, want) {
			t.Errorf("docs page lacks %q", want)
		}
	}
	css := ts.do(req{method: "GET", path: "/api/docs.css"})
	if css.Code != 200 || !strings.HasPrefix(css.Header().Get("Content-Type"), "text/css") || css.Body.Len() == 0 {
		t.Errorf("docs.css: %d %v", css.Code, css.Header())
	}
}

// TestOpenAPIValidDocument validates the document against the official
// OpenAPI 3.1 schema, which the generator's module ships.
func TestOpenAPIValidDocument(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/swaggest/openapi-go").Output()
	if err != nil {
		t.Fatalf("locate github.com/swaggest/openapi-go: %v", err)
	}
	raw, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "resources", "schema", "openapi31.json"))
	if err != nil {
		t.Fatal(err)
	}
	meta, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("openapi31.json", meta); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("openapi31.json")
	if err != nil {
		t.Fatal(err)
	}
	ts := newTestServer(t, stores[0].open(t))
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(ts.srv.openapi))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(doc); err != nil {
		t.Errorf("the document is not valid OpenAPI 3.1: %v", err)
	}
}
