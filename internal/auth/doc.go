// Package auth holds TargetVision's account security primitives: password
// hashing, signed session tokens and their cookie, cross-site request forgery
// (CSRF) protection and rate limiting. It is a pure library: it knows nothing
// about the store, and declares the one small interface it needs
// (SessionLookup) so the HTTP layer can plug the store in.
//
// # Passwords
//
// Passwords are hashed with argon2id (RFC 9106) and stored as PHC strings
// ("$argon2id$v=19$m=19456,t=2,p=1$salt$hash") so the parameters travel with
// the hash and can be raised later: NeedsRehash tells the login handler when a
// stored hash was made with weaker parameters than the current ones, and it
// re-hashes the password it has just verified. Comparison is constant time.
//
// # Sessions
//
// A session is a row on the server (the store's sessions table) and a token
// naming it, HMAC-SHA256 signed with a key derived (HKDF) from the
// deployment's SECRET_KEY, carrying the user id, the random session id and
// the issue and expiry times. Authenticate checks the signature and then that
// the row still exists, so signing out, ending a session from the list, a
// password change or "sign out everywhere" take effect at once — a copied
// token is dead the moment its row is. The token travels in an HttpOnly,
// SameSite=Lax cookie that is Secure whenever the client came over HTTPS
// (package edge decides, believing only trusted proxies).
//
// # First run
//
// SetupCode derives the one-time code that the first sign-up — the one that
// claims the command line's photos and becomes admin — must give; only
// someone who can read the server's secret can know it.
//
// # Devices
//
// Devices issues the device cookie of a browser that signed in to an
// account; LoginLimiter gives such a browser its own budget, so strangers
// exhausting an account's budget cannot lock its owner out.
//
// # API tokens
//
// Scripts and other API clients authenticate with "Authorization: Bearer
// tvk_…". GenerateAPIToken makes a 256-bit token and the SHA-256 digest the
// store keeps instead of it; Authenticate resolves the digest through
// SessionConfig.APITokens into Claims marked ViaAPIToken, with the token's
// id and scope. RequireWrite refuses a read-only token anything but reads,
// and handlers refuse any token account-level actions (more tokens, the
// password, accounts). API tokens outlive sign-out-everywhere, as personal
// access tokens do elsewhere; revoking one, or disabling its account, ends
// it at once.
//
// # CSRF
//
// State-changing requests (POST, PUT, PATCH, DELETE) are checked by Go's
// net/http.CrossOriginProtection, which refuses a request whose Sec-Fetch-Site
// header says it came from another site, or, for browsers too old to send that
// header, whose Origin does not match the Host. We add no anti-CSRF token on
// top, on purpose:
//   - every browser TargetVision supports (all evergreen browsers since 2023)
//     sends Sec-Fetch-Site, so a cross-site form post or fetch is identified
//     by the browser itself and cannot be forged by the attacking page;
//   - the session cookie is SameSite=Lax, so even a browser that sent neither
//     header would not attach the session to a cross-site POST;
//   - the web UI talks to the JSON API with same-origin fetch, so a token
//     would add a round trip and state to every page for no extra protection.
//
// Requests that carry "Authorization: Bearer …" are exempt: browsers never
// attach that header on their own, so such a request cannot be forged by
// another site, and API clients (scripts, the CLI) send no Origin anyway.
// Deployments behind a proxy that rewrites Host list their public origin in
// CSRFConfig.TrustedOrigins.
//
// # Rate limits
//
// KeyedLimiter is a token bucket per key taken from ratelimit.Buckets: in
// this process's memory (a bounded LRU, so an attacker cycling through keys
// costs memory up to the bound and no more), or in the database that every
// process of a deployment shares, so that N processes do not grant N
// budgets. RateLimit turns it into HTTP middleware answering 429
// with Retry-After and the API's JSON error body; LoginLimiter applies one
// budget per client IP and one per account to sign-in attempts, so neither a
// single address guessing many accounts nor many addresses guessing one
// account get far.
package auth
