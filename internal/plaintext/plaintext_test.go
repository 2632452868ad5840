package plaintext

import "testing"

func TestClean(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want, line string }{
		{"plain ascii", "plain ascii", "plain ascii"},
		{"Zürich — été, 東京", "Zürich — été, 東京", "Zürich — été, 東京"},
		{"holiday\u202egpj.exe", "holidaygpj.exe", "holidaygpj.exe"},
		{"a\u2066b\u2069c\u202ad\u202ce", "abcde", "abcde"},
		{"\x1b]0;pwned\x07title", "]0;pwnedtitle", "]0;pwnedtitle"},
		{"bell\x07 and\x00 nul\u0085", "bell and nul", "bell and nul"},
		{"two\nlines\tand tab", "two\nlines\tand tab", "two lines and tab"},
		{"\ufeffbom", "bom", "bom"},
		{"bad \xff utf8", "bad \uFFFD utf8", "bad \uFFFD utf8"},
		{"עברית\u200f (RLM kept)", "עברית\u200f (RLM kept)", "עברית\u200f (RLM kept)"},
	} {
		if got := Clean(c.in); got != c.want {
			t.Errorf("Clean(%q) = %q, want %q", c.in, got, c.want)
		}
		if got := Line(c.in); got != c.line {
			t.Errorf("Line(%q) = %q, want %q", c.in, got, c.line)
		}
	}
}

func TestTruncate(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"a longer sentence here", 10, "a longer…"},
		{"ééééééééééé", 5, "éééé…"},
	} {
		if got := Truncate(c.in, c.n); got != c.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}
