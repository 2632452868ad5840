package search

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// fieldNames are the text fields as a sentence names them.
var fieldNames = map[string]string{
	"title": "the title", "caption": "the caption", "keywords": "the keywords", "description": "the description",
	"file_name": "the file name", "album": "the album name", "place": "the place", "camera": "the camera",
}

// summarize says in plain words why a photo was found: where each word is
// ("“barn” in the description and the keywords", "“zebracorns” (as
// “zebracorn”) in the keywords") and whether it looks like the words (the
// vector leg, above its floor or, loosely, below). It has no ranks and no
// scores: those are for the API.
func summarize(w Why, loosely bool) string {
	var parts []string
	var terms []string
	for _, m := range w.Matches {
		if !slices.Contains(terms, m.Term) {
			terms = append(terms, m.Term)
		}
	}
	for _, t := range terms {
		var fields, words []string
		for _, m := range w.Matches {
			if m.Term != t {
				continue
			}
			fields = append(fields, fieldNames[m.Field])
			for _, x := range m.Words {
				if x != t && !slices.Contains(words, x) && !strings.Contains(t, " ") {
					words = append(words, x)
				}
			}
		}
		s := "“" + t + "”"
		if len(words) > 0 {
			s += " (as " + quotedOr(words) + ")"
		}
		parts = append(parts, s+" in "+joinWords(fields))
	}
	text := strings.Join(parts, ", ")
	var look string
	switch {
	case w.VectorRank != nil && loosely:
		look = "looks a little like your words"
	case w.VectorRank != nil:
		look = "looks like your words"
	}
	if look != "" {
		if text != "" {
			text += "; "
		}
		text += look
	}
	return capitalize(text)
}

// joinWords lists as "a", "a and b", "a, b and c".
func joinWords(ws []string) string {
	switch len(ws) {
	case 0:
		return ""
	case 1:
		return ws[0]
	}
	return strings.Join(ws[:len(ws)-1], ", ") + " and " + ws[len(ws)-1]
}

func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
