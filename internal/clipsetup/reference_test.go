package clipsetup_test

import (
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/targetvision/targetvision/internal/clip"
	"github.com/targetvision/targetvision/internal/clip/cliptest"
	"github.com/targetvision/targetvision/internal/clipsetup"
	"github.com/targetvision/targetvision/internal/clipsetup/clipsetuptest"
	"github.com/targetvision/targetvision/internal/testshared"
)

func referenceImage(t *testing.T) []byte { return clipsetuptest.Image(t) }

func imageServer(t *testing.T) *httptest.Server { return clipsetuptest.NewServer(t) }

// TestReferenceHash: the hash the binary carries is that of the OpenAI
// CLIP README's image in ../shared.
func TestReferenceHash(t *testing.T) {
	t.Parallel()
	path := testshared.Path(t, "clip", "CLIP.png")
	if err := clipsetup.VerifyReference(path); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(t.TempDir(), "other.png")
	os.WriteFile(other, []byte("not it"), 0o600)
	if err := clipsetup.VerifyReference(other); !errors.Is(err, clipsetup.ErrReferenceMismatch) {
		t.Errorf("another file: %v", err)
	}
}

func TestFetchReference(t *testing.T) {
	t.Parallel()
	srv := imageServer(t)
	dir := t.TempDir()
	dst := filepath.Join(dir, clipsetup.ReferenceFile)
	if err := clipsetup.FetchReference(t.Context(), nil, srv.URL+"/CLIP.png", dst); err != nil {
		t.Fatal(err)
	}
	if err := clipsetup.VerifyReference(dst); err != nil {
		t.Fatal(err)
	}

	// A wrong image is refused, says which hash it had and wanted, and
	// leaves nothing behind.
	dst2 := filepath.Join(t.TempDir(), clipsetup.ReferenceFile)
	err := clipsetup.FetchReference(t.Context(), nil, srv.URL+"/wrong.png", dst2)
	if !errors.Is(err, clipsetup.ErrReferenceMismatch) || !strings.Contains(err.Error(), clipsetup.ReferenceSHA256) ||
		!strings.Contains(err.Error(), "/wrong.png") {
		t.Errorf("wrong image: %v", err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(dst2)); len(entries) != 0 {
		t.Errorf("a refused image left %v", entries)
	}
	if err := clipsetup.FetchReference(t.Context(), nil, srv.URL+"/gone.png", dst2); err == nil || errors.Is(err, clipsetup.ErrReferenceMismatch) {
		t.Errorf("404: %v", err)
	}
}

// model writes a tiny checkpoint (seed 10 passes the self-check's winner
// rule on the reference image, seed 7 does not; see clip's
// TestSelfCheckMechanism) and loads it.
func model(t *testing.T, dir string, seed uint64) *clip.Model {
	t.Helper()
	if err := cliptest.WriteCheckpoint(dir, cliptest.Options{Seed: seed}); err != nil {
		t.Fatal(err)
	}
	m, err := clip.Load(dir, clip.WithName("test/tiny-clip"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestCheckNew: a fresh model is checked on the reference image fetched
// next to it; a failing one is refused with its numbers; a wrong image is
// an error, not a verdict; an unreachable image or "off" skips the check
// and says why.
func TestCheckNew(t *testing.T) {
	t.Parallel()
	srv := imageServer(t)
	ref := clipsetup.Reference{URL: srv.URL + "/CLIP.png"}

	dir := t.TempDir()
	out, err := clipsetup.CheckNew(t.Context(), model(t, dir, 10), "test/tiny-clip", dir, ref)
	if err != nil || !out.Ran || !out.Result.Pass || len(out.Result.Probs) != 3 {
		t.Fatalf("seed 10: %+v %v", out, err)
	}
	if err := clipsetup.VerifyReference(filepath.Join(dir, clipsetup.ReferenceFile)); err != nil {
		t.Errorf("the image is not kept next to the model: %v", err)
	}

	dir = t.TempDir()
	out, err = clipsetup.CheckNew(t.Context(), model(t, dir, 7), "test/tiny-clip", dir, ref)
	var failed *clipsetup.FailedError
	if !errors.As(err, &failed) || out.Result.Pass || !strings.Contains(err.Error(), `"a diagram" 0.`) ||
		!strings.Contains(err.Error(), "failed its self-check") {
		t.Fatalf("seed 7: %+v %v", out, err)
	}

	dir = t.TempDir()
	_, err = clipsetup.CheckNew(t.Context(), model(t, dir, 10), "test/tiny-clip", dir, clipsetup.Reference{URL: srv.URL + "/wrong.png"})
	if !errors.Is(err, clipsetup.ErrReferenceMismatch) {
		t.Errorf("wrong image: %v", err)
	}

	for _, c := range []struct{ url, says string }{{"off", "off"}, {"http://127.0.0.1:9/CLIP.png", "could not fetch"}} {
		dir = t.TempDir()
		out, err = clipsetup.CheckNew(t.Context(), model(t, dir, 7), "test/tiny-clip", dir, clipsetup.Reference{URL: c.url})
		if err != nil || out.Ran || !strings.Contains(out.Skipped, c.says) {
			t.Errorf("%s: %+v %v", c.url, out, err)
		}
	}

	// models import DIR: a copy in DIR is used (and verified) before the URL.
	from := t.TempDir()
	os.WriteFile(filepath.Join(from, clipsetup.ReferenceFile), referenceImage(t), 0o600)
	dir = t.TempDir()
	out, err = clipsetup.CheckNew(t.Context(), model(t, dir, 10), "test/tiny-clip", dir, clipsetup.Reference{URL: "http://127.0.0.1:9/x", From: from})
	if err != nil || !out.Ran || !out.Result.Pass {
		t.Errorf("from DIR: %+v %v", out, err)
	}
	bad := referenceImage(t)
	bad[100] ^= 1
	os.WriteFile(filepath.Join(from, clipsetup.ReferenceFile), bad, 0o600)
	dir = t.TempDir()
	_, err = clipsetup.CheckNew(t.Context(), model(t, dir, 10), "test/tiny-clip", dir, clipsetup.Reference{URL: srv.URL + "/CLIP.png", From: from})
	if !errors.Is(err, clipsetup.ErrReferenceMismatch) || !strings.Contains(err.Error(), from) {
		t.Errorf("a wrong CLIP.png in DIR: %v", err)
	}
}

// TestCheckOnce: at load (serve) a model is checked when the reference
// image is beside it; a pass is remembered by the model file's hash, so
// the next start does not check again, and a changed file is checked
// anew; without the image nothing is checked.
func TestCheckOnce(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m := model(t, dir, 10)
	if _, _, err := clipsetup.CheckOnce(t.Context(), m, "test/tiny-clip", dir); !errors.Is(err, clipsetup.ErrNoReference) {
		t.Fatalf("without the image: %v", err)
	}
	os.WriteFile(filepath.Join(dir, clipsetup.ReferenceFile), referenceImage(t), 0o600)
	res, cached, err := clipsetup.CheckOnce(t.Context(), m, "test/tiny-clip", dir)
	if err != nil || cached || !res.Pass {
		t.Fatalf("first load: %+v cached %v %v", res, cached, err)
	}
	res, cached, err = clipsetup.CheckOnce(t.Context(), m, "test/tiny-clip", dir)
	if err != nil || !cached || !res.Pass || len(res.Probs) != 3 {
		t.Fatalf("second load: %+v cached %v %v", res, cached, err)
	}
	// Another model's weights in the same place: checked again, and refused.
	m7 := model(t, dir, 7)
	res, cached, err = clipsetup.CheckOnce(t.Context(), m7, "test/tiny-clip", dir)
	var failed *clipsetup.FailedError
	if !errors.As(err, &failed) || cached || res.Pass {
		t.Fatalf("changed weights: %+v cached %v %v", res, cached, err)
	}
	// A failure is not remembered as a pass.
	if _, cached, err = clipsetup.CheckOnce(t.Context(), m7, "test/tiny-clip", dir); !errors.As(err, &failed) || cached {
		t.Fatalf("failing again: cached %v %v", cached, err)
	}
	// A wrong image beside the model is an error, not a verdict.
	bad := referenceImage(t)
	bad[100] ^= 1
	os.WriteFile(filepath.Join(dir, clipsetup.ReferenceFile), bad, 0o600)
	if _, _, err := clipsetup.CheckOnce(t.Context(), m, "test/tiny-clip", dir); !errors.Is(err, clipsetup.ErrReferenceMismatch) {
		t.Errorf("wrong image beside the model: %v", err)
	}
}
