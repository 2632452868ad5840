package auth

import (
	"encoding/json"
	"net/http"
)

// errorBody is the API's error envelope (DESIGN.md §2):
// {"error":{"code":"…","message":"…"}}. It is repeated here rather than
// imported so this package stays free of the HTTP layer.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// writeJSONError writes the API's error envelope with the given status.
func writeJSONError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	// The body is a fixed shape of two strings; an encoding error can only
	// be a broken connection, which there is nobody left to tell.
	_ = json.NewEncoder(w).Encode(errorBody{Error: errorDetail{Code: code, Message: message}})
}
