package auth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// tokenTable is an APITokenLookup over a map of digests.
type tokenTable map[string]int64

func (m tokenTable) UserByAPIToken(_ context.Context, digest string) (int64, error) {
	uid, ok := m[digest]
	if !ok {
		return 0, errors.New("no such token")
	}
	return uid, nil
}

func TestGenerateAPIToken(t *testing.T) {
	t.Parallel()
	token, digest, err := GenerateAPIToken()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(token, APITokenPrefix) || len(token) < len(APITokenPrefix)+40 {
		t.Fatalf("token %q lacks the prefix or entropy", token)
	}
	if digest != APITokenDigest(token) || len(digest) != 64 || strings.Contains(digest, token) {
		t.Fatalf("digest %q is not the hex SHA-256 of the token", digest)
	}
	other, _, err := GenerateAPIToken()
	if err != nil {
		t.Fatal(err)
	}
	if other == token {
		t.Fatal("two tokens are equal")
	}
}

func TestAuthenticateAPIToken(t *testing.T) {
	t.Parallel()
	token, digest, err := GenerateAPIToken()
	if err != nil {
		t.Fatal(err)
	}
	revoked, _, err := GenerateAPIToken()
	if err != nil {
		t.Fatal(err)
	}
	enabled, _ := newTestSessions(t, SessionConfig{APITokens: tokenTable{digest: 77}})
	disabled, _ := newTestSessions(t, SessionConfig{})
	tests := []struct {
		name    string
		s       *Sessions
		token   string
		wantUID int64
		wantErr error
	}{
		{"known token", enabled, token, 77, nil},
		{"revoked token", enabled, revoked, 0, ErrAPITokenRejected},
		{"tokens not enabled", disabled, token, 0, ErrAPITokenRejected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodGet, "/api/v1/search?q=x", nil)
			r.Header.Set("Authorization", "Bearer "+tt.token)
			// The session lookup fails: an API token must not need it.
			c, err := tt.s.Authenticate(t.Context(), r, sessionTable(nil))
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Authenticate = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.UserID != tt.wantUID || !c.ViaAPIToken {
				t.Fatalf("claims %+v, want user %d via API token", c, tt.wantUID)
			}
		})
	}
}
