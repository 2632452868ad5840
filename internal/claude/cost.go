package claude

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Price is a model's published list price in dollars per million tokens.
// Cache writes (5-minute TTL) cost 1.25× input, cache reads 0.1× input, and
// the Message Batches API halves every rate.
type Price struct {
	InputPerMTok  float64
	OutputPerMTok float64
}

// prices is the table from ../shared/specs/anthropic.md §6 (late 2026).
// Keys are model ids without a date suffix; dated snapshots share the price.
var prices = map[string]Price{
	"claude-haiku-4-5":  {InputPerMTok: 1, OutputPerMTok: 5},
	"claude-sonnet-4-5": {InputPerMTok: 3, OutputPerMTok: 15},
	"claude-sonnet-4-6": {InputPerMTok: 3, OutputPerMTok: 15},
	"claude-sonnet-5":   {InputPerMTok: 3, OutputPerMTok: 15},
	"claude-opus-4-5":   {InputPerMTok: 5, OutputPerMTok: 25},
	"claude-opus-4-6":   {InputPerMTok: 5, OutputPerMTok: 25},
	"claude-opus-4-7":   {InputPerMTok: 5, OutputPerMTok: 25},
	"claude-opus-4-8":   {InputPerMTok: 5, OutputPerMTok: 25},
}

// Model is a model the product knows, with its list price.
type Model struct {
	ID    string
	Price Price
}

// Models lists the models a user may choose, cheapest first (then by id):
// the ones with a published price, so every description's cost is known
// before it is paid. PriceFor also takes their dated snapshots.
func Models() []Model {
	out := make([]Model, 0, len(prices))
	for id, p := range prices {
		out = append(out, Model{ID: id, Price: p})
	}
	slices.SortFunc(out, func(a, b Model) int {
		if c := cmp.Compare(a.Price.InputPerMTok+a.Price.OutputPerMTok, b.Price.InputPerMTok+b.Price.OutputPerMTok); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out
}

// PerPhotoUSD projects what describing one typical photo (3:2, scaled to
// DefaultImageLongEdge, forced tool output, an average answer) costs with
// this model, directly or through the Batches API: what a person choosing
// a model can compare.
func (m Model) PerPhotoUSD(batch bool) float64 {
	w, h := fitLongEdge(3000, 2000, DefaultImageLongEdge)
	u := Usage{InputTokens: int64(estimateInputTokens(OutputTool, w, h)), OutputTokens: expectedOutputTokens}
	return m.Price.Cost(u, batch)
}

// PriceFor returns the list price of a model id such as
// "claude-haiku-4-5-20251001" or "claude-haiku-4-5".
func PriceFor(model string) (Price, bool) {
	if p, ok := prices[model]; ok {
		return p, true
	}
	// Strip a dated snapshot suffix: "-YYYYMMDD".
	if i := strings.LastIndexByte(model, '-'); i > 0 && len(model)-i-1 == 8 && isDigits(model[i+1:]) {
		p, ok := prices[model[:i]]
		return p, ok
	}
	return Price{}, false
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// Usage is the token accounting of one or more API answers.
type Usage struct {
	InputTokens              int64 // uncached input tokens
	OutputTokens             int64
	CacheCreationInputTokens int64 // written to the prompt cache (1.25× input price)
	CacheReadInputTokens     int64 // read from the prompt cache (0.1× input price)
}

// Add returns the sum of two usages.
func (u Usage) Add(o Usage) Usage {
	return Usage{
		InputTokens:              u.InputTokens + o.InputTokens,
		OutputTokens:             u.OutputTokens + o.OutputTokens,
		CacheCreationInputTokens: u.CacheCreationInputTokens + o.CacheCreationInputTokens,
		CacheReadInputTokens:     u.CacheReadInputTokens + o.CacheReadInputTokens,
	}
}

// Cost is the dollar cost of u at price p; batch halves it.
func (p Price) Cost(u Usage, batch bool) float64 {
	in := p.InputPerMTok / 1e6
	out := p.OutputPerMTok / 1e6
	c := float64(u.InputTokens)*in +
		float64(u.CacheCreationInputTokens)*in*1.25 +
		float64(u.CacheReadInputTokens)*in*0.1 +
		float64(u.OutputTokens)*out
	if batch {
		c /= 2
	}
	return c
}

// Mode is how photos are sent to Claude.
type Mode int

const (
	// ModeAuto picks direct or batch by the number of photos (see SelectMode).
	ModeAuto Mode = iota
	// ModeDirect sends one Messages request per photo: answers in seconds, full price.
	ModeDirect
	// ModeBatch uses the Message Batches API: half price, answers within 24 h (usually < 1 h).
	ModeBatch
)

// String is "auto", "direct" or "batch" (what ParseMode reads).
func (m Mode) String() string {
	switch m {
	case ModeDirect:
		return "direct"
	case ModeBatch:
		return "batch"
	}
	return "auto"
}

// ParseMode reads "auto", "direct" or "batch" (for flags and config).
func ParseMode(s string) (Mode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "auto":
		return ModeAuto, nil
	case "direct":
		return ModeDirect, nil
	case "batch":
		return ModeBatch, nil
	}
	return ModeAuto, fmt.Errorf("claude: unknown mode %q (want auto, direct or batch)", s)
}

// DefaultBatchThreshold is the number of photos from which ModeAuto uses the
// batch API: below it the latency of a batch is not worth the saving (a few
// cents), above it the saving is real and nobody waits for each photo.
const DefaultBatchThreshold = 100

// SelectMode resolves ModeAuto: batch when n ≥ threshold (threshold ≤ 0 means
// DefaultBatchThreshold), direct otherwise. An explicit mode is returned as is.
func SelectMode(n, threshold int, want Mode) Mode {
	if want != ModeAuto {
		return want
	}
	if threshold <= 0 {
		threshold = DefaultBatchThreshold
	}
	if n >= threshold {
		return ModeBatch
	}
	return ModeDirect
}
