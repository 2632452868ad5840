package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/targetvision/targetvision/internal/apierror"
)

// APITokenPrefix starts every API token, so a leaked token is recognisable
// (by secret scanners, in logs) and Authenticate can tell it from a session
// token without a database round trip.
const APITokenPrefix = "tvk_"

// ErrAPITokenRejected means a bearer API token is unknown, revoked, or API
// tokens are not enabled.
var ErrAPITokenRejected = errors.New("auth: API token rejected")

// APIToken is what an API token grants, as APITokenLookup finds it.
type APIToken struct {
	// ID names the token (for its owner's list, and logs).
	ID int64
	// UserID is the token's owner: the request acts as them.
	UserID int64
	// ReadOnly tokens may only read: RequireWrite refuses them.
	ReadOnly bool
}

// APITokenLookup resolves the digest of an API token to what it grants.
// The HTTP layer implements it on the store, noting the token's use; any
// error refuses the token (an unknown or revoked token, or one whose
// account is disabled).
type APITokenLookup interface {
	LookupAPIToken(ctx context.Context, digest string) (APIToken, error)
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
	t, err := lookup.LookupAPIToken(ctx, digest)
	if err != nil {
		return Claims{}, fmt.Errorf("%w: %w", ErrAPITokenRejected, err)
	}
	return Claims{UserID: t.UserID, SessionID: "api:" + digest[:12], ViaAPIToken: true, APITokenID: t.ID, ReadOnly: t.ReadOnly}, nil
}

// RequireWrite answers 403 token_read_only to a request that would change
// something (any method but GET, HEAD and OPTIONS) made with a read-only
// API token; everything else passes.
func RequireWrite(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, ok := ClaimsFrom(r.Context()); ok && c.ReadOnly {
			switch r.Method {
			case http.MethodGet, http.MethodHead, http.MethodOptions:
			default:
				apierror.Write(w, http.StatusForbidden, "token_read_only", "this API token may only read; create a read-write token to make changes")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
