package httpapi

import "net/http"

type healthStatus struct {
	Status string `json:"status" enum:"ok"`
}

// readyStatus is /readyz's answer.
type readyStatus struct {
	Status string `json:"status" enum:"ready"`
	Store  string `json:"store" enum:"sqlite,postgres" description:"The store in use."`
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, healthStatus{Status: "ok"})
}

// readyz is ready when the store answers and its schema is current.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	if err := s.d.DB.Ping(r.Context()); err != nil {
		return &apiError{status: http.StatusServiceUnavailable, code: "store_unreachable", msg: "the database does not answer"}
	}
	pending, err := s.d.DB.Pending(r.Context())
	if err != nil || pending {
		return &apiError{status: http.StatusServiceUnavailable, code: "migrations_pending", msg: "database migrations are not applied"}
	}
	writeJSON(w, http.StatusOK, readyStatus{Status: "ready", Store: string(s.d.DB.Dialect())})
	return nil
}
