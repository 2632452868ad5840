package search

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/targetvision/targetvision/internal/store"
)

// Query is a parsed search box entry.
//
// The syntax is forgiving: anything that is not a well-formed operator is
// plain text, so parsing never fails.
//
//	red barn "golden hour" -people camera:canon album:"Summer Trips"
//	after:2019 before:2021-06 keyword:snow rating:4
//
// rating:N keeps photos the photographer rated N stars or more (1-5).
// after:X keeps photos taken on or after the start of X and before:X keeps
// photos taken before the start of X, where X is a year, a month (YYYY-MM) or
// a day (YYYY-MM-DD) in UTC — so after:2019 before:2020 is the year 2019.
type Query struct {
	// Text is what the vector leg embeds: the plain words and the phrases,
	// in the order typed, without operators or exclusions.
	Text string
	// Terms are the plain words (the text leg matches them as prefixes).
	Terms []string
	// Phrases are the quoted phrases.
	Phrases []string
	// Exclude are the words after a minus sign (or in a -"quoted phrase").
	Exclude []string
	// Filter holds the operators (camera:, album:, keyword:, rating:,
	// after:, before:).
	Filter store.Filter
}

// HasText reports whether the query has anything to rank by; a query
// without text only filters, and lists photos newest first.
func (q Query) HasText() bool { return len(q.Terms) > 0 || len(q.Phrases) > 0 }

// ParseQuery parses a search box entry. It never fails: unknown operators,
// bad dates and stray quotes are read as plain text.
func ParseQuery(s string) Query {
	var q Query
	var text []string
	p := parser{s: s}
	for {
		p.skipSpace()
		if p.eof() {
			break
		}
		start := p.i
		switch c := p.s[p.i]; {
		case c == '"':
			p.i++
			if ph := strings.TrimSpace(p.until('"')); ph != "" && hasWord(ph) {
				q.Phrases = append(q.Phrases, ph)
				text = append(text, ph)
			}
			continue
		case c == '-' && p.i+1 < len(p.s) && p.s[p.i+1] == '"':
			p.i += 2
			q.Exclude = append(q.Exclude, store.Words(p.until('"'))...)
			continue
		case c == '-' && p.i+1 < len(p.s) && !isSpaceByte(p.s[p.i+1]):
			p.i++
			if w := store.Words(p.word()); len(w) > 0 {
				q.Exclude = append(q.Exclude, w...)
				continue
			}
			p.i = start // "--" and such: read as text below
		}
		if key, ok := p.operator(); ok {
			var val string
			if !p.eof() && p.s[p.i] == '"' {
				p.i++
				val = strings.TrimSpace(p.until('"'))
			} else {
				val = p.word()
			}
			if applyOperator(&q.Filter, key, val) {
				continue
			}
			p.i = start
		}
		w := p.word()
		if hasWord(w) {
			q.Terms = append(q.Terms, w)
			text = append(text, w)
		}
	}
	q.Text = strings.Join(text, " ")
	return q
}

// operators are the recognised key: prefixes, lower-case.
var operators = []string{"camera", "album", "after", "before", "keyword", "rating"}

// applyOperator sets the filter field of key from val and reports whether
// val was acceptable (non-empty; a valid date for after/before).
func applyOperator(f *store.Filter, key, val string) bool {
	if val == "" {
		return false
	}
	switch key {
	case "camera":
		f.Camera = val
	case "album":
		f.Album = val
	case "keyword":
		f.Keyword = val
	case "rating":
		n, err := strconv.Atoi(strings.TrimSuffix(val, "+"))
		if err != nil || n < 1 || n > 5 {
			return false
		}
		f.MinRating = n
	case "after", "before":
		t, ok := parseDate(val)
		if !ok {
			return false
		}
		if key == "after" {
			f.From = t
		} else {
			f.To = t
		}
	default:
		return false
	}
	return true
}

// parseDate reads YYYY, YYYY-MM or YYYY-MM-DD as the start of that period in UTC.
func parseDate(s string) (time.Time, bool) {
	for _, layout := range []string{"2006", "2006-01", "2006-01-02"} {
		if len(s) != len(layout) {
			continue
		}
		t, err := time.Parse(layout, s)
		if err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

type parser struct {
	s string
	i int
}

func (p *parser) eof() bool { return p.i >= len(p.s) }

func (p *parser) skipSpace() {
	for !p.eof() {
		r, n := utf8.DecodeRuneInString(p.s[p.i:])
		if !unicode.IsSpace(r) {
			return
		}
		p.i += n
	}
}

// word reads up to the next white space.
func (p *parser) word() string {
	start := p.i
	for !p.eof() {
		r, n := utf8.DecodeRuneInString(p.s[p.i:])
		if unicode.IsSpace(r) {
			break
		}
		p.i += n
	}
	return p.s[start:p.i]
}

// until reads up to the closing byte c (consumed) or the end of input.
func (p *parser) until(c byte) string {
	j := strings.IndexByte(p.s[p.i:], c)
	if j < 0 {
		out := p.s[p.i:]
		p.i = len(p.s)
		return out
	}
	out := p.s[p.i : p.i+j]
	p.i += j + 1
	return out
}

// operator consumes a recognised "key:" at the cursor.
func (p *parser) operator() (string, bool) {
	for _, k := range operators {
		n := len(k) + 1
		if len(p.s)-p.i >= n && strings.EqualFold(p.s[p.i:p.i+len(k)], k) && p.s[p.i+len(k)] == ':' {
			p.i += n
			return k, true
		}
	}
	return "", false
}

func isSpaceByte(b byte) bool {
	return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\v' || b == '\f'
}

// hasWord reports whether s holds at least one letter or digit.
func hasWord(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }) >= 0
}
