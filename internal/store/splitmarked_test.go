package store

import "testing"

func TestSplitMarked(t *testing.T) {
	t.Parallel()
	m := func(w string) string { return markOpen + w + markClose }
	for _, c := range []struct {
		name, marked string
		n            int
		head, tail   string
	}{
		{"place only", m("Berlin") + ", Germany", 0, "", m("Berlin") + ", Germany"},
		{"album only", "Summer " + m("Berlin"), len("Summer Berlin"), "Summer " + m("Berlin"), ""},
		{"album word last, place after", "Trip to " + m("Berlin") + " " + m("Berlin") + ", Germany", len("Trip to Berlin"),
			"Trip to " + m("Berlin"), " " + m("Berlin") + ", Germany"},
		{"album word first", m("Berlin") + " weekend Berlin, Germany", len("Berlin weekend"), m("Berlin") + " weekend", " Berlin, Germany"},
	} {
		t.Run(c.name, func(t *testing.T) {
			head, tail := splitMarked(c.marked, c.n)
			if head != c.head || tail != c.tail {
				t.Errorf("splitMarked(%q, %d) = %q, %q; want %q, %q", c.marked, c.n, head, tail, c.head, c.tail)
			}
		})
	}
}
