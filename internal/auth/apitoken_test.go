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
type tokenTable map[string]APIToken

func (m tokenTable) LookupAPIToken(_ context.Context, digest string) (APIToken, error) {
	t, ok := m[digest]
	if !ok {
		return APIToken{}, errors.New("no such token")
	}
	return t, nil
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
	enabled, _ := newTestSessions(t, SessionConfig{APITokens: tokenTable{digest: {ID: 5, UserID: 77, ReadOnly: true}}})
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
			if c.UserID != tt.wantUID || !c.ViaAPIToken || c.APITokenID != 5 || !c.ReadOnly {
				t.Fatalf("claims %+v, want user %d via API token", c, tt.wantUID)
			}
		})
	}
}

// TestRequireWrite: a read-only token reads and is refused every method
// that changes something; read-write tokens and sessions pass.
func TestRequireWrite(t *testing.T) {
	t.Parallel()
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	for _, c := range []struct {
		claims Claims
		method string
		want   int
	}{
		{Claims{UserID: 1, ViaAPIToken: true, ReadOnly: true}, http.MethodGet, 204},
		{Claims{UserID: 1, ViaAPIToken: true, ReadOnly: true}, http.MethodHead, 204},
		{Claims{UserID: 1, ViaAPIToken: true, ReadOnly: true}, http.MethodPost, 403},
		{Claims{UserID: 1, ViaAPIToken: true, ReadOnly: true}, http.MethodPut, 403},
		{Claims{UserID: 1, ViaAPIToken: true, ReadOnly: true}, http.MethodPatch, 403},
		{Claims{UserID: 1, ViaAPIToken: true, ReadOnly: true}, http.MethodDelete, 403},
		{Claims{UserID: 1, ViaAPIToken: true}, http.MethodDelete, 204},
		{Claims{UserID: 1}, http.MethodPost, 204},
	} {
		r := httptest.NewRequest(c.method, "/api/v1/x", nil)
		r = r.WithContext(WithClaims(r.Context(), c.claims))
		rec := httptest.NewRecorder()
		RequireWrite(ok).ServeHTTP(rec, r)
		if rec.Code != c.want || (c.want == 403 && !strings.Contains(rec.Body.String(), "token_read_only")) {
			t.Errorf("%s with %+v: %d %s, want %d", c.method, c.claims, rec.Code, rec.Body, c.want)
		}
	}
}
