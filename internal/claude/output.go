package claude

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode"

	"github.com/targetvision/targetvision/internal/plaintext"
)

// Limits enforced on (or normalised into) every answer.
const (
	MinKeywords       = 10
	MaxKeywords       = 25
	maxObjects        = 40
	maxColors         = 10
	maxDescriptionLen = 700 // runes; three long sentences fit comfortably
	maxTermLen        = 60  // runes; longer "keywords" are sentences, dropped
	maxTextInImageLen = 500 // runes; a page of text is kept to its start
	maxPeople         = 100000
)

// Description is the validated, normalised content of Claude's answer.
type Description struct {
	Description string   `json:"description"`   // 1–3 sentences
	Keywords    []string `json:"keywords"`      // 10–25, lower-case, unique, in Claude's order
	Objects     []string `json:"objects"`       // lower-case, unique
	Scene       string   `json:"scene"`         // lower-case label
	TextInImage string   `json:"text_in_image"` // verbatim, "" if none
	PeopleCount int      `json:"people_count"`  // ≥ 0
	Colors      []string `json:"colors"`        // lower-case, unique
}

// rawAnswer mirrors the schema with pointers so a missing field is told apart
// from a zero value.
type rawAnswer struct {
	Description *string         `json:"description"`
	Keywords    *[]string       `json:"keywords"`
	Objects     *[]string       `json:"objects"`
	Scene       *string         `json:"scene"`
	TextInImage *string         `json:"text_in_image"`
	PeopleCount json.RawMessage `json:"people_count"`
	Colors      *[]string       `json:"colors"`
}

// parseAnswer validates and normalises the tool input (or JSON text). The
// returned string is the reason the answer is unusable, "" when it is fine.
func parseAnswer(raw []byte) (Description, string) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return Description{}, "empty answer"
	}
	var a rawAnswer
	if err := json.Unmarshal(raw, &a); err != nil {
		return Description{}, "answer is not the expected JSON object: " + err.Error()
	}
	var missing []string
	for name, present := range map[string]bool{
		"description": a.Description != nil, "keywords": a.Keywords != nil, "objects": a.Objects != nil,
		"scene": a.Scene != nil, "text_in_image": a.TextInImage != nil, "people_count": a.PeopleCount != nil,
		"colors": a.Colors != nil,
	} {
		if !present {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return Description{}, "missing fields: " + strings.Join(missing, ", ")
	}
	var d Description
	d.Description = strings.Join(strings.Fields(plaintext.Line(*a.Description)), " ")
	if d.Description == "" {
		return Description{}, "empty description"
	}
	if n := len([]rune(d.Description)); n > maxDescriptionLen {
		return Description{}, fmt.Sprintf("description is %d characters (want 1-3 sentences)", n)
	}
	d.Keywords = normaliseTerms(*a.Keywords, MaxKeywords)
	if len(d.Keywords) < MinKeywords {
		return Description{}, fmt.Sprintf("%d distinct keywords (want %d-%d)", len(d.Keywords), MinKeywords, MaxKeywords)
	}
	d.Objects = normaliseTerms(*a.Objects, maxObjects)
	d.Colors = normaliseTerms(*a.Colors, maxColors)
	d.Scene = normaliseTerm(*a.Scene)
	d.TextInImage = plaintext.Truncate(strings.TrimSpace(plaintext.Clean(*a.TextInImage)), maxTextInImageLen)
	var pc float64
	if err := json.Unmarshal(a.PeopleCount, &pc); err != nil || pc != math.Trunc(pc) || pc < 0 || pc > maxPeople {
		return Description{}, fmt.Sprintf("people_count %s is not a non-negative integer", a.PeopleCount)
	}
	d.PeopleCount = int(pc)
	return d, ""
}

// normaliseTerms lower-cases, trims and de-duplicates terms, keeping the
// first occurrence's position, and keeps at most limit of them.
func normaliseTerms(in []string, limit int) []string {
	out := make([]string, 0, min(len(in), limit))
	seen := make(map[string]bool, len(in))
	for _, t := range in {
		t = normaliseTerm(t)
		if t == "" || seen[t] || len([]rune(t)) > maxTermLen {
			continue
		}
		seen[t] = true
		out = append(out, t)
		if len(out) == limit {
			break
		}
	}
	return out
}

// normaliseTerm lower-cases, collapses whitespace and strips surrounding
// punctuation ("Sunset." → "sunset", "#Snow" → "snow").
func normaliseTerm(s string) string {
	s = strings.ToLower(strings.Join(strings.Fields(plaintext.Line(s)), " "))
	return strings.TrimFunc(s, func(r rune) bool {
		return unicode.IsPunct(r) && r != '&' || unicode.IsSymbol(r) && r != '+'
	})
}
