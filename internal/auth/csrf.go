package auth

import (
	"fmt"
	"net/http"

	"github.com/targetvision/targetvision/internal/apierror"
)

// CSRFConfig tunes CSRF. The zero value is valid and trusts no extra origin.
type CSRFConfig struct {
	// TrustedOrigins are origins ("https://photos.example.com") allowed to
	// make state-changing requests besides the request's own Host: needed
	// when a reverse proxy rewrites Host. Default none.
	TrustedOrigins []string
}

// CSRF returns middleware that refuses cross-origin state-changing browser
// requests (see the package doc for why this suffices) with 403 and the
// API's JSON error {"error":{"code":"csrf_rejected",…}}. Requests with an
// "Authorization: Bearer" header pass untouched.
func CSRF(cfg CSRFConfig) (func(http.Handler) http.Handler, error) {
	cop := http.NewCrossOriginProtection()
	for _, o := range cfg.TrustedOrigins {
		if err := cop.AddTrustedOrigin(o); err != nil {
			return nil, fmt.Errorf("auth: csrf trusted origin %q: %w", o, err)
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		apierror.Write(w, http.StatusForbidden, "csrf_rejected", "cross-origin request refused")
	}))
	return func(next http.Handler) http.Handler {
		protected := cop.Handler(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if BearerToken(r) != "" {
				next.ServeHTTP(w, r)
				return
			}
			protected.ServeHTTP(w, r)
		})
	}, nil
}
