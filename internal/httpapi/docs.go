package httpapi

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// The docs page is rendered on the server from the OpenAPI document: plain
// HTML and a self-hosted stylesheet, no script, no CDN, so it works offline
// and under the strict Content-Security-Policy.
//
//go:embed docs/docs.html docs/docs.css
var docsFS embed.FS

var docsTemplate = template.Must(template.ParseFS(docsFS, "docs/docs.html"))

// docsView is what docs.html shows.
type docsView struct {
	Title, Version, Description string
	Security                    []securityView
	Tags                        []tagView
	Schemas                     []schemaView
}

type securityView struct{ Name, Kind, Description string }

type tagView struct {
	Name string
	Ops  []opView
}

type opView struct {
	ID, Method, Path, Summary, Description string
	Secured                                bool
	Params                                 []paramView
	Body                                   *bodyView
	Responses                              []respView
}

type paramView struct {
	Name, In, Bounds, Description string
	Required                      bool
	Type                          typeView
}

type bodyView struct {
	ContentType string
	Type        typeView
}

type respView struct {
	Status            int
	Code, Description string
	ContentType       string
	Type              typeView
	Headers           []string
}

type schemaView struct {
	Name, Description string
	Fields            []paramView
	Type              typeView
}

// typeView renders a schema's type: Prefix, a link to a named schema (Ref)
// if any, Suffix — "array of <a>PhotoSummary</a>", "string (date-time) or null".
type typeView struct{ Prefix, Ref, Suffix string }

// renderDocs renders the docs page from the OpenAPI document.
func renderDocs(doc []byte) ([]byte, error) {
	var spec struct {
		Info struct {
			Title, Version, Description string
		}
		Paths      map[string]map[string]jsonOp
		Components struct {
			Schemas         map[string]schemaJSON
			SecuritySchemes map[string]struct {
				Type, Scheme, In, Name, Description string
			}
		}
	}
	if err := json.Unmarshal(doc, &spec); err != nil {
		return nil, fmt.Errorf("httpapi: docs page: %w", err)
	}
	v := docsView{Title: spec.Info.Title, Version: spec.Info.Version, Description: spec.Info.Description}
	for _, name := range sortedKeys(spec.Components.SecuritySchemes) {
		s := spec.Components.SecuritySchemes[name]
		kind := s.Type + " " + s.Scheme
		if s.Type == "apiKey" {
			kind = fmt.Sprintf("%s %q", s.In, s.Name)
		}
		v.Security = append(v.Security, securityView{Name: name, Kind: strings.TrimSpace(kind), Description: s.Description})
	}
	byTag := map[string][]opView{}
	for _, path := range sortedKeys(spec.Paths) {
		for _, method := range sortedKeys(spec.Paths[path]) {
			o := spec.Paths[path][method]
			ov := opView{ID: o.OperationID, Method: strings.ToUpper(method), Path: path, Summary: o.Summary,
				Description: o.Description, Secured: len(o.Security) > 0}
			for _, p := range o.Parameters {
				ov.Params = append(ov.Params, paramView{Name: p.Name, In: p.In, Required: p.Required,
					Description: p.Description, Type: typeOf(p.Schema), Bounds: bounds(p.Schema)})
			}
			for _, ct := range sortedKeys(o.RequestBody.Content) {
				ov.Body = &bodyView{ContentType: ct, Type: typeOf(o.RequestBody.Content[ct].Schema)}
			}
			for _, code := range sortedKeys(o.Responses) {
				r := o.Responses[code]
				status, _ := strconv.Atoi(code)
				rv := respView{Status: status, Code: code + " " + http.StatusText(status), Description: r.Description}
				for _, ct := range sortedKeys(r.Content) {
					rv.ContentType, rv.Type = ct, typeOf(r.Content[ct].Schema)
				}
				rv.Headers = sortedKeys(r.Headers)
				ov.Responses = append(ov.Responses, rv)
			}
			tag := "other"
			if len(o.Tags) > 0 {
				tag = o.Tags[0]
			}
			byTag[tag] = append(byTag[tag], ov)
		}
	}
	for _, tag := range []string{"account", "search", "photos", "sources", "jobs", "settings", "operations", "docs"} {
		if ops, ok := byTag[tag]; ok {
			v.Tags = append(v.Tags, tagView{Name: tag, Ops: ops})
			delete(byTag, tag)
		}
	}
	for _, tag := range sortedKeys(byTag) {
		v.Tags = append(v.Tags, tagView{Name: tag, Ops: byTag[tag]})
	}
	for _, name := range sortedKeys(spec.Components.Schemas) {
		s := spec.Components.Schemas[name]
		sv := schemaView{Name: name, Description: s.Description, Type: typeOf(s)}
		for _, f := range sortedKeys(s.Properties) {
			p := s.Properties[f]
			sv.Fields = append(sv.Fields, paramView{Name: f, Required: slices.Contains(s.Required, f),
				Description: p.Description, Type: typeOf(p), Bounds: bounds(p)})
		}
		v.Schemas = append(v.Schemas, sv)
	}
	var b bytes.Buffer
	if err := docsTemplate.Execute(&b, v); err != nil {
		return nil, fmt.Errorf("httpapi: docs page: %w", err)
	}
	return b.Bytes(), nil
}

// jsonOp is the part of an OpenAPI operation the docs page shows.
type jsonOp struct {
	OperationID, Summary, Description string
	Tags                              []string
	Security                          []map[string][]string
	Parameters                        []struct {
		Name, In, Description string
		Required              bool
		Schema                schemaJSON
	}
	RequestBody struct {
		Content map[string]struct{ Schema schemaJSON }
	}
	Responses map[string]struct {
		Description string
		Headers     map[string]json.RawMessage
		Content     map[string]struct{ Schema schemaJSON }
	}
}

// schemaJSON is the part of a JSON Schema the docs page shows.
type schemaJSON struct {
	Ref                  string `json:"$ref"`
	Type                 json.RawMessage
	Format, Description  string
	Items                *schemaJSON
	AdditionalProperties *schemaJSON
	Properties           map[string]schemaJSON
	Required             []string
	Enum                 []any
	Default              any
	Minimum, Maximum     *float64
	MinLength, MaxLength *int
}

// typeOf describes a schema's type for people.
func typeOf(s schemaJSON) typeView {
	if s.Ref != "" {
		return typeView{Ref: strings.TrimPrefix(s.Ref, "#/components/schemas/")}
	}
	var types []string
	if len(s.Type) > 0 {
		var one string
		if json.Unmarshal(s.Type, &one) == nil {
			types = []string{one}
		} else {
			json.Unmarshal(s.Type, &types)
		}
	}
	nullable := slices.Contains(types, "null")
	types = slices.DeleteFunc(types, func(t string) bool { return t == "null" })
	suffix := ""
	if nullable {
		suffix = " or null"
	}
	switch {
	case slices.Contains(types, "array") && s.Items != nil:
		t := typeOf(*s.Items)
		return typeView{Prefix: "array of " + t.Prefix, Ref: t.Ref, Suffix: t.Suffix + suffix}
	case slices.Contains(types, "object") && s.AdditionalProperties != nil && s.Properties == nil:
		t := typeOf(*s.AdditionalProperties)
		if t.Prefix == "any" && t.Ref == "" {
			return typeView{Prefix: "object" + suffix}
		}
		return typeView{Prefix: "map of string to " + t.Prefix, Ref: t.Ref, Suffix: t.Suffix + suffix}
	case len(types) == 0:
		return typeView{Prefix: "any" + suffix}
	}
	t := strings.Join(types, " or ")
	if s.Format != "" {
		t += " (" + s.Format + ")"
	}
	return typeView{Prefix: t + suffix}
}

// bounds describes a schema's constraints for people: "1–200, default 20".
func bounds(s schemaJSON) string {
	var parts []string
	num := func(f *float64) string { return strconv.FormatFloat(*f, 'f', -1, 64) }
	switch {
	case s.Minimum != nil && s.Maximum != nil:
		parts = append(parts, num(s.Minimum)+"–"+num(s.Maximum))
	case s.Minimum != nil:
		parts = append(parts, "≥ "+num(s.Minimum))
	case s.Maximum != nil:
		parts = append(parts, "≤ "+num(s.Maximum))
	}
	switch {
	case s.MinLength != nil && s.MaxLength != nil:
		parts = append(parts, fmt.Sprintf("%d–%d characters", *s.MinLength, *s.MaxLength))
	case s.MaxLength != nil:
		parts = append(parts, fmt.Sprintf("at most %d characters", *s.MaxLength))
	}
	if len(s.Enum) > 0 {
		vals := make([]string, len(s.Enum))
		for i, e := range s.Enum {
			vals[i] = fmt.Sprint(e)
		}
		parts = append(parts, "one of "+strings.Join(vals, ", "))
	}
	if s.Default != nil {
		parts = append(parts, fmt.Sprintf("default %v", s.Default))
	}
	return strings.Join(parts, "; ")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func (s *Server) openAPIDocument(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(s.openapi)
}

func (s *Server) docsPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(s.docsHTML)
}

func (s *Server) docsStylesheet(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	http.ServeFileFS(w, r, docsFS, "docs/docs.css")
}
