package search

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/targetvision/targetvision/internal/store"
)

// readDates makes each bare year or month of the query ("2008", "june
// 2019") a date filter when no photo's text has it: a person typing a year
// means when the photo was taken, unless the year is in their captions or
// file names. Each one read so is said in a hint.
func (e *Engine) readDates(ctx context.Context, userID int64, q Query, f store.Filter, resp *Response) (Query, store.Filter, error) {
	for _, d := range q.Dates {
		hits, err := e.db.SearchText(ctx, userID, store.TextQuery{Phrases: []string{strings.Join(d.Terms, " ")}, Limit: 1})
		if err != nil {
			return q, f, fmt.Errorf("search: date words: %w", err)
		}
		if len(hits) > 0 {
			continue
		}
		i := -1
		for j := 0; j+len(d.Terms) <= len(q.Terms); j++ {
			if slices.Equal(q.Terms[j:j+len(d.Terms)], d.Terms) {
				i = j
				break
			}
		}
		if i < 0 {
			continue
		}
		q.Terms = slices.Delete(slices.Clone(q.Terms), i, i+len(d.Terms))
		q.Text = removeWords(q.Text, d.Terms)
		if f.From.IsZero() || d.From.After(f.From) {
			f.From = d.From
		}
		if f.To.IsZero() || d.To.Before(f.To) {
			f.To = d.To
		}
		said := strings.Join(d.Terms, " ")
		resp.Hints = append(resp.Hints, Hint{Code: HintDateFromText,
			Message: fmt.Sprintf("No photo's text has “%s”, so it was read as a date: photos taken %s.", said, period(d.From, d.To))})
	}
	return q, f, nil
}

// period says a year, month or day in words: "in 2008", "in June 2019",
// "on 30 June 2019".
func period(from, to time.Time) string {
	switch {
	case to.Equal(from.AddDate(1, 0, 0)) && from.YearDay() == 1:
		return "in " + from.Format("2006")
	case to.Equal(from.AddDate(0, 1, 0)) && from.Day() == 1:
		return "in " + from.Format("January 2006")
	}
	return "on " + from.Format("2 January 2006")
}

// removeWords takes the first run of words out of the space-separated text.
func removeWords(text string, words []string) string {
	fs := strings.Fields(text)
	for i := 0; i+len(words) <= len(fs); i++ {
		if slices.Equal(fs[i:i+len(words)], words) {
			return strings.Join(slices.Delete(fs, i, i+len(words)), " ")
		}
	}
	return text
}

// noTextHint says why the text leg found nothing: a spelling the library
// knows better (did you mean …, with the corrected query), or that no
// photo's text has the words.
func (e *Engine) noTextHint(ctx context.Context, userID int64, query string, words, stop []string, resp *Response) error {
	var look []string
	for _, w := range words {
		if !slices.Contains(stop, w) {
			look = append(look, w)
		}
	}
	if len(look) == 0 {
		return nil // the stop-word hint has said it
	}
	sugg, err := e.db.SuggestWords(ctx, userID, look)
	if err != nil {
		return fmt.Errorf("search: suggestions: %w", err)
	}
	if len(sugg) == 0 {
		resp.Hints = append(resp.Hints, Hint{Code: HintNoMatch, Message: "No photo's text has " + quotedOr(look) + "."})
		return nil
	}
	var from, to []string
	for _, w := range look {
		if s, ok := sugg[w]; ok {
			from, to = append(from, w), append(to, s)
		}
	}
	resp.Hints = append(resp.Hints, Hint{Code: HintDidYouMean,
		Message: "No photo's text has " + quotedOr(from) + ". Did you mean " + quoted(to) + "?",
		Query:   replaceWords(query, sugg)})
	return nil
}

// replaceWords rewrites query with each word of repl (lower-case, as
// store.Words splits it) replaced, keeping everything else as typed.
func replaceWords(query string, repl map[string]string) string {
	var b strings.Builder
	word := func(w string) string {
		if r, ok := repl[strings.ToLower(w)]; ok {
			return r
		}
		return w
	}
	start := -1
	for i, r := range query + " " {
		in := i < len(query) && isWordRune(r)
		switch {
		case in && start < 0:
			start = i
		case !in && start >= 0:
			b.WriteString(word(query[start:i]))
			start = -1
		}
		if !in && i < len(query) {
			b.WriteRune(r)
		}
	}
	return b.String()
}
