package search

import "testing"

func TestSummarize(t *testing.T) {
	t.Parallel()
	one := 1
	tests := []struct {
		why     Why
		loosely bool
		want    string
	}{
		{Why{}, false, ""},
		{Why{VectorRank: &one}, false, "Looks like your words"},
		{Why{VectorRank: &one}, true, "Looks a little like your words"},
		{Why{VectorRank: &one, Matches: []Match{
			{Term: "barn", Field: "description", Words: []string{"barn"}},
			{Term: "snow", Field: "keywords", Words: []string{"snow"}},
		}}, false, "“barn” in the description, “snow” in the keywords; looks like your words"},
		{Why{Matches: []Match{
			{Term: "zebracorns", Field: "keywords", Words: []string{"zebracorn"}},
			{Term: "zebracorns", Field: "title", Words: []string{"zebracorn", "zebracorns"}},
		}}, false, "“zebracorns” (as “zebracorn”) in the keywords and the title"},
		{Why{Matches: []Match{
			{Term: "red barn", Field: "description", Words: []string{"red", "barn"}},
			{Term: "jump", Field: "file_name", Words: []string{"jumping"}},
			{Term: "jump", Field: "album", Words: []string{"jumps"}},
			{Term: "jump", Field: "camera", Words: []string{"jump"}},
		}}, false, "“red barn” in the description, “jump” (as “jumping” or “jumps”) in the file name, the album name and the camera"},
		{Why{Matches: []Match{
			{Term: "berlin", Field: "album", Words: []string{"berlin"}},
			{Term: "berlin", Field: "place", Words: []string{"berlin"}},
		}}, false, "“berlin” in the album name and the place"},
	}
	for _, tt := range tests {
		if got := summarize(tt.why, tt.loosely); got != tt.want {
			t.Errorf("summarize(%+v, %v)\n got %q\nwant %q", tt.why, tt.loosely, got, tt.want)
		}
	}
}
