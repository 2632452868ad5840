// Package plaintext makes text that came from outside — a file or album
// name, EXIF and XMP fields, a model's description, the words it read in a
// photo — safe to show to people: without the control characters that let
// such text hide, or reorder, what is shown with it.
//
// The web UI never interprets text as markup (it sets textContent), so
// what is left to defend is the text's look: bidirectional overrides
// ("holiday‮gpj.exe" shows as "holidayexe.jpg"), embedding and isolate
// controls, and C0/C1 controls — which on a terminal include the escape
// sequences that move the cursor or retitle the window.
package plaintext

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Clean returns s as valid UTF-8 without C0/C1 control characters (tab and
// newline kept), bidirectional embedding, override and isolate controls
// (U+202A–U+202E, U+2066–U+2069) and the byte-order mark. The left-to-right
// and right-to-left marks stay: they only nudge neutral characters and are
// part of correctly written mixed-direction text.
func Clean(s string) string {
	if isClean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		if !drop(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Line is Clean for a one-line field: tabs and newlines become spaces too.
func Line(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' || r == '\r' {
			return ' '
		}
		return r
	}, Clean(s))
}

// Lines is Line over a list (nil stays nil).
func Lines(list []string) []string {
	if list == nil {
		return nil
	}
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = Line(s)
	}
	return out
}

// Truncate cuts s to at most n runes, ending in "…" when it cut.
func Truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	runes := []rune(s)
	return strings.TrimRightFunc(string(runes[:max(n-1, 0)]), unicode.IsSpace) + "…"
}

func drop(r rune) bool {
	switch {
	case r == '\n' || r == '\t':
		return false
	case unicode.IsControl(r): // C0, DEL, C1
		return true
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0xFEFF:
		return true
	}
	return false
}

// isClean is the fast path: most text has nothing to drop.
func isClean(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 && c != '\n' && c != '\t' || c == 0x7F || c >= 0x80 {
			return !hasDropped(s)
		}
	}
	return true
}

func hasDropped(s string) bool {
	if !utf8.ValidString(s) {
		return true
	}
	for _, r := range s {
		if drop(r) {
			return true
		}
	}
	return false
}
