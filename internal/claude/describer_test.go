package claude_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/targetvision/targetvision/internal/claude"
	"github.com/targetvision/targetvision/internal/claude/claudetest"
)

func TestDescribeRealCameraPhotos(t *testing.T) {
	t.Parallel()
	fake := claudetest.New(t, claudetest.Options{})
	d, _ := newDescriber(t, fake, nil)
	paths, err := filepath.Glob(filepath.Join(sharedDir(t), "testdata", "photos", "camera", "*.jpg"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no camera photos: %v", err)
	}
	n := 0
	for _, p := range paths {
		before := fake.Stats().MessagesRequests
		res, err := d.Describe(t.Context(), claude.Request{UserID: "u1", Path: p})
		if filepath.Base(p) == "ultrahdr.jpg" {
			// Its scan data is truncated: a broken photo must fail before any call.
			if err == nil || !strings.Contains(err.Error(), "claude: decode image") || fake.Stats().MessagesRequests != before {
				t.Errorf("ultrahdr.jpg: err = %v, requests %d → %d", err, before, fake.Stats().MessagesRequests)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", filepath.Base(p), err)
		}
		sent := fake.Sent()[n]
		n++
		if max(sent.W, sent.H) > claude.DefaultImageLongEdge {
			t.Errorf("%s: sent %dx%d, long edge over %d", filepath.Base(p), sent.W, sent.H, claude.DefaultImageLongEdge)
		}
		if sent.Tokens != claude.ImageTokens(sent.W, sent.H) {
			t.Errorf("%s: fake billed %d image tokens, our formula says %d", filepath.Base(p), sent.Tokens, claude.ImageTokens(sent.W, sent.H))
		}
		// The answer belongs to the image that was sent.
		if tok := "img" + sent.SHA256[:8]; !has(res.Keywords, tok) {
			t.Errorf("%s: keywords %v lack %s", filepath.Base(p), res.Keywords, tok)
		}
		// Normalisation: the fake sends "Golden Hour", "photo" and "Photo".
		if !has(res.Keywords, "golden hour") || strings.Count(strings.Join(res.Keywords, "|"), "photo") != 1 {
			t.Errorf("%s: keywords not normalised: %v", filepath.Base(p), res.Keywords)
		}
		if n := len(res.Keywords); n < claude.MinKeywords || n > claude.MaxKeywords {
			t.Errorf("%s: %d keywords", filepath.Base(p), n)
		}
		if res.Key.Model != claude.DefaultModel || res.Key.PromptVersion != claude.PromptVersion {
			t.Errorf("%s: key %+v", filepath.Base(p), res.Key)
		}
		if res.Mode != claude.ModeDirect || res.Attempts != 1 || res.CostUSD <= 0 || res.Usage.InputTokens <= int64(sent.Tokens) {
			t.Errorf("%s: accounting %+v", filepath.Base(p), res)
		}
	}
	// A large photo is scaled to exactly the long edge, aspect kept.
	for _, s := range fake.Sent() {
		if s.W == claude.DefaultImageLongEdge || s.H == claude.DefaultImageLongEdge {
			return
		}
	}
	t.Error("no photo was scaled to the long edge; the test set should contain large photos")
}
