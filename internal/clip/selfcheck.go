package clip

import (
	"context"
	"fmt"
	"image"
	"math"
	"strings"
)

// Reference is a published zero-shot result a checkpoint must reproduce:
// the probabilities CLIP gives Labels for the reference image (the OpenAI
// CLIP README's CLIP.png, ../shared/specs/clip.md §7.1).
type Reference struct {
	// Labels are the prompts, the expected winner first.
	Labels []string
	// Probs are the published probabilities of Labels; nil where none are
	// published for the checkpoint (then only the winner rule applies).
	Probs []float64
	// Tol is how far each probability may be from Probs.
	Tol float64
	// MinTop is the least probability the first label must get.
	MinTop float64
}

// ReferenceFor is the check for a checkpoint name: the OpenAI README's
// exact values for openai/clip-vit-base-patch32 (within 2e-3, as the spec
// suggests: the README ran on a GPU in fp16), and for any other checkpoint
// the sanity rule that "a diagram" wins with p > 0.99 (open_clip's README
// shows that for LAION ViT-B/32).
func ReferenceFor(name string) Reference {
	r := Reference{Labels: []string{"a diagram", "a dog", "a cat"}, MinTop: 0.99}
	if strings.EqualFold(name, "openai/clip-vit-base-patch32") {
		r.Probs, r.Tol = []float64{0.9927937, 0.00421068, 0.00299572}, 2e-3
	}
	return r
}

// CheckResult is what SelfCheck measured and concluded.
type CheckResult struct {
	Labels []string
	Probs  []float64
	// Pass is whether the checkpoint reproduced the reference; Reason says
	// why not.
	Pass   bool
	Reason string
}

// String is the result in one line, numbers included.
func (r CheckResult) String() string {
	parts := make([]string, len(r.Labels))
	for i, l := range r.Labels {
		parts[i] = fmt.Sprintf("%q %.6f", l, r.Probs[i])
	}
	verdict := "pass"
	if !r.Pass {
		verdict = "FAIL: " + r.Reason
	}
	return strings.Join(parts, ", ") + " — " + verdict
}

// SelfCheck classifies img (the reference image) zero-shot among ref's
// labels — softmax of the model's logit scale times the cosine
// similarities, as CLIP's README does — and judges the probabilities
// against ref. A model that fails computes something other than CLIP
// (wrong weights, a broken conversion, a bug), and its embeddings would
// make search by meaning quietly wrong.
func SelfCheck(ctx context.Context, m *Model, img image.Image, ref Reference) (CheckResult, error) {
	iv, err := m.EmbedImages(ctx, []image.Image{img})
	if err != nil {
		return CheckResult{}, fmt.Errorf("clip: self-check: %w", err)
	}
	logits := make([]float64, len(ref.Labels))
	for i, l := range ref.Labels {
		tv, err := m.EmbedText(ctx, l)
		if err != nil {
			return CheckResult{}, fmt.Errorf("clip: self-check: %w", err)
		}
		logits[i] = float64(m.LogitScale()) * cosine(iv[0], tv)
	}
	res := CheckResult{Labels: ref.Labels, Probs: softmax(logits)}
	res.Pass, res.Reason = ref.Judge(res.Probs)
	return res, nil
}

// Judge says whether probs (of ref.Labels) reproduce the reference, and if
// not, why.
func (ref Reference) Judge(probs []float64) (bool, string) {
	if len(probs) != len(ref.Labels) || len(probs) == 0 {
		return false, "no probabilities"
	}
	top := 0
	for i, p := range probs {
		if p > probs[top] {
			top = i
		}
	}
	if top != 0 {
		return false, fmt.Sprintf("%q wins with %.6f, not %q", ref.Labels[top], probs[top], ref.Labels[0])
	}
	if probs[0] <= ref.MinTop {
		return false, fmt.Sprintf("%q has %.6f, want more than %g", ref.Labels[0], probs[0], ref.MinTop)
	}
	for i, want := range ref.Probs {
		if math.Abs(probs[i]-want) > ref.Tol {
			return false, fmt.Sprintf("%q has %.6f, published %.6f (±%g)", ref.Labels[i], probs[i], want, ref.Tol)
		}
	}
	return true, ""
}

func cosine(a, b []float32) float64 {
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(na*nb)
}

func softmax(xs []float64) []float64 {
	mx := math.Inf(-1)
	for _, x := range xs {
		mx = max(mx, x)
	}
	out := make([]float64, len(xs))
	var sum float64
	for i, x := range xs {
		out[i] = math.Exp(x - mx)
		sum += out[i]
	}
	for i := range out {
		out[i] /= sum
	}
	return out
}
