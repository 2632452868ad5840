package httpapi

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/targetvision/targetvision/internal/auth"
	"github.com/targetvision/targetvision/internal/edge"
	"github.com/targetvision/targetvision/internal/store"
)

// credentials is the body of sign-in.
type credentials struct {
	Email    string `json:"email" required:"true" maxLength:"254" format:"email"`
	Password string `json:"password" required:"true" minLength:"8" maxLength:"256" description:"8 to 256 characters (sign-up); any for sign-in."`
}

// signupRequest is the body of sign-up.
type signupRequest struct {
	credentials
	SetupCode string `json:"setup_code,omitempty" maxLength:"40" description:"The server's setup code (XXXX-XXXX-XXXX): required to create the first account, which becomes the administrator. 'targetvision serve' prints it on its terminal while the server has no account, and 'targetvision setup-code' prints it on the server any time."`
}

// userJSON is the signed-in account.
type userJSON struct {
	ID      int64  `json:"id"`
	Email   string `json:"email"`
	IsAdmin bool   `json:"is_admin" description:"Admins may add server folders as sources."`
}

// authStatus is GET /api/v1/auth/status's answer: what the sign-in and
// sign-up pages should offer.
type authStatus struct {
	Claimed    bool `json:"claimed" description:"An account exists. Until then the first sign-up, with the setup code, creates the administrator."`
	SignupOpen bool `json:"signup_open" description:"Anyone may create an account (always true before the first)."`
}

func (s *Server) authStatus(w http.ResponseWriter, r *http.Request) error {
	n, err := s.d.DB.CountUsers(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, authStatus{Claimed: n > 0, SignupOpen: n == 0 || s.d.AllowSignup})
	return nil
}

// signup creates an account. The first one must give the server's setup
// code; it claims the default local user (and its photos) and becomes
// admin — of any number of racing first sign-ups exactly one does. Later
// ones need AllowSignup. An e-mail that is taken is answered as a sign-in
// with that password would be, so sign-up says no more about which
// addresses have accounts than sign-in does.
func (s *Server) signup(w http.ResponseWriter, r *http.Request) error {
	var c signupRequest
	if err := decode(r, &c); err != nil {
		return err
	}
	email, err := auth.AccountEmail(c.Email)
	if err != nil {
		return errBadRequest("%s", err.Error())
	}
	if err := auth.ValidatePassword(c.Password); err != nil {
		return errBadRequest("%s", err.Error())
	}
	ctx := r.Context()
	ip := edge.ClientKey(r)
	n, err := s.d.DB.CountUsers(ctx)
	if err != nil {
		return err
	}
	if n == 0 {
		// The address budget bounds guesses at the setup code.
		if err := s.login.Check(ctx, ip, "", ""); err != nil {
			return err
		}
		if !auth.SetupCodeMatches(s.d.SetupCode, c.SetupCode) {
			return &apiError{status: http.StatusForbidden, code: "setup_code_required",
				msg: "creating the first account needs this server's setup code: `targetvision serve` prints it when it starts, and `targetvision setup-code` prints it on the server"}
		}
		hash, err := s.d.Hasher.Hash(c.Password)
		if err != nil {
			return err
		}
		if _, err := s.d.DB.EnsureDefaultUser(ctx); err != nil {
			return err
		}
		u, err := s.d.DB.ClaimDefaultUser(ctx, email, hash)
		if err == nil {
			return s.startSession(w, r, u, http.StatusCreated)
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		// Another sign-up claimed the server meanwhile: this one is a
		// later sign-up now.
	}
	if !s.d.AllowSignup {
		return errForbidden("sign-up is closed on this server; ask the administrator for an account")
	}
	device := s.d.Devices.ID(r, email)
	if err := s.login.Check(ctx, ip, email, device); err != nil {
		return err
	}
	hash, err := s.d.Hasher.Hash(c.Password)
	if err != nil {
		return err
	}
	u, err := s.d.DB.CreateUser(ctx, email, hash, false)
	if errors.Is(err, store.ErrConflict) {
		return s.signIn(w, r, email, c.Password, device)
	}
	if err != nil {
		return err
	}
	return s.startSession(w, r, u, http.StatusCreated)
}

func (s *Server) loginHandler(w http.ResponseWriter, r *http.Request) error {
	var c credentials
	if err := decode(r, &c); err != nil {
		return err
	}
	email := strings.ToLower(strings.TrimSpace(c.Email))
	device := s.d.Devices.ID(r, email)
	if err := s.login.Check(r.Context(), edge.ClientKey(r), email, device); err != nil {
		return err // a *auth.RateLimitedError: 429 with Retry-After
	}
	return s.signIn(w, r, email, c.Password, device)
}

// errBadCredentials is the one answer for an unknown e-mail and a wrong
// password alike.
func errBadCredentials() error {
	return &apiError{status: http.StatusUnauthorized, code: "bad_credentials", msg: "wrong e-mail or password"}
}

// signIn checks a password (the caller has counted the attempt) and starts
// a session.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request, email, password, device string) error {
	u, err := s.d.DB.UserByEmail(r.Context(), email)
	if errors.Is(err, store.ErrNotFound) || (err == nil && u.PasswordHash == "") {
		s.d.Hasher.VerifyNoUser(password) // same time as a real check
		return errBadCredentials()
	}
	if err != nil {
		return err
	}
	if err := s.d.Hasher.Verify(password, u.PasswordHash); err != nil {
		return errBadCredentials()
	}
	// Said only to whoever knows the password: it tells no stranger the
	// account exists.
	if u.Disabled() {
		return &apiError{status: http.StatusForbidden, code: "account_disabled", msg: "this account is disabled; ask the administrator"}
	}
	if err := s.login.Succeeded(r.Context(), email, device); err != nil {
		s.log.WarnContext(r.Context(), "restore sign-in budget", "err", err)
	}
	// A hash made with weaker parameters than today's is upgraded now,
	// while the password is at hand; failing that only logs.
	if s.d.Hasher.NeedsRehash(u.PasswordHash) {
		if hash, err := s.d.Hasher.Hash(password); err != nil || s.d.DB.SetPassword(r.Context(), u.ID, hash) != nil {
			s.log.WarnContext(r.Context(), "upgrade password hash", "user_id", u.ID, "err", err)
		}
	}
	return s.startSession(w, r, u, http.StatusOK)
}

// maxUserAgent bounds the User-Agent kept with a session.
const maxUserAgent = 200

// startSession records a new session, sets its cookie and the device
// cookie, and answers the account.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, u store.User, status int) error {
	tok, c, err := s.d.Sessions.Issue(u.ID)
	if err != nil {
		return err
	}
	ua := r.UserAgent()
	if len(ua) > maxUserAgent {
		ua = ua[:maxUserAgent]
	}
	err = s.d.DB.CreateSession(r.Context(), store.Session{ID: c.SessionID, UserID: u.ID, ExpiresAt: c.Expires(),
		UserAgent: strings.ToValidUTF8(ua, ""), IP: edge.ClientKey(r)})
	if err != nil {
		return err
	}
	if err := s.d.Devices.Set(w, r, u.Email); err != nil {
		return err
	}
	s.d.Sessions.SetSessionCookie(w, r, tok)
	writeJSON(w, status, userJSON{ID: u.ID, Email: u.Email, IsAdmin: u.IsAdmin})
	return nil
}

// logout ends the request's session on the server, not just in the
// browser: a copied cookie or bearer token stops working at once.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if c, ok := auth.ClaimsFrom(r.Context()); ok && !c.ViaAPIToken {
		if err := s.d.DB.DeleteSession(r.Context(), c.UserID, c.SessionID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	s.d.Sessions.ClearSessionCookie(w, r)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) error {
	u, err := s.d.DB.UserByID(r.Context(), userID(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, userJSON{ID: u.ID, Email: u.Email, IsAdmin: u.IsAdmin})
	return nil
}

// --- sessions ---

// sessionJSON is one of the user's signed-in sessions.
type sessionJSON struct {
	ID         string    `json:"id" description:"Names the session for DELETE /api/v1/sessions/{id}."`
	CreatedAt  time.Time `json:"created_at" description:"When it signed in."`
	LastSeenAt time.Time `json:"last_seen_at" description:"Its latest request, to within a few minutes."`
	UserAgent  string    `json:"user_agent" description:"The browser or client that signed in."`
	IP         string    `json:"ip" description:"The address it signed in from."`
	Current    bool      `json:"current" description:"This request's own session."`
}

// sessionList is GET /api/v1/sessions's answer.
type sessionList struct {
	Sessions []sessionJSON `json:"sessions" nullable:"false"`
}

func (s *Server) listSessions(w http.ResponseWriter, r *http.Request) error {
	c, _ := auth.ClaimsFrom(r.Context())
	xs, err := s.d.DB.Sessions(r.Context(), c.UserID)
	if err != nil {
		return err
	}
	out := make([]sessionJSON, len(xs))
	for i, x := range xs {
		out[i] = sessionJSON{ID: x.ID, CreatedAt: x.CreatedAt, LastSeenAt: x.LastSeenAt, UserAgent: x.UserAgent, IP: x.IP,
			Current: x.ID == c.SessionID && !c.ViaAPIToken}
	}
	writeJSON(w, http.StatusOK, sessionList{Sessions: out})
	return nil
}

// sessionIDParams name one session.
type sessionIDParams struct {
	ID string `path:"id" maxLength:"64" description:"Session id from GET /api/v1/sessions."`
}

func (s *Server) deleteSession(w http.ResponseWriter, r *http.Request) error {
	if err := signedInOnly(r, "end sessions"); err != nil {
		return err
	}
	var p sessionIDParams
	if err := bindParams(r, &p); err != nil {
		return err
	}
	c, _ := auth.ClaimsFrom(r.Context())
	if err := s.d.DB.DeleteSession(r.Context(), c.UserID, p.ID); err != nil {
		return err
	}
	if p.ID == c.SessionID {
		s.d.Sessions.ClearSessionCookie(w, r)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// deleteSessions signs the user out everywhere, this session included.
func (s *Server) deleteSessions(w http.ResponseWriter, r *http.Request) error {
	if err := signedInOnly(r, "sign out everywhere"); err != nil {
		return err
	}
	if _, err := s.d.DB.DeleteSessions(r.Context(), userID(r), ""); err != nil {
		return err
	}
	s.d.Sessions.ClearSessionCookie(w, r)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// passwordChange is the body of POST /api/v1/auth/password.
type passwordChange struct {
	CurrentPassword string `json:"current_password" required:"true" maxLength:"256"`
	NewPassword     string `json:"new_password" required:"true" minLength:"8" maxLength:"256"`
}

// changePassword replaces the password after checking the current one,
// and ends every other session of the user: whoever knew the old password
// is signed out.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) error {
	var in passwordChange
	if err := decode(r, &in); err != nil {
		return err
	}
	c, _ := auth.ClaimsFrom(r.Context())
	if c.ViaAPIToken {
		return errForbidden("sign in with your password to change it; API tokens cannot")
	}
	u, err := s.d.DB.UserByID(r.Context(), c.UserID)
	if err != nil {
		return err
	}
	device := s.d.Devices.ID(r, u.Email)
	if err := s.login.Check(r.Context(), edge.ClientKey(r), u.Email, device); err != nil {
		return err
	}
	if s.d.Hasher.Verify(in.CurrentPassword, u.PasswordHash) != nil {
		return &apiError{status: http.StatusBadRequest, code: "bad_credentials", msg: "the current password is wrong"}
	}
	if err := auth.ValidatePassword(in.NewPassword); err != nil {
		return errBadRequest("%s", err.Error())
	}
	hash, err := s.d.Hasher.Hash(in.NewPassword)
	if err != nil {
		return err
	}
	if err := s.d.DB.SetPassword(r.Context(), u.ID, hash); err != nil {
		return err
	}
	if err := s.login.Succeeded(r.Context(), u.Email, device); err != nil {
		s.log.WarnContext(r.Context(), "restore sign-in budget", "err", err)
	}
	if _, err := s.d.DB.DeleteSessions(r.Context(), u.ID, c.SessionID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
