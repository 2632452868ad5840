package httpapi

import (
	"errors"
	"net/http"

	"github.com/targetvision/targetvision/internal/clipsetup"
)

// isAdmin says whether the request's user is an administrator.
func (s *Server) isAdmin(r *http.Request) (bool, error) {
	u, err := s.d.DB.UserByID(r.Context(), userID(r))
	if err != nil {
		return false, err
	}
	return u.IsAdmin, nil
}

// clipStatus is the CLIP model's state as the request's user may see it:
// administrators also see the server's download and whether they may
// start one.
func (s *Server) clipStatus(r *http.Request) (ModelStatus, error) {
	st := s.d.Models()
	if s.d.ModelDownloads == nil {
		return st, nil
	}
	admin, err := s.isAdmin(r)
	if err != nil || !admin {
		return st, err
	}
	dl := s.d.ModelDownloads.Status()
	st.Download = &dl
	st.CanDownload = !st.Present
	return st, nil
}

// startModelDownload starts the server's CLIP model download
// (administrators; one at a time). The model is put to use when it has
// downloaded and passed its self-check; GET /api/v1/events streams the
// progress.
func (s *Server) startModelDownload(w http.ResponseWriter, r *http.Request) error {
	admin, err := s.isAdmin(r)
	if err != nil {
		return err
	}
	if !admin {
		return errForbidden("only an administrator can download the CLIP model")
	}
	if s.d.ModelDownloads == nil {
		return &apiError{status: http.StatusNotImplemented, code: "download_unavailable",
			msg: "this server cannot download models; run `targetvision models pull` on it"}
	}
	if s.d.Models().Present {
		return &apiError{status: http.StatusConflict, code: "model_installed",
			msg: "the CLIP model is installed and in use; `targetvision models pull` on the server checks it again"}
	}
	st, err := s.d.ModelDownloads.Start()
	if errors.Is(err, clipsetup.ErrRunning) {
		return &apiError{status: http.StatusConflict, code: "download_running",
			msg: "the CLIP model is already downloading; its progress is on the Settings page"}
	}
	if err != nil {
		return err
	}
	s.log.InfoContext(r.Context(), "model download started", "by_user_id", userID(r), "model", st.Model)
	writeJSON(w, http.StatusAccepted, st)
	return nil
}
