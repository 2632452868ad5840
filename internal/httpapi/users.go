package httpapi

import (
	"errors"
	"net/http"
	"time"

	"github.com/targetvision/targetvision/internal/auth"
	"github.com/targetvision/targetvision/internal/store"
)

// adminJSON is an account as the administrators' page shows it.
type adminUserJSON struct {
	ID         int64      `json:"id"`
	Email      string     `json:"email"`
	IsAdmin    bool       `json:"is_admin"`
	Disabled   bool       `json:"disabled" description:"Cannot sign in; its sessions and API tokens do not work."`
	DisabledAt *time.Time `json:"disabled_at" nullable:"true"`
	CreatedAt  time.Time  `json:"created_at"`
	You        bool       `json:"you" description:"The signed-in administrator's own account."`
}

// adminUserList is GET /api/v1/users's answer.
type adminUserList struct {
	Users []adminUserJSON `json:"users" nullable:"false" description:"Accounts with a password, oldest first."`
}

// newUserRequest is the body of POST /api/v1/users.
type newUserRequest struct {
	credentials
	IsAdmin bool `json:"is_admin" description:"The account may add server folders and manage accounts."`
}

// userPatch is the body of PATCH /api/v1/users/{id}.
type userPatch struct {
	Disabled *bool `json:"disabled" required:"true" description:"true disables the account (it is signed out everywhere and its API tokens stop at once); false enables it again."`
}

// userIDParams name one account.
type userIDParams struct {
	ID int64 `path:"id" minimum:"1" description:"Account id from GET /api/v1/users."`
}

// requireAdmin is nil for an administrator signed in with a session.
func (s *Server) requireAdmin(r *http.Request) (store.User, error) {
	if err := signedInOnly(r, "manage accounts"); err != nil {
		return store.User{}, err
	}
	u, err := s.d.DB.UserByID(r.Context(), userID(r))
	if err != nil {
		return store.User{}, err
	}
	if !u.IsAdmin {
		return store.User{}, errForbidden("only an administrator can manage accounts")
	}
	return u, nil
}

func toAdminUserJSON(u store.User, me int64) adminUserJSON {
	return adminUserJSON{ID: u.ID, Email: u.Email, IsAdmin: u.IsAdmin, Disabled: u.Disabled(), DisabledAt: timePtr(u.DisabledAt),
		CreatedAt: u.CreatedAt, You: u.ID == me}
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) error {
	me, err := s.requireAdmin(r)
	if err != nil {
		return err
	}
	us, err := s.d.DB.Users(r.Context())
	if err != nil {
		return err
	}
	out := adminUserList{Users: []adminUserJSON{}}
	for _, u := range us {
		if u.PasswordHash != "" { // the command line's unclaimed user is no account
			out.Users = append(out.Users, toAdminUserJSON(u, me.ID))
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) error {
	me, err := s.requireAdmin(r)
	if err != nil {
		return err
	}
	var in newUserRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	email, err := auth.AccountEmail(in.Email)
	if err != nil {
		return errBadRequest("%s", err.Error())
	}
	if err := auth.ValidatePassword(in.Password); err != nil {
		return errBadRequest("%s", err.Error())
	}
	hash, err := s.d.Hasher.Hash(in.Password)
	if err != nil {
		return err
	}
	u, err := s.d.DB.CreateUser(r.Context(), email, hash, in.IsAdmin)
	if errors.Is(err, store.ErrConflict) {
		return &apiError{status: http.StatusConflict, code: "conflict", msg: email + " already has an account"}
	}
	if err != nil {
		return err
	}
	s.log.InfoContext(r.Context(), "account added", "by_user_id", me.ID, "user_id", u.ID, "admin", u.IsAdmin)
	writeJSON(w, http.StatusCreated, toAdminUserJSON(u, me.ID))
	return nil
}

// accountTarget is the account an administrator acts on: not their own
// (they would lock themselves out), and not the command line's user.
func (s *Server) accountTarget(r *http.Request, me store.User) (store.User, error) {
	var p userIDParams
	if err := bindParams(r, &p); err != nil {
		return store.User{}, err
	}
	u, err := s.d.DB.UserByID(r.Context(), p.ID)
	if err != nil {
		return store.User{}, err
	}
	if u.PasswordHash == "" {
		return store.User{}, errNotFound()
	}
	if u.ID == me.ID {
		return store.User{}, errBadRequest("you cannot disable or remove your own account here; another administrator can")
	}
	return u, nil
}

func lastAdmin(err error) error {
	if errors.Is(err, store.ErrLastAdmin) {
		return &apiError{status: http.StatusConflict, code: "last_admin", msg: "that is the last administrator who can sign in"}
	}
	return err
}

func (s *Server) patchUser(w http.ResponseWriter, r *http.Request) error {
	me, err := s.requireAdmin(r)
	if err != nil {
		return err
	}
	var in userPatch
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.Disabled == nil {
		return errBadRequest("disabled is required")
	}
	u, err := s.accountTarget(r, me)
	if err != nil {
		return err
	}
	if err := s.d.DB.SetUserDisabled(r.Context(), u.ID, *in.Disabled); err != nil {
		return lastAdmin(err)
	}
	s.log.InfoContext(r.Context(), "account changed", "by_user_id", me.ID, "user_id", u.ID, "disabled", *in.Disabled)
	if u, err = s.d.DB.UserByID(r.Context(), u.ID); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toAdminUserJSON(u, me.ID))
	return nil
}

func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request) error {
	me, err := s.requireAdmin(r)
	if err != nil {
		return err
	}
	u, err := s.accountTarget(r, me)
	if err != nil {
		return err
	}
	n, err := s.d.Pipeline.RemoveUser(r.Context(), u.ID)
	if err != nil {
		return lastAdmin(err)
	}
	s.log.InfoContext(r.Context(), "account removed", "by_user_id", me.ID, "user_id", u.ID, "photos", n)
	w.WriteHeader(http.StatusNoContent)
	return nil
}
