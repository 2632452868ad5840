package clip

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"unicode"

	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/width"
)

// Special token ids of every CLIP vocabulary. config.json's bos/eos ids are
// wrong for CLIP (spec §4b), so these are fixed here.
const (
	StartOfText = 49406
	EndOfText   = 49407
	// ContextLength is the text tower's maximum sequence length.
	ContextLength = 77
	// numMerges is how many merge lines CLIP uses (49152 − 256 − 2).
	numMerges = 49152 - 256 - 2
)

// ErrTokenizer means the vocabulary files are missing or inconsistent.
var ErrTokenizer = errors.New("clip: bad tokenizer files")

// Tokenizer is CLIP's byte-level BPE tokenizer (OpenAI simple_tokenizer).
// It is safe for concurrent use.
type Tokenizer struct {
	encoder     map[string]int
	ranks       map[string]int // key: left + " " + right
	byteEncoder [256]string
	contextLen  int

	mu    sync.RWMutex
	cache map[string][]int
}

var splitRE = regexp.MustCompile(`(?i)<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+`)

// bytesToUnicode returns CLIP/GPT-2's reversible byte→character table in
// vocabulary order: printable bytes first, then the rest mapped from U+0100.
func bytesToUnicode() (order []byte, table [256]string) {
	printable := func(b int) bool {
		return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)
	}
	for b := 0; b < 256; b++ {
		if printable(b) {
			order = append(order, byte(b))
			table[b] = string(rune(b))
		}
	}
	n := 0
	for b := 0; b < 256; b++ {
		if !printable(b) {
			order = append(order, byte(b))
			table[b] = string(rune(256 + n))
			n++
		}
	}
	return order, table
}

// BuildVocab derives the 49,408-entry vocabulary from the merge list, the way
// OpenAI's tokenizer does (ids are positional, spec §6a). Tools use it to
// write an HF vocab.json from bpe_simple_vocab_16e6.txt.gz.
func BuildVocab(merges [][2]string) map[string]int {
	order, table := bytesToUnicode()
	vocab := make(map[string]int, 512+len(merges)+2)
	for i, b := range order {
		vocab[table[b]] = i
		vocab[table[b]+"</w>"] = 256 + i
	}
	for i, m := range merges {
		vocab[m[0]+m[1]] = 512 + i
	}
	vocab["<|startoftext|>"] = len(vocab)
	vocab["<|endoftext|>"] = len(vocab)
	return vocab
}

// readMerges parses merge lines the way both OpenAI and HF do: drop line 0
// (the version header) and keep up to numMerges pairs.
func readMerges(r io.Reader) ([][2]string, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	var merges [][2]string
	line := 0
	for sc.Scan() {
		line++
		if line == 1 {
			continue
		}
		if len(merges) == numMerges {
			break
		}
		s := strings.TrimRight(sc.Text(), "\r")
		if s == "" {
			continue
		}
		a, b, ok := strings.Cut(s, " ")
		if !ok || strings.Contains(b, " ") {
			return nil, fmt.Errorf("%w: merge line %d %q is not a pair", ErrTokenizer, line, s)
		}
		merges = append(merges, [2]string{a, b})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: reading merges: %v", ErrTokenizer, err)
	}
	if len(merges) == 0 {
		return nil, fmt.Errorf("%w: no merges", ErrTokenizer)
	}
	return merges, nil
}

// ReadBPEGz reads OpenAI's bpe_simple_vocab_16e6.txt.gz and returns its merges.
func ReadBPEGz(r io.Reader) ([][2]string, error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTokenizer, err)
	}
	defer gz.Close()
	return readMerges(gz)
}

// NewTokenizer builds a tokenizer from a vocabulary and ordered merges.
func NewTokenizer(vocab map[string]int, merges [][2]string) (*Tokenizer, error) {
	t := &Tokenizer{
		encoder:    vocab,
		ranks:      make(map[string]int, len(merges)),
		contextLen: ContextLength,
		cache:      map[string][]int{},
	}
	_, t.byteEncoder = bytesToUnicode()
	for i, m := range merges {
		if _, dup := t.ranks[m[0]+" "+m[1]]; !dup {
			t.ranks[m[0]+" "+m[1]] = i
		}
	}
	if vocab["<|startoftext|>"] != StartOfText || vocab["<|endoftext|>"] != EndOfText {
		return nil, fmt.Errorf("%w: special tokens are not %d/%d", ErrTokenizer, StartOfText, EndOfText)
	}
	for _, s := range t.byteEncoder {
		if _, ok := vocab[s+"</w>"]; !ok {
			return nil, fmt.Errorf("%w: vocabulary lacks byte symbol %q", ErrTokenizer, s)
		}
	}
	return t, nil
}

// LoadTokenizer reads HF's vocab.json and merges.txt.
func LoadTokenizer(vocabPath, mergesPath string) (*Tokenizer, error) {
	vb, err := os.ReadFile(vocabPath)
	if err != nil {
		return nil, fmt.Errorf("clip: read vocab: %w", err)
	}
	vocab := map[string]int{}
	if err := json.Unmarshal(vb, &vocab); err != nil {
		return nil, fmt.Errorf("%w: vocab.json: %v", ErrTokenizer, err)
	}
	f, err := os.Open(mergesPath)
	if err != nil {
		return nil, fmt.Errorf("clip: read merges: %w", err)
	}
	defer f.Close()
	merges, err := readMerges(f)
	if err != nil {
		return nil, err
	}
	return NewTokenizer(vocab, merges)
}

// LoadTokenizerBPEGz builds the tokenizer straight from OpenAI's gzipped merge list.
func LoadTokenizerBPEGz(path string) (*Tokenizer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("clip: open bpe vocab: %w", err)
	}
	defer f.Close()
	merges, err := ReadBPEGz(f)
	if err != nil {
		return nil, err
	}
	return NewTokenizer(BuildVocab(merges), merges)
}

// ligatures are the Latin ligatures ftfy's fix_latin_ligatures expands.
var ligatures = strings.NewReplacer(
	"\uFB00", "ff", "\uFB01", "fi", "\uFB02", "fl", "\uFB03", "ffi", "\uFB04", "ffl",
	"\uFB05", "ſt", "\uFB06", "st", "\u0132", "IJ", "\u0133", "ij", "\u0149", "ʼn",
	"\u01C7", "LJ", "\u01C8", "Lj", "\u01C9", "lj", "\u01CA", "NJ", "\u01CB", "Nj", "\u01CC", "nj",
)

// Clean reproduces the text clean-up before tokenisation (spec §6b) without
// ftfy's mojibake repair, which has no Go port: NFC, uncurled quotes, folded
// full-width characters and Latin ligatures, control characters dropped, HTML
// entities unescaped twice, whitespace collapsed, lower-cased. strings.ToLower
// differs from Python's str.lower only for final sigma and 'İ'.
func Clean(text string) string {
	text = html.UnescapeString(html.UnescapeString(text))
	text = norm.NFC.String(text)
	text = ligatures.Replace(text)
	var b strings.Builder
	space := false
	for _, r := range text {
		switch {
		case r >= 0x2018 && r <= 0x201B, r == 0x02BC:
			r = '\''
		case r >= 0x201C && r <= 0x201F:
			r = '"'
		}
		if unicode.IsSpace(r) {
			space = true
			continue
		}
		if dropped(r) {
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	out := width.Fold.String(b.String())
	return strings.ToLower(out)
}

// dropped reports the characters ftfy's remove_control_chars deletes:
// control characters (whitespace was handled before), the byte-order mark,
// deprecated format controls, interlinear annotation marks and tag characters.
func dropped(r rune) bool {
	return unicode.IsControl(r) || r == 0xFEFF ||
		(r >= 0x206A && r <= 0x206F) || (r >= 0xFFF9 && r <= 0xFFFB) ||
		(r >= 0xE0000 && r <= 0xE007F)
}

// Encode tokenises text into [SOT, …, EOT], truncated to 77 tokens with EOT
// kept last (OpenAI's truncate=True), without padding.
func (t *Tokenizer) Encode(text string) []int {
	ids := []int{StartOfText}
	for _, chunk := range splitRE.FindAllString(Clean(text), -1) {
		ids = append(ids, t.encodeChunk(chunk)...)
		if len(ids) >= t.contextLen {
			break
		}
	}
	ids = append(ids, EndOfText)
	if len(ids) > t.contextLen {
		ids = ids[:t.contextLen]
		ids[t.contextLen-1] = EndOfText
	}
	return ids
}

func (t *Tokenizer) encodeChunk(chunk string) []int {
	switch chunk {
	case "<|startoftext|>":
		return []int{StartOfText}
	case "<|endoftext|>":
		return []int{EndOfText}
	}
	t.mu.RLock()
	ids, ok := t.cache[chunk]
	t.mu.RUnlock()
	if ok {
		return ids
	}
	syms := make([]string, 0, len(chunk))
	for i := 0; i < len(chunk); i++ {
		syms = append(syms, t.byteEncoder[chunk[i]])
	}
	syms[len(syms)-1] += "</w>"
	syms = t.bpe(syms)
	ids = make([]int, 0, len(syms))
	for _, s := range syms {
		id, ok := t.encoder[s]
		if !ok {
			// Cannot happen with a consistent vocab: every merge result is a
			// token. Fall back to byte symbols rather than dropping text.
			for _, r := range strings.TrimSuffix(s, "</w>") {
				ids = append(ids, t.encoder[string(r)])
			}
			continue
		}
		ids = append(ids, id)
	}
	t.mu.Lock()
	if len(t.cache) > 100000 {
		clear(t.cache)
	}
	t.cache[chunk] = ids
	t.mu.Unlock()
	return ids
}

// bpe repeatedly merges the lowest-ranked adjacent pair (all occurrences,
// left to right) until no ranked pair remains.
func (t *Tokenizer) bpe(syms []string) []string {
	for len(syms) > 1 {
		best, bestRank := -1, int(^uint(0)>>1)
		for i := 0; i+1 < len(syms); i++ {
			if r, ok := t.ranks[syms[i]+" "+syms[i+1]]; ok && r < bestRank {
				best, bestRank = i, r
			}
		}
		if best < 0 {
			break
		}
		a, b := syms[best], syms[best+1]
		out := syms[:0:0]
		for i := 0; i < len(syms); {
			if i+1 < len(syms) && syms[i] == a && syms[i+1] == b {
				out = append(out, a+b)
				i += 2
				continue
			}
			out = append(out, syms[i])
			i++
		}
		syms = out
	}
	return syms
}

// WriteHFTokenizerFiles writes vocab.json and merges.txt in Hugging Face's
// CLIPTokenizer layout (merges.txt with its "#version: 0.2" header) into dir.
func WriteHFTokenizerFiles(dir string, merges [][2]string) error {
	var vb strings.Builder
	enc := json.NewEncoder(&vb)
	enc.SetEscapeHTML(false) // HF writes "<|endoftext|>" unescaped
	if err := enc.Encode(BuildVocab(merges)); err != nil {
		return fmt.Errorf("clip: write vocab.json: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "vocab.json"), []byte(vb.String()), 0o600); err != nil {
		return fmt.Errorf("clip: write vocab.json: %w", err)
	}
	var sb strings.Builder
	sb.WriteString("#version: 0.2\n")
	for _, m := range merges {
		sb.WriteString(m[0])
		sb.WriteByte(' ')
		sb.WriteString(m[1])
		sb.WriteByte('\n')
	}
	if err := os.WriteFile(filepath.Join(dir, "merges.txt"), []byte(sb.String()), 0o600); err != nil {
		return fmt.Errorf("clip: write merges.txt: %w", err)
	}
	return nil
}
