package auth

import (
	"crypto/hkdf"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"strings"
)

// setupAlphabet spells setup codes: Crockford's base32, without the
// letters people misread (I, L, O, U).
const setupAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// setupGroups × setupGroupLen characters of 5 bits: 60 bits, beyond any
// guessing at the sign-up rate limit.
const setupGroups, setupGroupLen = 3, 4

// SetupCode is the one-time code that proves the operator's hand when the
// first (admin) account of an instance is created. It is derived from the
// deployment's SECRET_KEY, so every process of a deployment agrees on it
// without storing it, and only someone who can read the server's secret —
// its operator, through `targetvision setup-code` or the terminal `serve`
// runs in — can know it. It is useless once the instance is claimed.
func SetupCode(secret []byte) (string, error) {
	if len(secret) < minSecretLen {
		return "", fmt.Errorf("auth: setup code: secret must be at least %d bytes", minSecretLen)
	}
	key, err := hkdf.Key(sha256.New, secret, nil, "targetvision setup code v1", 8)
	if err != nil {
		return "", fmt.Errorf("auth: setup code: %w", err)
	}
	var bits uint64
	for _, b := range key {
		bits = bits<<8 | uint64(b)
	}
	var sb strings.Builder
	for i := range setupGroups * setupGroupLen {
		if i > 0 && i%setupGroupLen == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(setupAlphabet[bits&31])
		bits >>= 5
	}
	return sb.String(), nil
}

// SetupCodeMatches compares a typed code with want in constant time,
// forgiving case, spaces, dashes and the letters Crockford's base32 reads
// as digits (O as 0, I and L as 1).
func SetupCodeMatches(want, typed string) bool {
	norm := func(s string) string {
		return strings.Map(func(r rune) rune {
			switch r {
			case '-', ' ', '\t':
				return -1
			case 'o', 'O':
				return '0'
			case 'i', 'I', 'l', 'L':
				return '1'
			}
			if r >= 'a' && r <= 'z' {
				return r - 'a' + 'A'
			}
			return r
		}, s)
	}
	w, t := norm(want), norm(typed)
	return len(w) > 0 && subtle.ConstantTimeCompare([]byte(w), []byte(t)) == 1
}
