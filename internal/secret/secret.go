// Package secret derives purpose-bound keys from the master SECRET_KEY and
// seals small values (OAuth tokens) with AES-256-GCM for storage at rest.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
)

// ErrOpen means a sealed value could not be decrypted: the wrong key (the
// secret key changed) or tampered data.
var ErrOpen = errors.New("secret: cannot decrypt (wrong SECRET_KEY or corrupt value)")

// Derive returns a 32-byte key for one purpose, so the session-signing key
// and the token-encryption key are never the same bytes.
func Derive(master []byte, purpose string) ([]byte, error) {
	k, err := hkdf.Key(sha256.New, master, nil, "targetvision "+purpose, 32)
	if err != nil {
		return nil, fmt.Errorf("secret: derive %s key: %w", purpose, err)
	}
	return k, nil
}

// Box seals and opens values with AES-256-GCM under one derived key.
type Box struct{ aead cipher.AEAD }

// NewBox makes a Box for a purpose from the master secret.
func NewBox(master []byte, purpose string) (*Box, error) {
	key, err := Derive(master, purpose)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts plaintext with a fresh random nonce; the nonce is prepended.
// additional binds the value to its context (e.g. the source id) so a sealed
// token copied to another row does not open.
func (b *Box) Seal(plaintext, additional []byte) []byte {
	nonce := make([]byte, b.aead.NonceSize(), b.aead.NonceSize()+len(plaintext)+b.aead.Overhead())
	rand.Read(nonce)
	return b.aead.Seal(nonce, nonce, plaintext, additional)
}

// Open decrypts a value made by Seal with the same additional data.
func (b *Box) Open(sealed, additional []byte) ([]byte, error) {
	n := b.aead.NonceSize()
	if len(sealed) < n+b.aead.Overhead() {
		return nil, ErrOpen
	}
	out, err := b.aead.Open(nil, sealed[:n], sealed[n:], additional)
	if err != nil {
		return nil, ErrOpen
	}
	return out, nil
}
