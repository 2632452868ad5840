package claude_test

import (
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/claude"
	"github.com/targetvision/targetvision/internal/claude/claudetest"
)

// A request's own model is the one sent, billed and keyed — directly and
// in a batch, beside requests that use the Describer's model — and a
// model without a known price is refused before anything is paid.
func TestRequestModel(t *testing.T) {
	t.Parallel()
	for _, mode := range []claude.Mode{claude.ModeDirect, claude.ModeBatch} {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			fake := claudetest.New(t, claudetest.Options{PollAdvance: time.Hour})
			d, _ := newDescriber(t, fake, func(c *claude.Config) { c.Model = "claude-haiku-4-5" })
			paths := tinyPhotos(t, 2)
			outs := d.DescribeAll(t.Context(), []claude.Request{
				{UserID: "u", Path: paths[0]},
				{UserID: "u", Path: paths[1], Model: "claude-sonnet-4-6"},
			}, mode)
			for _, o := range outs {
				if o.Err != nil {
					t.Fatalf("photo %d: %v", o.Index, o.Err)
				}
			}
			var models []string
			for _, s := range fake.Sent() {
				models = append(models, s.Model)
			}
			slices.Sort(models)
			if !slices.Equal(models, []string{"claude-haiku-4-5", "claude-sonnet-4-6"}) {
				t.Errorf("models sent %v, want one photo with each", models)
			}
			haiku, sonnet := outs[0].Result, outs[1].Result
			if haiku.Key.Model != "claude-haiku-4-5" || sonnet.Key.Model != "claude-sonnet-4-6" {
				t.Errorf("keys %v and %v", haiku.Key, sonnet.Key)
			}
			// Same tokens (same-size photos), three times the price.
			if haiku.Usage == sonnet.Usage && math.Abs(sonnet.CostUSD-3*haiku.CostUSD) > 1e-12 {
				t.Errorf("Sonnet cost $%.6f for Haiku's $%.6f of the same tokens, want 3×", sonnet.CostUSD, haiku.CostUSD)
			}
			if est, want := d.EstimateFor("claude-sonnet-4-6", 10, mode), 3*d.Estimate(10, mode); math.Abs(est-want) > 1e-12 {
				t.Errorf("Sonnet's estimate $%.4f, want $%.4f", est, want)
			}
		})
	}
	fake := claudetest.New(t, claudetest.Options{})
	d, _ := newDescriber(t, fake, nil)
	_, err := d.Describe(t.Context(), claude.Request{UserID: "u", Path: tinyPhotos(t, 1)[0], Model: "gpt-4o"})
	if !errors.Is(err, claude.ErrUnknownModel) || fake.Stats() != (claudetest.Stats{}) {
		t.Errorf("an unknown model: %v, %+v sent", err, fake.Stats())
	}
	for _, m := range claude.Models() {
		if p, ok := claude.PriceFor(m.ID); !ok || p != m.Price {
			t.Errorf("Models lists %s at %+v, PriceFor says %+v", m.ID, m.Price, p)
		}
	}
}
