package auth

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestCSRF(t *testing.T) {
	t.Parallel()
	mw, err := CSRF(CSRFConfig{TrustedOrigins: []string{"https://photos.example.com"}})
	if err != nil {
		t.Fatalf("CSRF: %v", err)
	}
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	tests := []struct {
		name    string
		method  string
		headers map[string]string
		want    int
	}{
		{"same-origin fetch", http.MethodPost, map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "http://tv.test"}, http.StatusNoContent},
		{"cross-site POST", http.MethodPost, map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.test"}, http.StatusForbidden},
		{"same-site other origin PUT", http.MethodPut, map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "http://other.tv.test"}, http.StatusForbidden},
		{"cross-site DELETE", http.MethodDelete, map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"cross-site PATCH", http.MethodPatch, map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"old browser, Origin matches Host", http.MethodPost, map[string]string{"Origin": "http://tv.test"}, http.StatusNoContent},
		{"old browser, foreign Origin", http.MethodPost, map[string]string{"Origin": "https://evil.test"}, http.StatusForbidden},
		{"trusted origin behind a proxy", http.MethodPost, map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://photos.example.com"}, http.StatusNoContent},
		{"user typed the URL", http.MethodPost, map[string]string{"Sec-Fetch-Site": "none"}, http.StatusNoContent},
		{"non-browser client", http.MethodPost, nil, http.StatusNoContent},
		{"bearer token client", http.MethodPost, map[string]string{"Sec-Fetch-Site": "cross-site", "Authorization": "Bearer abc"}, http.StatusNoContent},
		{"cross-site GET is safe", http.MethodGet, map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusNoContent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(tt.method, "http://tv.test/api/v1/sources", nil)
			for k, v := range tt.headers {
				r.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.want {
				t.Fatalf("status %d, want %d", w.Code, tt.want)
			}
			if tt.want == http.StatusForbidden {
				if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
					t.Fatalf("Content-Type %q, want JSON", ct)
				}
				if !strings.Contains(w.Body.String(), `{"error":{"code":"csrf_rejected"`) {
					t.Fatalf("body %q lacks the JSON error", w.Body.String())
				}
			}
		})
	}
}

func TestCSRFRejectsBadTrustedOrigin(t *testing.T) {
	t.Parallel()
	if _, err := CSRF(CSRFConfig{TrustedOrigins: []string{"not a url"}}); err == nil {
		t.Fatal("CSRF accepted an invalid trusted origin")
	}
}
