package clip

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/targetvision/targetvision/internal/testshared"
)

func TestEncodeReferenceIDs(t *testing.T) {
	t.Parallel()
	tok := realTokenizer(t)
	tests := []struct {
		text string
		want []int
	}{
		{"Hello World!", []int{49406, 3306, 1002, 256, 49407}},
		{"a photo of a cat", []int{49406, 320, 1125, 539, 320, 2368, 49407}},
		{"a photo of a dog", []int{49406, 320, 1125, 539, 320, 1929, 49407}},
		{"a diagram", []int{49406, 320, 22697, 49407}},
		{"a dog", []int{49406, 320, 1929, 49407}},
		{"a cat", []int{49406, 320, 2368, 49407}},
		{"Two people are sitting next to a wood - stacked campfire at night", []int{49406, 1237, 1047, 631, 4919, 1131, 531, 320, 1704, 268, 24990, 32530, 536, 930, 49407}},
		{"A surfer is riding a wave", []int{49406, 320, 24925, 533, 6765, 320, 4535, 49407}},
		{"Two men walk through a city with words on the street", []int{49406, 1237, 1656, 2374, 1417, 320, 1305, 593, 2709, 525, 518, 2012, 49407}},
		{"An indian chief in full dress .", []int{49406, 550, 3606, 3455, 530, 1476, 2595, 269, 49407}},
		{"When did man last land on the moon ?", []int{49406, 827, 1335, 786, 952, 973, 525, 518, 3293, 286, 49407}},
		{"Hello, world!", []int{49406, 3306, 267, 1002, 256, 49407}},
		{"A PHOTO of  a Cat!", []int{49406, 320, 1125, 539, 320, 2368, 256, 49407}},
		{"don't stop 42 times", []int{49406, 847, 713, 1691, 275, 273, 1661, 49407}},
		{"", []int{49406, 49407}},
		{"    \t\n", []int{49406, 49407}},
		{"This is a photo of a snake", []int{49406, 589, 533, 320, 1125, 539, 320, 8798, 49407}},
		{"a page of text about segmentation", []int{49406, 320, 2504, 539, 4160, 781, 10551, 9512, 49407}},
		// Punctuation runs, emoji and CJK: a public JS CLIP tokenizer test suite.
		{"Special characters: !@#$%^&*()", []int{49406, 1689, 6564, 281, 0, 31, 2, 3, 4, 61, 5, 9, 8475, 49407}},
		{"😀 😃 😄", []int{49406, 7334, 8520, 7624, 49407}},
		{"你好世界", []int{49406, 47466, 254, 29290, 121, 19759, 244, 163, 243, 490, 49407}},
		{"A very long sentence that goes on and on and should definitely exceed the normal context length to see how the tokenizer handles truncation when we have way too many tokens",
			[]int{49406, 320, 1070, 1538, 12737, 682, 2635, 525, 537, 525, 537, 1535, 4824, 32521, 518, 5967, 13089, 10130, 531, 862, 829, 518, 32634, 23895, 22124, 16163, 21367, 827, 649, 720, 923, 1256, 1346, 23562, 49407}},
		// A literal special token typed by a user maps to its id, as in OpenAI's tokenizer.
		{"<|endoftext|>", []int{49406, 49407, 49407}},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			if got := tok.Encode(tc.text); !slices.Equal(got, tc.want) {
				t.Errorf("Encode(%q) = %v, want %v", tc.text, got, tc.want)
			}
		})
	}
}

func TestEncodeCleanup(t *testing.T) {
	t.Parallel()
	tok := realTokenizer(t)
	// Each pair must tokenise identically: the clean-up is what makes them equal.
	tests := []struct{ a, b string }{
		{"caf\u00e9 au lait", "cafe\u0301 au lait"},           // NFC: precomposed vs combining accent
		{"don\u2019t stop", "don't stop"},                     // curly quote uncurled
		{"\uff21 \uff50\uff48\uff4f\uff54\uff4f", "a photo"},  // full-width folded
		{"\ufb01sh", "fish"},                                  // ligature
		{"fish &amp;amp; chips", "fish & chips"},              // HTML unescaped twice
		{"red\u00a0barn\u2003at  dusk\n", "red barn at dusk"}, // Unicode whitespace collapsed
		{"ZÜRICH Straße", "zürich straße"},                    // lower-case with accents
		{"snow\u0007 day", "snow day"},                        // control character dropped
		{"\ufeffcat", "cat"},                                  // byte-order mark dropped
	}
	for _, tc := range tests {
		a, b := tok.Encode(tc.a), tok.Encode(tc.b)
		if !slices.Equal(a, b) {
			t.Errorf("Encode(%q) = %v, Encode(%q) = %v; want equal", tc.a, a, tc.b, b)
		}
	}
	// Accented words use the byte symbols of their UTF-8 encoding: é is
	// bytes C3 A9, which map to 'Ã' and '©'.
	ids := tok.Encode("é")
	if want := tok.encoder["Ã©</w>"]; len(ids) != 3 || ids[1] != want {
		t.Errorf("Encode(é) = %v, want [SOT %d EOT]", ids, want)
	}
}

func TestEncodeTruncatesKeepingEOT(t *testing.T) {
	t.Parallel()
	tok := realTokenizer(t)
	ids := tok.Encode(strings.Repeat("cat ", 200))
	if len(ids) != ContextLength {
		t.Fatalf("len = %d, want %d", len(ids), ContextLength)
	}
	if ids[0] != StartOfText || ids[76] != EndOfText || ids[75] != 2368 {
		t.Errorf("framing wrong: first %d, last two %v", ids[0], ids[75:])
	}
	// Exactly 75 content tokens fit without truncation.
	ids = tok.Encode(strings.Repeat("cat ", 75))
	if len(ids) != 77 || ids[75] != 2368 || ids[76] != EndOfText {
		t.Errorf("75 words: len %d tail %v", len(ids), ids[74:])
	}
}

func TestVocabularyConstruction(t *testing.T) {
	t.Parallel()
	tok := realTokenizer(t)
	checks := map[string]int{"a": 64, "\u0100": 188, "a</w>": 320, "in": 512, "jeky" + "ll</w>": 49405, "<|startoftext|>": 49406, "<|endoftext|>": 49407}
	for s, want := range checks {
		if got, ok := tok.encoder[s]; !ok || got != want {
			t.Errorf("vocab[%q] = %d (present %v), want %d", s, got, ok, want)
		}
	}
	if len(tok.encoder) != 49408 {
		t.Errorf("vocab size %d, want 49408", len(tok.encoder))
	}
}

// TestHFFilesMatchBPEGz writes vocab.json and merges.txt in Hugging Face's
// layout from the real merge list and checks both loaders agree.
func TestHFFilesMatchBPEGz(t *testing.T) {
	t.Parallel()
	gz := realTokenizer(t)
	f, err := os.Open(filepath.Join(testshared.Path(t), "clip", "bpe_simple_vocab_16e6.txt.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	merges, err := ReadBPEGz(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(merges) != 48894 {
		t.Fatalf("merges = %d, want 48894", len(merges))
	}
	dir := t.TempDir()
	if err := WriteHFTokenizerFiles(dir, merges); err != nil {
		t.Fatal(err)
	}
	hf, err := LoadTokenizer(filepath.Join(dir, "vocab.json"), filepath.Join(dir, "merges.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"a photo of a cat", "Two people are sitting next to a wood - stacked campfire at night", "😀 你好世界 don't 42", "supercalifragilisticexpialidocious"} {
		if a, b := gz.Encode(text), hf.Encode(text); !slices.Equal(a, b) {
			t.Errorf("%q: gz %v, hf %v", text, a, b)
		}
	}
	// The vocab.json written is the full 49,408-entry HF vocabulary.
	b, err := os.ReadFile(filepath.Join(dir, "vocab.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]int
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if len(v) != 49408 || v["cat</w>"] != 2368 {
		t.Errorf("vocab.json: %d entries, cat</w>=%d", len(v), v["cat</w>"])
	}
}

func TestLoadTokenizerErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("m.txt", "#version: 0.2\ni n\n")
	tests := []struct {
		name          string
		vocab, merges string
	}{
		{"vocab not json", write("v1.json", "{"), good},
		{"no specials", write("v2.json", `{"a":0}`), good},
		{"bad merge line", write("v3.json", `{}`), write("m2.txt", "#version\nabc\n")},
		{"missing vocab", filepath.Join(dir, "nope.json"), good},
	}
	for _, tc := range tests {
		if _, err := LoadTokenizer(tc.vocab, tc.merges); err == nil {
			t.Errorf("%s: want error", tc.name)
		} else {
			t.Log(fmt.Sprint(tc.name, ": ", err))
		}
	}
}
