package cliptest_test

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/clip"
	"github.com/targetvision/targetvision/internal/clip/cliptest"
)

func TestWriteCheckpointDeterministic(t *testing.T) {
	t.Parallel()
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	for dir, seed := range map[string]uint64{a: 1, b: 1, c: 2} {
		if err := cliptest.WriteCheckpoint(dir, cliptest.Options{Seed: seed}); err != nil {
			t.Fatal(err)
		}
	}
	read := func(dir, name string) []byte {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	for _, f := range clip.Files {
		if !bytes.Equal(read(a, f), read(b, f)) {
			t.Errorf("%s differs between two writes with the same seed", f)
		}
	}
	if bytes.Equal(read(a, "model.safetensors"), read(c, "model.safetensors")) {
		t.Error("different seeds gave the same weights")
	}
	m, err := clip.Load(a)
	if err != nil {
		t.Fatal(err)
	}
	if m.Dim() != 16 || m.Name() != "cliptest/tiny" {
		t.Errorf("Dim %d Name %q", m.Dim(), m.Name())
	}
	// The tokenizer files are the real CLIP vocabulary.
	if ids := m.Tokenizer().Encode("a photo of a cat"); len(ids) != 7 || ids[5] != 2368 {
		t.Errorf("ids %v", ids)
	}
}

func TestHelpers(t *testing.T) {
	t.Parallel()
	m, dir := cliptest.NewModel(t, cliptest.Options{Seed: 3, HiddenAct: "gelu"})
	if m.Config().TextConfig.HiddenAct != "gelu" || dir == "" {
		t.Errorf("config %+v", m.Config().TextConfig)
	}
	hub := cliptest.NewCheckpointHub(t, clip.DefaultModel, cliptest.Options{Seed: 3})
	resp, err := http.Head(hub.URL + "/" + clip.DefaultModel + "/resolve/main/model.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// http.Head follows the redirect to the CDN copy, which names its sha256.
	if resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") != `"`+hub.SHA256(clip.DefaultModel, "model.safetensors")+`"` {
		t.Errorf("status %d, ETag %q", resp.StatusCode, resp.Header.Get("ETag"))
	}
}

// TestHubHold: a held file sends its first bytes and then waits for the
// release, so a test can watch a download under way; after the release
// the rest arrives whole.
func TestHubHold(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := cliptest.WriteCheckpoint(dir, cliptest.Options{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	files, err := cliptest.CheckpointFiles(dir, "org/tiny")
	if err != nil {
		t.Fatal(err)
	}
	hub := cliptest.NewHub(t, files...)
	release := hub.Hold("model.safetensors", 1000)
	resp, err := http.Get(hub.URL + "/org/tiny/resolve/main/model.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	first := make([]byte, 1000)
	if _, err := io.ReadFull(resp.Body, first); err != nil {
		t.Fatal(err)
	}
	got := make(chan []byte)
	go func() {
		rest, _ := io.ReadAll(resp.Body)
		got <- rest
	}()
	select {
	case <-got:
		t.Fatal("the held body went on before the release")
	case <-time.After(100 * time.Millisecond):
	}
	release()
	want, _ := os.ReadFile(filepath.Join(dir, "model.safetensors"))
	if whole := append(first, <-got...); !bytes.Equal(whole, want) {
		t.Errorf("after the release: %d bytes, want the file's %d", len(whole), len(want))
	}
}
