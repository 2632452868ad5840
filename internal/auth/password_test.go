package auth

import (
	"errors"
	"strings"
	"testing"
)

// cheapParams keep the tests fast; the algorithm is the same.
func cheapParams() Argon2Params {
	return Argon2Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}
}

func newTestHasher(t *testing.T, p Argon2Params) *PasswordHasher {
	t.Helper()
	h, err := NewPasswordHasher(p)
	if err != nil {
		t.Fatalf("NewPasswordHasher: %v", err)
	}
	return h
}

func TestPasswordHashVerify(t *testing.T) {
	t.Parallel()
	h := newTestHasher(t, cheapParams())
	encoded, err := h.Hash("correct horse battery staple")
	if err != nil {
		t.Fatalf("Hash: %v", err)
	}
	if !strings.HasPrefix(encoded, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash %q is not a PHC argon2id string with our parameters", encoded)
	}
	again, err := h.Hash("correct horse battery staple")
	if err != nil {
		t.Fatalf("Hash: %v", err)
	}
	if again == encoded {
		t.Fatal("two hashes of one password are equal: salt not random")
	}

	tests := []struct {
		name     string
		password string
		encoded  string
		want     error
	}{
		{"right password", "correct horse battery staple", encoded, nil},
		{"wrong password", "correct horse battery stapler", encoded, ErrPasswordMismatch},
		{"empty password", "", encoded, ErrPasswordMismatch},
		{"not PHC", "x", "plaintext", ErrInvalidHash},
		{"bcrypt hash", "x", "$2a$10$abcdefghijklmnopqrstuu", ErrInvalidHash},
		{"argon2i not id", "x", strings.Replace(encoded, "argon2id", "argon2i", 1), ErrInvalidHash},
		{"wrong version", "x", strings.Replace(encoded, "v=19", "v=16", 1), ErrInvalidHash},
		{"bad params", "x", strings.Replace(encoded, "m=64,t=1,p=1", "m=x,t=1,p=1", 1), ErrInvalidHash},
		{"trailing junk in params", "x", strings.Replace(encoded, "p=1$", "p=1x$", 1), ErrInvalidHash},
		{"zero iterations", "x", strings.Replace(encoded, "t=1", "t=0", 1), ErrInvalidHash},
		{"huge memory", "x", strings.Replace(encoded, "m=64", "m=99999999", 1), ErrInvalidHash},
		{"bad salt", "x", encoded[:strings.LastIndex(encoded, "$")] + "$!!!", ErrInvalidHash},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := h.Verify(tt.password, tt.encoded)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestPasswordVerifyOldParams(t *testing.T) {
	t.Parallel()
	old := newTestHasher(t, cheapParams())
	encoded, err := old.Hash("hunter2hunter2")
	if err != nil {
		t.Fatal(err)
	}
	stronger := cheapParams()
	stronger.Iterations = 2
	h := newTestHasher(t, stronger)
	if err := h.Verify("hunter2hunter2", encoded); err != nil {
		t.Fatalf("a hash made with older parameters must still verify: %v", err)
	}
}

func TestPasswordNeedsRehash(t *testing.T) {
	t.Parallel()
	base := cheapParams()
	h := newTestHasher(t, base)
	encoded, err := h.Hash("pw-pw-pw-pw")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		change func(*Argon2Params)
		want   bool
	}{
		{"same params", func(*Argon2Params) {}, false},
		{"more memory", func(p *Argon2Params) { p.Memory *= 2 }, true},
		{"more iterations", func(p *Argon2Params) { p.Iterations++ }, true},
		{"more lanes", func(p *Argon2Params) { p.Parallelism++ }, true},
		{"longer key", func(p *Argon2Params) { p.KeyLen = 64 }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := base
			tt.change(&p)
			if got := newTestHasher(t, p).NeedsRehash(encoded); got != tt.want {
				t.Fatalf("NeedsRehash = %v, want %v", got, tt.want)
			}
		})
	}
	if !h.NeedsRehash("garbage") {
		t.Fatal("an unreadable hash must need a rehash")
	}
}

func TestPasswordVerifyNoUser(t *testing.T) {
	t.Parallel()
	h := newTestHasher(t, cheapParams())
	if err := h.VerifyNoUser("anything"); !errors.Is(err, ErrPasswordMismatch) {
		t.Fatalf("VerifyNoUser = %v, want ErrPasswordMismatch", err)
	}
}

func TestNewPasswordHasherRejectsWeakParams(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(*Argon2Params)
	}{
		{"no iterations", func(p *Argon2Params) { p.Iterations = 0 }},
		{"no lanes", func(p *Argon2Params) { p.Parallelism = 0 }},
		{"short salt", func(p *Argon2Params) { p.SaltLen = 4 }},
		{"short key", func(p *Argon2Params) { p.KeyLen = 8 }},
		{"tiny memory", func(p *Argon2Params) { p.Memory = 4 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := cheapParams()
			tt.change(&p)
			if _, err := NewPasswordHasher(p); err == nil {
				t.Fatalf("NewPasswordHasher(%+v) succeeded", p)
			}
		})
	}
}

func TestDefaultArgon2ParamsAreOWASP(t *testing.T) {
	t.Parallel()
	p := DefaultArgon2Params()
	if p.Memory < 19*1024 || p.Iterations < 2 || p.SaltLen < 16 || p.KeyLen < 32 {
		t.Fatalf("default parameters %+v are weaker than OWASP's argon2id minimum", p)
	}
}

func TestValidatePassword(t *testing.T) {
	t.Parallel()
	tests := []struct {
		password string
		want     error
	}{
		{"", ErrPasswordTooShort},
		{"1234567", ErrPasswordTooShort},
		{"12345678", nil},
		{"ééééééé", ErrPasswordTooShort}, // 7 runes, 14 bytes
		{strings.Repeat("a", MaxPasswordLen), nil},
		{strings.Repeat("a", MaxPasswordLen+1), ErrPasswordTooLong},
	}
	for _, tt := range tests {
		err := ValidatePassword(tt.password)
		if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
			t.Errorf("ValidatePassword(%d runes) = %v, want %v", len([]rune(tt.password)), err, tt.want)
		}
	}
}
