package secret

import (
	"bytes"
	"errors"
	"testing"
)

func TestSealOpen(t *testing.T) {
	t.Parallel()
	b, err := NewBox([]byte("master-secret-0123456789"), "oauth")
	if err != nil {
		t.Fatal(err)
	}
	tok := []byte(`{"token":"abc","secret":"xyz"}`)
	s1, s2 := b.Seal(tok, []byte("source:1")), b.Seal(tok, []byte("source:1"))
	if bytes.Equal(s1, s2) || bytes.Contains(s1, []byte("xyz")) {
		t.Fatal("sealing must be randomised and hide the plaintext")
	}
	got, err := b.Open(s1, []byte("source:1"))
	if err != nil || !bytes.Equal(got, tok) {
		t.Fatalf("open: %q %v", got, err)
	}
	other, _ := NewBox([]byte("another-master-secret-01"), "oauth")
	purpose, _ := NewBox([]byte("master-secret-0123456789"), "sessions")
	tampered := append([]byte{}, s1...)
	tampered[len(tampered)-1] ^= 1
	for name, try := range map[string]func() ([]byte, error){
		"wrong key":        func() ([]byte, error) { return other.Open(s1, []byte("source:1")) },
		"wrong purpose":    func() ([]byte, error) { return purpose.Open(s1, []byte("source:1")) },
		"wrong additional": func() ([]byte, error) { return b.Open(s1, []byte("source:2")) },
		"tampered":         func() ([]byte, error) { return b.Open(tampered, []byte("source:1")) },
		"short":            func() ([]byte, error) { return b.Open(s1[:5], nil) },
	} {
		if _, err := try(); !errors.Is(err, ErrOpen) {
			t.Errorf("%s: %v, want ErrOpen", name, err)
		}
	}
}
