package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Password errors. Callers test with errors.Is.
var (
	// ErrPasswordMismatch means the password does not match the stored hash.
	ErrPasswordMismatch = errors.New("auth: password does not match")
	// ErrInvalidHash means a stored hash is not an argon2id PHC string this
	// package can read; it points at corrupt data, not at a wrong password.
	ErrInvalidHash = errors.New("auth: invalid password hash")
	// ErrPasswordTooShort and ErrPasswordTooLong are returned by
	// ValidatePassword for sign-up and password changes.
	ErrPasswordTooShort = errors.New("auth: password too short")
	ErrPasswordTooLong  = errors.New("auth: password too long")
)

// Password length bounds, in characters (runes). The upper bound is there so
// nobody can make the server hash megabytes per request.
const (
	MinPasswordLen = 8
	MaxPasswordLen = 256
)

// ValidatePassword checks a new password against the length bounds. It does
// not judge composition: length is what makes a password strong, and rules
// about digits and symbols mostly make users write them down.
func ValidatePassword(password string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case n < MinPasswordLen:
		return fmt.Errorf("%w: at least %d characters", ErrPasswordTooShort, MinPasswordLen)
	case n > MaxPasswordLen:
		return fmt.Errorf("%w: at most %d characters", ErrPasswordTooLong, MaxPasswordLen)
	}
	return nil
}

// Argon2Params are the argon2id cost parameters. They are written into every
// hash, so changing them affects new hashes only; NeedsRehash finds the old.
type Argon2Params struct {
	// Memory is the memory cost in KiB.
	Memory uint32
	// Iterations is the time cost (passes over memory).
	Iterations uint32
	// Parallelism is the number of lanes.
	Parallelism uint8
	// SaltLen and KeyLen are the salt and derived key lengths in bytes.
	SaltLen uint32
	KeyLen  uint32
}

// DefaultArgon2Params returns OWASP's recommended argon2id setting
// (m=19 MiB, t=2, p=1): about 20–40 ms per hash on one core, so a 2-core
// server can still take logins in bursts while an offline attacker pays the
// same per guess. A 16-byte salt and a 32-byte key follow RFC 9106.
func DefaultArgon2Params() Argon2Params {
	return Argon2Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLen: 16, KeyLen: 32}
}

// PasswordHasher hashes and verifies passwords with one set of parameters.
// The zero value is not usable; use NewPasswordHasher.
type PasswordHasher struct {
	params Argon2Params
	// dummy is a hash of a random password made with params, compared
	// against when the account does not exist so that "no such user" takes
	// as long as "wrong password" and does not reveal which e-mails exist.
	dummy string
}

// NewPasswordHasher returns a hasher using p. Tests pass cheap parameters;
// production passes DefaultArgon2Params().
func NewPasswordHasher(p Argon2Params) (*PasswordHasher, error) {
	if p.Memory < 8*uint32(p.Parallelism) || p.Iterations < 1 || p.Parallelism < 1 || p.SaltLen < 8 || p.KeyLen < 16 {
		return nil, fmt.Errorf("auth: argon2id parameters out of range: %+v", p)
	}
	h := &PasswordHasher{params: p}
	random := make([]byte, 32)
	if _, err := rand.Read(random); err != nil {
		return nil, fmt.Errorf("auth: dummy password: %w", err)
	}
	dummy, err := h.Hash(base64.RawStdEncoding.EncodeToString(random))
	if err != nil {
		return nil, err
	}
	h.dummy = dummy
	return h, nil
}

// Hash returns the PHC string of password under a fresh random salt.
func (h *PasswordHasher) Hash(password string) (string, error) {
	salt := make([]byte, h.params.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: password salt: %w", err)
	}
	p := h.params
	key := argon2.IDKey([]byte(password), salt, p.Iterations, p.Memory, p.Parallelism, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Iterations, p.Parallelism,
		base64.RawStdEncoding.EncodeToString(salt),
		base64.RawStdEncoding.EncodeToString(key)), nil
}

// Verify reports whether password matches encoded: nil when it does,
// ErrPasswordMismatch when it does not, ErrInvalidHash when encoded cannot
// be read. The hash is recomputed with the parameters stored in encoded, not
// the hasher's, so old hashes keep working after the parameters change.
func (h *PasswordHasher) Verify(password, encoded string) error {
	p, salt, want, err := decodeHash(encoded)
	if err != nil {
		return err
	}
	got := argon2.IDKey([]byte(password), salt, p.Iterations, p.Memory, p.Parallelism, p.KeyLen)
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return ErrPasswordMismatch
	}
	return nil
}

// VerifyNoUser spends the same work as Verify on a password for an account
// that does not exist, and always returns ErrPasswordMismatch. Login
// handlers call it so response times do not tell which e-mails are taken.
func (h *PasswordHasher) VerifyNoUser(password string) error {
	if err := h.Verify(password, h.dummy); err != nil && !errors.Is(err, ErrPasswordMismatch) {
		return err
	}
	return ErrPasswordMismatch
}

// NeedsRehash reports whether encoded was made with parameters other than
// the hasher's (or cannot be read), so a login that just verified the
// password should store a fresh hash.
func (h *PasswordHasher) NeedsRehash(encoded string) bool {
	p, _, key, err := decodeHash(encoded)
	if err != nil {
		return true
	}
	return p.Memory != h.params.Memory || p.Iterations != h.params.Iterations ||
		p.Parallelism != h.params.Parallelism || uint32(len(key)) != h.params.KeyLen
}

// maxArgon2Memory bounds the memory cost accepted from a stored hash (4 GiB)
// so a corrupt or planted hash cannot make Verify allocate without limit.
const maxArgon2Memory = 4 * 1024 * 1024

// decodeHash parses "$argon2id$v=19$m=M,t=T,p=P$salt$key".
func decodeHash(encoded string) (Argon2Params, []byte, []byte, error) {
	var p Argon2Params
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, fmt.Errorf("%w: not an argon2id PHC string", ErrInvalidHash)
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil {
		return p, nil, nil, fmt.Errorf("%w: version: %w", ErrInvalidHash, err)
	}
	if version != argon2.Version {
		return p, nil, nil, fmt.Errorf("%w: unsupported argon2 version %d", ErrInvalidHash, version)
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Iterations, &p.Parallelism); err != nil {
		return p, nil, nil, fmt.Errorf("%w: parameters: %w", ErrInvalidHash, err)
	}
	// Sscanf ignores trailing input; a strict round trip rejects it.
	if parts[2] != fmt.Sprintf("v=%d", version) || parts[3] != fmt.Sprintf("m=%d,t=%d,p=%d", p.Memory, p.Iterations, p.Parallelism) {
		return p, nil, nil, fmt.Errorf("%w: non-canonical parameters", ErrInvalidHash)
	}
	if p.Memory == 0 || p.Memory > maxArgon2Memory || p.Iterations == 0 || p.Parallelism == 0 {
		return p, nil, nil, fmt.Errorf("%w: parameters out of range", ErrInvalidHash)
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return p, nil, nil, fmt.Errorf("%w: salt: %w", ErrInvalidHash, err)
	}
	key, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil {
		return p, nil, nil, fmt.Errorf("%w: key: %w", ErrInvalidHash, err)
	}
	if len(salt) == 0 || len(key) == 0 {
		return p, nil, nil, fmt.Errorf("%w: empty salt or key", ErrInvalidHash)
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	return p, salt, key, nil
}
