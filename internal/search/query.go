package search

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/targetvision/targetvision/internal/store"
)

// Query is a parsed search box entry.
//
// The syntax is forgiving: parsing never fails, and what it cannot take as
// typed comes back as a hint rather than silently changing the search.
//
//	red barn "golden hour" -people camera:canon album:"Summer Trips"
//	after:2019 before:2021-06 after:"June 2019" keyword:snow rating:4
//	place:Berlin place:iceland lens:50mm iso:100-400 aperture:2.8 is:favorite
//
// place:X keeps photos whose place, named from their GPS position
// ("Berlin, Germany"), contains X.
// rating:N keeps photos the photographer rated N stars or more (1-5).
// lens:X keeps photos whose lens contains X. iso:N and aperture:N (an
// f-number, f/2.8 or 2.8) keep photos of that value, and take a range
// (100-400), a lower bound (1600+ or >=1600) or an upper one (<=400); an
// aperture matches to the nearest tenth, as cameras round f-numbers.
// is:favorite keeps the photos marked as favourites.
// after:X keeps photos taken on or after the start of X and before:X keeps
// photos taken before the start of X, where X is a year, a month (YYYY-MM,
// "June 2019") or a day (YYYY-MM-DD) in UTC — so after:2019 before:2020 is
// the year 2019.
type Query struct {
	// Text is what the vector leg embeds: the plain words and the phrases,
	// in the order typed, without operators or exclusions.
	Text string
	// Terms are the plain words.
	Terms []string
	// Phrases are the quoted phrases.
	Phrases []string
	// Exclude are the words after a minus sign (or in a -"quoted phrase").
	Exclude []string
	// Filter holds the operators (camera:, lens:, album:, keyword:,
	// place:, rating:, iso:, aperture:, is:, after:, before:).
	Filter store.Filter
	// Hints say what was not understood: a key: that is no operator, an
	// after:/before: that is no date.
	Hints []Hint
	// Dates are plain words that read as a year or a month ("2008", "june
	// 2019"); the engine makes them a date filter when no photo's text has
	// them.
	Dates []DateSpan
}

// DateSpan is a run of Terms that reads as a period.
type DateSpan struct {
	// Terms are the words, as they are in Query.Terms (consecutive).
	Terms []string
	// From and To bound the period: From inclusive, To exclusive.
	From, To time.Time
}

// HasText reports whether the query has anything to rank by; a query
// without text only filters, and lists photos newest first.
func (q Query) HasText() bool { return len(q.Terms) > 0 || len(q.Phrases) > 0 }

// ParseQuery parses a search box entry. It never fails: stray quotes are
// read as plain text, and unknown operators and bad dates become hints.
func ParseQuery(s string) Query {
	var q Query
	var text []string
	p := parser{s: s}
	term := func(w string) {
		q.Terms = append(q.Terms, w)
		text = append(text, w)
	}
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
			quotedVal := !p.eof() && p.s[p.i] == '"'
			var val string
			if quotedVal {
				p.i++
				val = strings.TrimSpace(p.until('"'))
			} else {
				val = p.word()
				if (key == "after" || key == "before") && isMonthName(val) {
					// after:June 2019: the year is the next word.
					save := p.i
					p.skipSpace()
					if y := p.word(); isYear(y) {
						val += " " + y
					} else {
						p.i = save
					}
				}
			}
			if h, ok := applyOperator(&q.Filter, key, val); ok {
				continue
			} else if h != nil {
				q.Hints = append(q.Hints, *h)
				continue
			}
			p.i = start
		}
		w := p.word()
		if key, ok := unknownOperator(w); ok {
			q.Hints = append(q.Hints, Hint{Code: HintUnknownOperator,
				Message: fmt.Sprintf("“%s:” is not a filter, so “%s” was searched for as words. Filters: %s.", key, strings.Join(store.Words(w), " "), operatorList())})
		}
		if !hasWord(w) {
			continue
		}
		// A bare year or month ("2008", "2019-06", "june 2019") may be
		// a date; the engine decides once it knows the library's words.
		if isMonthName(w) {
			save := p.i
			p.skipSpace()
			if y := p.word(); isYear(y) {
				from, _ := parseDate(w + " " + y)
				term(w)
				term(y)
				q.Dates = append(q.Dates, DateSpan{Terms: []string{w, y}, From: from, To: from.AddDate(0, 1, 0)})
				continue
			}
			p.i = save
		}
		if from, ok := parseDate(w); ok && !strings.ContainsFunc(w, unicode.IsLetter) && from.Year() >= 1900 && from.Year() < 2100 {
			q.Dates = append(q.Dates, DateSpan{Terms: []string{w}, From: from, To: periodEnd(w, from)})
		}
		term(w)
	}
	q.Text = strings.Join(text, " ")
	return q
}

// operators are the recognised key: prefixes, lower-case.
var operators = []string{"camera", "lens", "album", "after", "before", "keyword", "place", "rating", "iso", "aperture", "is"}

func operatorList() string {
	out := make([]string, len(operators))
	for i, o := range operators {
		out[i] = o + ":"
		if o == "is" {
			out[i] = "is:favorite"
		}
	}
	return strings.Join(out, ", ")
}

// unknownOperator reports a word shaped like key:value (letters, a colon,
// something) whose key is not an operator: lens:50mm, not 10:30 or a URL.
func unknownOperator(w string) (string, bool) {
	key, val, found := strings.Cut(w, ":")
	if !found || !hasWord(val) || strings.HasPrefix(val, "/") || len(key) < 2 {
		return "", false
	}
	for _, r := range key {
		if !unicode.IsLetter(r) {
			return "", false
		}
	}
	return strings.ToLower(key), true
}

// applyOperator sets the filter field of key from val and reports whether
// val was acceptable (non-empty; a valid date for after/before). A value it
// refuses comes with a hint when the key was clearly meant as an operator.
func applyOperator(f *store.Filter, key, val string) (*Hint, bool) {
	if val == "" {
		if key == "after" || key == "before" {
			return &Hint{Code: HintBadValue, Message: fmt.Sprintf("“%s:” needs a date: %s.", key, dateForms)}, false
		}
		return nil, false
	}
	switch key {
	case "camera":
		f.Camera = val
	case "album":
		f.Album = val
	case "keyword":
		f.Keyword = val
	case "place":
		f.Place = val
	case "lens":
		f.Lens = val
	case "iso":
		lo, hi, ok := parseBounds(val)
		if !ok || lo != math.Trunc(lo) || hi != math.Trunc(hi) || hi > 1e7 {
			return &Hint{Code: HintBadValue, Message: fmt.Sprintf("“iso:%s” is not an ISO speed, so it was left out: %s.", val, isoForms)}, false
		}
		f.MinISO, f.MaxISO = int(lo), int(hi)
	case "aperture":
		lo, hi, ok := parseBounds(strings.TrimPrefix(strings.ToLower(val), "f/"))
		if !ok || hi > 1000 {
			return &Hint{Code: HintBadValue, Message: fmt.Sprintf("“aperture:%s” is not an f-number, so it was left out: %s.", val, apertureForms)}, false
		}
		// Cameras record f/1.8 as 1.8, 1.75 or 1.7999…: a bound reaches
		// half a tenth past the value typed.
		if lo > 0 {
			f.MinFNumber = roundHundredths(lo - 0.05)
		}
		if hi > 0 {
			f.MaxFNumber = roundHundredths(hi + 0.05)
		}
	case "is":
		if v := strings.ToLower(val); v != "favorite" && v != "favourite" && v != "fav" {
			return &Hint{Code: HintBadValue, Message: fmt.Sprintf("“is:%s” is not something a photo can be here, so it was left out: use is:favorite.", val)}, false
		}
		f.Favorite = true
	case "rating":
		n, err := strconv.Atoi(strings.TrimSuffix(val, "+"))
		if err != nil || n < 1 || n > 5 {
			return &Hint{Code: HintBadValue, Message: fmt.Sprintf("“rating:%s” needs 1 to 5 stars, so it was left out.", val)}, false
		}
		f.MinRating = n
	case "after", "before":
		t, ok := parseDate(val)
		if !ok {
			return &Hint{Code: HintBadValue, Message: fmt.Sprintf("“%s:%s” is not a date, so it was left out: %s.", key, val, dateForms)}, false
		}
		if key == "after" {
			f.From = t
		} else {
			f.To = t
		}
	default:
		return nil, false
	}
	return nil, true
}

// isoForms and apertureForms say what iso: and aperture: take.
const (
	isoForms      = "use a speed (iso:400), a range (iso:100-400), at least (iso:1600+) or at most (iso:<=400)"
	apertureForms = "use an f-number (aperture:2.8 or aperture:f/2.8), a range (aperture:1.4-2.8), at least (aperture:8+) or at most (aperture:<=2)"
)

// parseBounds reads a positive number (lo = hi), a range "lo-hi", a lower
// bound "lo+" or ">=lo", or an upper bound "<=hi"; an absent bound is 0.
func parseBounds(s string) (lo, hi float64, ok bool) {
	num := func(s string) (float64, bool) {
		v, err := strconv.ParseFloat(s, 64)
		return v, err == nil && v > 0 && !math.IsInf(v, 0)
	}
	switch {
	case strings.HasPrefix(s, ">="):
		lo, ok = num(s[2:])
		return lo, 0, ok
	case strings.HasPrefix(s, "<="):
		hi, ok = num(s[2:])
		return 0, hi, ok
	case strings.HasSuffix(s, "+"):
		lo, ok = num(s[:len(s)-1])
		return lo, 0, ok
	}
	if a, b, found := strings.Cut(s, "-"); found {
		lo, ok1 := num(a)
		hi, ok2 := num(b)
		return lo, hi, ok1 && ok2 && lo <= hi
	}
	v, ok := num(s)
	return v, v, ok
}

// roundHundredths rounds v to two decimals, so a bound reads as typed.
func roundHundredths(v float64) float64 { return math.Round(v*100) / 100 }

// dateForms says what after: and before: take.
const dateForms = "use a year (2019), a month (2019-06 or June 2019) or a day (2019-06-30)"

// parseDate reads YYYY, YYYY-MM, YYYY-MM-DD or "Month YYYY" (English month
// names, full or three letters, any case) as the start of that period in UTC.
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
	if m, y, ok := strings.Cut(s, " "); ok && isMonthName(m) && isYear(y) {
		year, _ := strconv.Atoi(y)
		return time.Date(year, monthOf(m), 1, 0, 0, 0, 0, time.UTC), true
	}
	return time.Time{}, false
}

// periodEnd is the end of the period a date of parseDate's forms names.
func periodEnd(s string, from time.Time) time.Time {
	switch len(s) {
	case len("2006"):
		return from.AddDate(1, 0, 0)
	case len("2006-01"):
		return from.AddDate(0, 1, 0)
	}
	return from.AddDate(0, 0, 1)
}

func isYear(s string) bool {
	if len(s) != 4 {
		return false
	}
	y, err := strconv.Atoi(s)
	return err == nil && y >= 1000
}

func isMonthName(s string) bool { return monthOf(s) != 0 }

// monthOf is the month a full or three-letter English name names, or 0.
func monthOf(s string) time.Month {
	s = strings.ToLower(s)
	if len(s) < 3 {
		return 0
	}
	for m := time.January; m <= time.December; m++ {
		name := strings.ToLower(m.String())
		if s == name || s == name[:3] || (m == time.September && s == "sept") {
			return m
		}
	}
	return 0
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

// isWordRune is a rune store.Words keeps in a word.
func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }
