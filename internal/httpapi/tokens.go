package httpapi

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/targetvision/targetvision/internal/auth"
	"github.com/targetvision/targetvision/internal/plaintext"
	"github.com/targetvision/targetvision/internal/store"
)

// APITokens resolves API tokens on the store for auth.SessionConfig: a
// token works while it exists and its account is enabled, and each use
// is noted (to the minute) for its owner's list.
func APITokens(db *store.DB) auth.APITokenLookup { return tokenLookup{db} }

type tokenLookup struct{ db *store.DB }

func (l tokenLookup) LookupAPIToken(ctx context.Context, digest string) (auth.APIToken, error) {
	t, err := l.db.APITokenByDigest(ctx, digest)
	if err != nil {
		return auth.APIToken{}, err
	}
	return auth.APIToken{ID: t.ID, UserID: t.UserID, ReadOnly: t.ReadOnly}, nil
}

// Token scopes as the API names them.
const (
	scopeRead      = "read"
	scopeReadWrite = "read_write"
)

// tokenJSON is one of the user's API tokens (never the token itself).
type tokenJSON struct {
	ID         int64      `json:"id" description:"Names the token for DELETE /api/v1/tokens/{id}."`
	Name       string     `json:"name" description:"What the token is for."`
	Scope      string     `json:"scope" enum:"read,read_write" description:"read: GET requests only; read_write: everything but account-level actions (tokens, password, accounts)."`
	Hint       string     `json:"hint" description:"The token's first characters, to tell tokens apart."`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at" nullable:"true" description:"Its latest use, to within a minute; null if never used."`
}

func toTokenJSON(t store.APIToken) tokenJSON {
	scope := scopeReadWrite
	if t.ReadOnly {
		scope = scopeRead
	}
	return tokenJSON{ID: t.ID, Name: plaintext.Line(t.Name), Scope: scope, Hint: t.Hint, CreatedAt: t.CreatedAt, LastUsedAt: timePtr(t.LastUsedAt)}
}

// tokenList is GET /api/v1/tokens's answer.
type tokenList struct {
	Tokens []tokenJSON `json:"tokens" nullable:"false" description:"Newest first."`
}

// tokenRequest is the body of POST /api/v1/tokens.
type tokenRequest struct {
	Name  string `json:"name" required:"true" minLength:"1" maxLength:"100" description:"What the token is for, e.g. \"backup script\"."`
	Scope string `json:"scope" required:"true" enum:"read,read_write"`
}

// newToken is POST /api/v1/tokens's answer: the only time the token is shown.
type newToken struct {
	tokenJSON
	Token string `json:"token" description:"The token (tvk_…): send it as \"Authorization: Bearer tvk_…\". It is shown this once; only its digest is kept."`
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.d.DB.APITokens(r.Context(), userID(r))
	if err != nil {
		return err
	}
	out := tokenList{Tokens: make([]tokenJSON, 0, len(ts))}
	for _, t := range ts {
		out.Tokens = append(out.Tokens, toTokenJSON(t))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// signedInOnly refuses account-level actions to API tokens: a token must
// not mint more tokens, revoke them, or manage accounts.
func signedInOnly(r *http.Request, what string) error {
	if c, _ := auth.ClaimsFrom(r.Context()); c.ViaAPIToken {
		return &apiError{status: http.StatusForbidden, code: "session_required", msg: "sign in with your password to " + what + "; API tokens cannot"}
	}
	return nil
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) error {
	if err := signedInOnly(r, "create API tokens"); err != nil {
		return err
	}
	var in tokenRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	name := plaintext.Line(strings.TrimSpace(in.Name))
	if name == "" || len(name) > 100 {
		return errBadRequest("name must be 1 to 100 characters")
	}
	if in.Scope != scopeRead && in.Scope != scopeReadWrite {
		return errBadRequest("scope must be %q or %q", scopeRead, scopeReadWrite)
	}
	t, err := CreateAPIToken(r.Context(), s.d.DB, userID(r), name, in.Scope == scopeRead)
	if err != nil {
		return err
	}
	s.log.InfoContext(r.Context(), "API token created", "user_id", t.UserID, "token_id", t.ID, "read_only", t.ReadOnly)
	writeJSON(w, http.StatusCreated, newToken{tokenJSON: toTokenJSON(t.APIToken), Token: t.Token})
	return nil
}

// CreatedToken is a new API token with the token itself, to be shown once.
type CreatedToken struct {
	store.APIToken
	Token string
}

// CreateAPIToken makes a token for the user and stores its digest: the
// one way tokens are made, for the API and the command line alike.
func CreateAPIToken(ctx context.Context, db *store.DB, userID int64, name string, readOnly bool) (CreatedToken, error) {
	token, digest, err := auth.GenerateAPIToken()
	if err != nil {
		return CreatedToken{}, err
	}
	t, err := db.CreateAPIToken(ctx, store.APIToken{UserID: userID, Name: name, Digest: digest,
		Hint: token[:len(auth.APITokenPrefix)+4], ReadOnly: readOnly})
	if err != nil {
		return CreatedToken{}, err
	}
	return CreatedToken{APIToken: t, Token: token}, nil
}

// tokenIDParams name one token.
type tokenIDParams struct {
	ID int64 `path:"id" minimum:"1" description:"Token id from GET /api/v1/tokens."`
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) error {
	if err := signedInOnly(r, "revoke API tokens"); err != nil {
		return err
	}
	var p tokenIDParams
	if err := bindParams(r, &p); err != nil {
		return err
	}
	if err := s.d.DB.DeleteAPIToken(r.Context(), userID(r), p.ID); err != nil {
		return err
	}
	s.log.InfoContext(r.Context(), "API token revoked", "user_id", userID(r), "token_id", p.ID)
	w.WriteHeader(http.StatusNoContent)
	return nil
}
