package httpapi

import (
	"fmt"
	"math"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// bindParams fills p, a pointer to a struct, from the request's path and
// query parameters named by the fields' `path` and `query` tags, and checks
// the bounds the fields' `minimum`, `maximum`, `maxLength` and `enum` tags
// declare (`default` fills an absent query parameter). The OpenAPI document
// is reflected from the same structs and tags, so what the docs promise and
// what the handlers check cannot drift apart.
//
// A path id that is not a positive whole number answers 404 (there is no
// such resource); a bad query parameter answers 400 naming the parameter and
// its bounds. Unknown query parameters are ignored. Supported field kinds:
// string, int, int64, float64, bool, and embedded structs of them.
func bindParams(r *http.Request, p any) error {
	v := reflect.ValueOf(p)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("httpapi: bindParams wants a pointer to a struct, got %T", p)
	}
	return bindStruct(r, v.Elem())
}

func bindStruct(r *http.Request, v reflect.Value) error {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			if err := bindStruct(r, v.Field(i)); err != nil {
				return err
			}
			continue
		}
		if name := f.Tag.Get("path"); name != "" {
			if err := bindPath(r, name, v.Field(i)); err != nil {
				return err
			}
			continue
		}
		if name := f.Tag.Get("query"); name != "" {
			raw, ok := r.URL.Query()[name]
			s := ""
			if ok && len(raw) > 0 {
				s = raw[0]
			}
			if s == "" {
				s = f.Tag.Get("default")
			}
			if err := bindQuery(name, s, f.Tag, v.Field(i)); err != nil {
				return err
			}
		}
	}
	return nil
}

// bindPath reads an id: a positive whole number, or the resource is not found.
func bindPath(r *http.Request, name string, fv reflect.Value) error {
	switch fv.Kind() {
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(r.PathValue(name), 10, 64)
		if err != nil || n <= 0 {
			return errNotFound()
		}
		fv.SetInt(n)
		return nil
	case reflect.String:
		fv.SetString(r.PathValue(name))
		return nil
	}
	return fmt.Errorf("httpapi: path parameter %s has unsupported kind %s", name, fv.Kind())
}

func bindQuery(name, s string, tag reflect.StructTag, fv reflect.Value) error {
	if s == "" {
		return nil // absent, no default: the zero value
	}
	switch fv.Kind() {
	case reflect.String:
		if ml := tag.Get("maxLength"); ml != "" {
			if n, _ := strconv.Atoi(ml); utf8.RuneCountInString(s) > n {
				return errBadRequest("%s is too long (%d characters at most)", name, n)
			}
		}
		if enum := tag.Get("enum"); enum != "" {
			if vals := strings.Split(enum, ","); !slices.Contains(vals, s) {
				return errBadRequest("%s must be one of: %s", name, strings.Join(vals, ", "))
			}
		}
		fv.SetString(s)
	case reflect.Int, reflect.Int64:
		lo, hi := int64(0), int64(1<<53)
		hasLo, hasHi := false, false
		if m := tag.Get("minimum"); m != "" {
			lo, _ = strconv.ParseInt(m, 10, 64)
			hasLo = true
		}
		if m := tag.Get("maximum"); m != "" {
			hi, _ = strconv.ParseInt(m, 10, 64)
			hasHi = true
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || (hasLo && n < lo) || (hasHi && n > hi) {
			switch {
			case hasLo && hasHi:
				return errBadRequest("%s must be a whole number from %d to %d", name, lo, hi)
			case hasLo:
				return errBadRequest("%s must be a whole number of at least %d", name, lo)
			default:
				return errBadRequest("%s must be a whole number", name)
			}
		}
		fv.SetInt(n)
	case reflect.Float64:
		lo, hi := math.Inf(-1), math.Inf(1)
		if m := tag.Get("minimum"); m != "" {
			lo, _ = strconv.ParseFloat(m, 64)
		}
		if m := tag.Get("maximum"); m != "" {
			hi, _ = strconv.ParseFloat(m, 64)
		}
		n, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(n) || math.IsInf(n, 0) || n < lo || n > hi {
			if math.IsInf(lo, 0) || math.IsInf(hi, 0) {
				return errBadRequest("%s must be a number", name)
			}
			return errBadRequest("%s must be a number from %g to %g", name, lo, hi)
		}
		fv.SetFloat(n)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return errBadRequest("%s must be true or false", name)
		}
		fv.SetBool(b)
	default:
		return fmt.Errorf("httpapi: query parameter %s has unsupported kind %s", name, fv.Kind())
	}
	return nil
}
