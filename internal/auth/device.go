package auth

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/targetvision/targetvision/internal/edge"
)

// DeviceCookie names the cookie that marks a browser where an account has
// signed in before. The login limiter gives such a browser its own budget,
// so a stranger spending an account's sign-in budget — five wrong guesses,
// one every twelve seconds — does not lock its owner out of the browsers
// they use (OWASP's "device cookie" defence against lockout).
const DeviceCookie = "tv_device"

// deviceTTL is how long a device cookie is good for.
const deviceTTL = 365 * 24 * time.Hour

// devicePrefix versions the device token format.
const devicePrefix = "d1."

// Devices issues and checks device cookies.
type Devices struct {
	key []byte
	now func() time.Time
}

// NewDevices derives the device cookie key from the deployment's secret.
func NewDevices(secret []byte, now func() time.Time) (*Devices, error) {
	if len(secret) < minSecretLen {
		return nil, fmt.Errorf("auth: device secret must be at least %d bytes, got %d", minSecretLen, len(secret))
	}
	key, err := hkdf.Key(sha256.New, secret, nil, "targetvision device cookie v1", sha256.Size)
	if err != nil {
		return nil, fmt.Errorf("auth: derive device key: %w", err)
	}
	if now == nil {
		now = time.Now
	}
	return &Devices{key: key, now: now}, nil
}

// accountTag binds a device token to an account without naming it.
func (d *Devices) accountTag(account string) []byte {
	m := hmac.New(sha256.New, d.key)
	m.Write([]byte("account\x00" + normalizeAccount(account)))
	return m.Sum(nil)[:16]
}

func (d *Devices) sign(body string) []byte {
	m := hmac.New(sha256.New, d.key)
	m.Write([]byte(body))
	return m.Sum(nil)
}

// Set gives the browser a device cookie for account, after it signed in.
func (d *Devices) Set(w http.ResponseWriter, r *http.Request, account string) error {
	raw := make([]byte, 16+16+8)
	copy(raw, d.accountTag(account))
	if _, err := rand.Read(raw[16:32]); err != nil {
		return fmt.Errorf("auth: device id: %w", err)
	}
	expires := d.now().Add(deviceTTL)
	binary.BigEndian.PutUint64(raw[32:], uint64(expires.Unix()))
	body := devicePrefix + base64.RawURLEncoding.EncodeToString(raw)
	http.SetCookie(w, &http.Cookie{
		Name:     DeviceCookie,
		Value:    body + "." + base64.RawURLEncoding.EncodeToString(d.sign(body)),
		Path:     "/api/v1/auth/",
		MaxAge:   int(deviceTTL / time.Second),
		Expires:  expires,
		HttpOnly: true,
		Secure:   edge.From(r).HTTPS,
		SameSite: http.SameSiteStrictMode,
	})
	return nil
}

// ID returns the id of r's device cookie when it is genuine, unexpired and
// was given to account; "" otherwise.
func (d *Devices) ID(r *http.Request, account string) string {
	ck, err := r.Cookie(DeviceCookie)
	if err != nil {
		return ""
	}
	// The body holds the prefix's dot; the signature follows the last one.
	i := strings.LastIndexByte(ck.Value, '.')
	if i < 0 {
		return ""
	}
	body, sigB64 := ck.Value[:i], ck.Value[i+1:]
	sig, err := base64.RawURLEncoding.DecodeString(sigB64)
	if err != nil || !hmac.Equal(sig, d.sign(body)) {
		return ""
	}
	payload, ok := strings.CutPrefix(body, devicePrefix)
	if !ok {
		return ""
	}
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil || len(raw) != 40 || !hmac.Equal(raw[:16], d.accountTag(account)) {
		return ""
	}
	if !d.now().Before(time.Unix(int64(binary.BigEndian.Uint64(raw[32:])), 0)) {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString(raw[16:32])
}
