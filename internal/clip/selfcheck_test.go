package clip_test

import (
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/targetvision/targetvision/internal/clip"
	"github.com/targetvision/targetvision/internal/clip/cliptest"
	"github.com/targetvision/targetvision/internal/testshared"
)

// TestReferenceJudge checks the verdict against the published values of
// ../shared/specs/clip.md §7.1 (OpenAI README, ViT-B/32, CLIP.png).
func TestReferenceJudge(t *testing.T) {
	t.Parallel()
	oai := clip.ReferenceFor("openai/clip-vit-base-patch32")
	laion := clip.ReferenceFor("laion/CLIP-ViT-B-32-laion2B-s34B-b79K")
	cases := []struct {
		ref   clip.Reference
		probs []float64
		pass  bool
		says  string
	}{
		{oai, []float64{0.9927937, 0.00421068, 0.00299572}, true, ""},
		{oai, []float64{0.9940, 0.0035, 0.0025}, true, ""}, // within 2e-3 (fp32 CPU vs the README's fp16 GPU)
		{oai, []float64{0.9960, 0.0020, 0.0020}, false, "published 0.992794"},
		{oai, []float64{0.0042, 0.9928, 0.0030}, false, `"a dog" wins`},
		{laion, []float64{0.9991, 0.0005, 0.0004}, true, ""}, // other checkpoints: the winner rule only
		{laion, []float64{0.985, 0.010, 0.005}, false, "want more than 0.99"},
		{laion, []float64{0.2, 0.3, 0.5}, false, `"a cat" wins`},
	}
	for _, c := range cases {
		pass, why := c.ref.Judge(c.probs)
		if pass != c.pass || !strings.Contains(why, c.says) {
			t.Errorf("Judge(%v) = %v %q, want %v saying %q", c.probs, pass, why, c.pass, c.says)
		}
	}
}

// TestSelfCheckMechanism drives SelfCheck with tiny random checkpoints on
// the real reference image: it classifies the image among the reference's
// labels and judges the result. Seed 10 happens to put "a diagram" first
// with p > 0.99; seed 7 does not. (The numbers that matter for real weights
// are the spec's, in ReferenceFor, never these.)
func TestSelfCheckMechanism(t *testing.T) {
	t.Parallel()
	f, err := os.Open(filepath.Join(testshared.Path(t), "clip", "CLIP.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		seed uint64
		pass bool
	}{{10, true}, {7, false}} {
		dir := t.TempDir()
		if err := cliptest.WriteCheckpoint(dir, cliptest.Options{Seed: c.seed}); err != nil {
			t.Fatal(err)
		}
		m, err := clip.Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		res, err := clip.SelfCheck(t.Context(), m, img, clip.ReferenceFor("test/tiny"))
		if err != nil {
			t.Fatal(err)
		}
		var sum float64
		for _, p := range res.Probs {
			sum += p
		}
		if res.Pass != c.pass || len(res.Probs) != 3 || sum < 0.999999 || sum > 1.000001 {
			t.Errorf("seed %d: %s (sum %.6f), want pass=%v", c.seed, res, sum, c.pass)
		}
		// The check sees the image: a blank one changes the answer.
		blank, err := clip.SelfCheck(t.Context(), m, image.NewRGBA(image.Rect(0, 0, 64, 64)), clip.ReferenceFor("test/tiny"))
		if err != nil {
			t.Fatal(err)
		}
		if blank.Probs[0] == res.Probs[0] {
			t.Errorf("seed %d: the same probabilities for a blank image", c.seed)
		}
	}
}
