// Package clipsetup gets a CLIP model ready to trust on this machine: the
// self-check on the OpenAI CLIP README's image (../shared/specs/clip.md
// §7.1) that `models pull`, `models import`, the Settings page's download
// and every load of a model run, and the Settings page's one-at-a-time
// download with its progress.
//
// The reference image is not in the binary (files under ../shared are never
// copied into the repository): the binary carries its SHA-256 and fetches
// it from a URL (the openai/CLIP repository's raw file by default) next to
// the model, verified, so an offline server can be given it with the model.
package clipsetup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/targetvision/targetvision/internal/clip"
	"github.com/targetvision/targetvision/internal/photo"
)

const (
	// ReferenceFile is the reference image's name next to a model.
	ReferenceFile = "CLIP.png"
	// ReferenceSHA256 is the SHA-256 of CLIP.png in the openai/CLIP
	// repository (the diagram of its README), the image whose zero-shot
	// probabilities the README publishes.
	ReferenceSHA256 = "308a3ca4503f1c7a07803916c369d78c4ef501e5ab7fc727da9b5e1d2f9ec85b"
	// DefaultReferenceURL is where the image is fetched from by default.
	DefaultReferenceURL = "https://raw.githubusercontent.com/openai/CLIP/main/CLIP.png"
	// Off, as the reference URL, turns the self-check off.
	Off = "off"
	// recordFile remembers a model's pass (see CheckOnce).
	recordFile = "selfcheck.json"
	// maxReferenceBytes bounds the download (the image is 252 kB).
	maxReferenceBytes = 16 << 20
)

var (
	// ErrReferenceMismatch means a file offered as the reference image is
	// not it (a wrong URL, a damaged or substituted copy).
	ErrReferenceMismatch = errors.New("clipsetup: not the OpenAI CLIP README's CLIP.png")
	// ErrNoReference means no reference image lies next to the model.
	ErrNoReference = errors.New("clipsetup: no reference image next to the model")
)

// FailedError is a model that does not reproduce the published result: it
// computes something other than CLIP, and must not be used.
type FailedError struct {
	Model  string
	Result clip.CheckResult
}

func (e *FailedError) Error() string {
	return fmt.Sprintf("%s failed its self-check on %s: %s", e.Model, ReferenceFile, e.Result)
}

// VerifyReference checks that path is the reference image.
func VerifyReference(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("clipsetup: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("clipsetup: %s: %w", path, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != ReferenceSHA256 {
		return fmt.Errorf("%w: %s has sha256 %s, want %s", ErrReferenceMismatch, path, got, ReferenceSHA256)
	}
	return nil
}

// FetchReference downloads the reference image from url to dst, verifying
// its hash before it takes dst's name; a wrong image is removed and is
// ErrReferenceMismatch. client nil means a default one with a timeout.
func FetchReference(ctx context.Context, client *http.Client, url, dst string) error {
	if client == nil {
		client = &http.Client{Timeout: 2 * time.Minute}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("clipsetup: reference image: %w", err)
	}
	req.Header.Set("User-Agent", "targetvision")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("clipsetup: fetch reference image: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("clipsetup: fetch reference image %s: %s", url, resp.Status)
	}
	part := dst + ".part"
	f, err := os.OpenFile(part, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("clipsetup: %w", err)
	}
	defer os.Remove(part) // gone once renamed
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(resp.Body, maxReferenceBytes+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("clipsetup: fetch reference image %s: %w", url, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != ReferenceSHA256 || n > maxReferenceBytes {
		return fmt.Errorf("%w: %s sent %d bytes with sha256 %s, want %s", ErrReferenceMismatch, url, n, got, ReferenceSHA256)
	}
	if err := os.Rename(part, dst); err != nil {
		return fmt.Errorf("clipsetup: %w", err)
	}
	return nil
}

// Reference says where a fresh model's self-check gets the image.
type Reference struct {
	// URL is fetched when no verified copy is at hand: "" means
	// DefaultReferenceURL, Off turns the check off
	// (TARGETVISION_CLIP_CHECK_IMAGE).
	URL string
	// From is a directory that may hold a copy (the DIR of `models
	// import DIR`), used before the URL.
	From string
	// Client fetches the URL; nil means a default one.
	Client *http.Client
}

// Outcome is what CheckNew did.
type Outcome struct {
	// Ran says the check ran; Result is its verdict then.
	Ran    bool
	Result clip.CheckResult
	// Skipped says why it did not run (turned off, image unreachable).
	Skipped string
}

// CheckNew runs the self-check of a model just installed in dir (pull,
// import, the Settings download): it puts the verified reference image
// next to the model — already there, from ref.From, or fetched — and
// checks. A model that fails is a *FailedError (the caller removes it); an
// image that is not the reference is ErrReferenceMismatch. When the image
// cannot be had (no network, the check off) the check is skipped and
// Outcome.Skipped says why: the model is not refused for the network's
// sake, and is checked at its first load once the image is beside it.
func CheckNew(ctx context.Context, m *clip.Model, name, dir string, ref Reference) (Outcome, error) {
	if ref.URL == Off {
		return Outcome{Skipped: "the self-check is off (TARGETVISION_CLIP_CHECK_IMAGE=off)"}, nil
	}
	dst := filepath.Join(dir, ReferenceFile)
	if err := VerifyReference(dst); err != nil {
		os.Remove(dst) // absent, or not the image: get it afresh
		err = obtain(ctx, ref, dst)
		if errors.Is(err, ErrReferenceMismatch) || ctx.Err() != nil {
			return Outcome{}, err
		}
		if err != nil {
			return Outcome{Skipped: err.Error()}, nil
		}
	}
	res, err := Check(ctx, m, name, dir)
	if err != nil && !errors.As(err, new(*FailedError)) {
		return Outcome{}, err
	}
	return Outcome{Ran: true, Result: res}, err
}

// obtain puts the reference image at dst from ref.From or ref.URL.
func obtain(ctx context.Context, ref Reference, dst string) error {
	if ref.From != "" {
		src := filepath.Join(ref.From, ReferenceFile)
		if _, err := os.Stat(src); err == nil {
			if err := VerifyReference(src); err != nil {
				return fmt.Errorf("%w (remove it, or put the right image there)", err)
			}
			return copyFile(src, dst)
		}
	}
	url := ref.URL
	if url == "" {
		url = DefaultReferenceURL
	}
	err := FetchReference(ctx, ref.Client, url, dst)
	if errors.Is(err, ErrReferenceMismatch) {
		return fmt.Errorf("%w (TARGETVISION_CLIP_CHECK_IMAGE names another file: point it at the openai/CLIP repository's CLIP.png, or set it to off)", err)
	}
	if err != nil {
		return fmt.Errorf("could not fetch the reference image from %s (%w); the model is used unchecked until %s is next to it", url, err, ReferenceFile)
	}
	return nil
}

func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return fmt.Errorf("clipsetup: %w", err)
	}
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		return fmt.Errorf("clipsetup: %w", err)
	}
	return nil
}

// record is a model's remembered pass, dir/selfcheck.json.
type record struct {
	Model string `json:"model"`
	// ModelSHA256 is model.safetensors' hash; ModelSize and ModelModTime
	// let a start trust it without hashing the file again.
	ModelSHA256  string           `json:"model_sha256"`
	ModelSize    int64            `json:"model_size"`
	ModelModTime time.Time        `json:"model_mod_time"`
	ImageSHA256  string           `json:"image_sha256"`
	Result       clip.CheckResult `json:"result"`
	CheckedAt    time.Time        `json:"checked_at"`
}

// weights is the model file a record identifies.
const weights = "model.safetensors"

// Check runs the self-check of m (loaded from dir as name) on the
// reference image next to it, verified, and remembers a pass. A model that
// fails is a *FailedError carrying the numbers.
func Check(ctx context.Context, m *clip.Model, name, dir string) (clip.CheckResult, error) {
	img := filepath.Join(dir, ReferenceFile)
	if _, err := os.Stat(img); errors.Is(err, os.ErrNotExist) {
		return clip.CheckResult{}, ErrNoReference
	}
	if err := VerifyReference(img); err != nil {
		return clip.CheckResult{}, err
	}
	pic, _, err := photo.Decode(ctx, img, photo.Limits{MaxPixels: 100_000_000})
	if err != nil {
		return clip.CheckResult{}, fmt.Errorf("clipsetup: reference image: %w", err)
	}
	res, err := clip.SelfCheck(ctx, m, pic, clip.ReferenceFor(name))
	if err != nil {
		return clip.CheckResult{}, err
	}
	if !res.Pass {
		os.Remove(filepath.Join(dir, recordFile))
		return res, &FailedError{Model: name, Result: res}
	}
	fi, err := os.Stat(filepath.Join(dir, weights))
	if err != nil {
		return res, fmt.Errorf("clipsetup: %w", err)
	}
	sum, err := fileSHA256(filepath.Join(dir, weights))
	if err != nil {
		return res, err
	}
	return res, writeRecord(dir, record{Model: name, ModelSHA256: sum, ModelSize: fi.Size(), ModelModTime: fi.ModTime(),
		ImageSHA256: ReferenceSHA256, Result: res, CheckedAt: time.Now().UTC()})
}

// CheckOnce is Check for a model being loaded (every start of serve, and
// the other commands): a pass remembered for the same weights — the same
// file by size and time, else by hash — is not checked again (cached). Without the
// reference image next to the model it is ErrNoReference and nothing runs.
func CheckOnce(ctx context.Context, m *clip.Model, name, dir string) (res clip.CheckResult, cached bool, err error) {
	if _, err := os.Stat(filepath.Join(dir, ReferenceFile)); errors.Is(err, os.ErrNotExist) {
		return clip.CheckResult{}, false, ErrNoReference
	}
	fi, err := os.Stat(filepath.Join(dir, weights))
	if err != nil {
		return clip.CheckResult{}, false, fmt.Errorf("clipsetup: %w", err)
	}
	if rec, ok := readRecord(dir); ok && rec.Model == name && rec.ImageSHA256 == ReferenceSHA256 && rec.Result.Pass {
		if rec.ModelSize == fi.Size() && rec.ModelModTime.Equal(fi.ModTime()) {
			return rec.Result, true, nil
		}
		sum, err := fileSHA256(filepath.Join(dir, weights))
		if err != nil {
			return clip.CheckResult{}, false, err
		}
		if sum == rec.ModelSHA256 { // the same weights, touched
			rec.ModelSize, rec.ModelModTime = fi.Size(), fi.ModTime()
			return rec.Result, true, writeRecord(dir, rec)
		}
	}
	res, err = Check(ctx, m, name, dir)
	return res, false, err
}

func readRecord(dir string) (record, bool) {
	b, err := os.ReadFile(filepath.Join(dir, recordFile))
	if err != nil {
		return record{}, false
	}
	var r record
	if json.Unmarshal(b, &r) != nil {
		return record{}, false
	}
	return r, true
}

func writeRecord(dir string, r record) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("clipsetup: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, recordFile), b, 0o600); err != nil {
		return fmt.Errorf("clipsetup: %w", err)
	}
	return nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("clipsetup: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("clipsetup: %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
