// Package apierror is the JSON API's error envelope,
// {"error":{"code":"…","message":"…"}} (DESIGN.md §2): its one definition,
// written by the HTTP layer's error mapping and by the auth middleware
// (401, 403 csrf_rejected, 429) alike, so the two can never drift apart.
package apierror

import (
	"encoding/json"
	"net/http"
)

// Body is every error response.
type Body struct {
	Error Detail `json:"error" required:"true"`
}

// Detail is the error itself.
type Detail struct {
	Code    string `json:"code" required:"true" description:"Machine-readable: bad_request, bad_credentials, unauthorized, forbidden, setup_code_required, csrf_rejected, unknown_host, not_found, not_ready, range_not_satisfiable, method_not_allowed, smugmug_not_configured, conflict, budget_above_ceiling, unknown_model, writeback_unsupported, token_read_only, session_required, account_disabled, last_admin, folder_not_allowed, too_large, rate_limited, too_many_streams, original_unavailable, original_too_large, zip_too_large, smugmug_reconnect, smugmug_unavailable, smugmug_rate_limited, smugmug_writes_off, smugmug_write_failed, not_smugmug, mixed_sources, internal, store_unreachable, migrations_pending."`
	Message string `json:"message" required:"true" description:"A sentence for people; never a stack trace."`
}

// Write answers status with the envelope. The body is two strings; an
// encoding error can only be a broken connection, which there is nobody
// left to tell.
func Write(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(Body{Error: Detail{Code: code, Message: message}})
}
