package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// APITokenPrefix starts every API token, so a leaked token is recognisable
// (by secret scanners, in logs) and Authenticate can tell it from a session
// token without a database round trip.
const APITokenPrefix = "tvk_"

// ErrAPITokenRejected means a bearer API token is unknown, revoked, or API
// tokens are not enabled.
var ErrAPITokenRejected = errors.New("auth: API token rejected")

// APITokenLookup resolves the digest of an API token to its owner. The store
// implements it; any error refuses the token.
type APITokenLookup interface {
	UserByAPIToken(ctx context.Context, digest string) (userID int64, err error)
}

// GenerateAPIToken returns a new API token, to be shown to the user once,
// and the digest to store in its place. A token is 256 random bits, so a
// fast hash suffices: there is nothing to brute-force, and the digest lets
// the store find the token by an indexed lookup.
func GenerateAPIToken() (token, digest string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("auth: api token: %w", err)
	}
	token = APITokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return token, APITokenDigest(token), nil
}

// APITokenDigest returns the hex SHA-256 of token, the form it is stored in.
func APITokenDigest(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// isAPIToken reports whether a bearer credential is an API token rather
// than a session token.
func isAPIToken(token string) bool {
	return strings.HasPrefix(token, APITokenPrefix)
}

// authenticateAPIToken resolves an API token with lookup.
func authenticateAPIToken(ctx context.Context, token string, lookup APITokenLookup) (Claims, error) {
	if lookup == nil {
		return Claims{}, fmt.Errorf("%w: API tokens are not enabled", ErrAPITokenRejected)
	}
	digest := APITokenDigest(token)
	uid, err := lookup.UserByAPIToken(ctx, digest)
	if err != nil {
		return Claims{}, fmt.Errorf("%w: %w", ErrAPITokenRejected, err)
	}
	return Claims{UserID: uid, SessionID: "api:" + digest[:12], ViaAPIToken: true}, nil
}
