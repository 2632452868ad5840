// Package config reads TargetVision's settings: flags > environment > .env
// file > defaults, from one declarative table of variables (Vars), so the
// README's configuration table, `--help` and the loader cannot drift apart.
package config

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/joho/godotenv"

	"github.com/targetvision/targetvision/internal/edge"
)

// Config is the whole configuration. Field docs state the defaults.
type Config struct {
	// DataDir holds the SQLite file, thumbnails, renditions, models and the
	// generated secret key. Default "./data".
	DataDir string
	// Addr is where `serve` listens. Default "127.0.0.1:8080".
	Addr string
	// DatabaseURL selects PostgreSQL; empty means the embedded SQLite file
	// DataDir/targetvision.db.
	DatabaseURL string
	// SecretKey signs sessions and encrypts stored OAuth tokens. Empty means
	// DataDir/secret.key, generated (mode 0600) on first run.
	SecretKey string

	SmugMugAPIKey    string
	SmugMugAPISecret string
	// SmugMugAPIBase default "https://api.smugmug.com"; SmugMugOAuthBase
	// default "https://api.smugmug.com/services/oauth/1.0a". Tests point both
	// at a local fake.
	SmugMugAPIBase   string
	SmugMugOAuthBase string
	// SmugMugRPM is the per-account request budget. Default 100/minute.
	SmugMugRPM int

	AnthropicAPIKey  string
	AnthropicBaseURL string // default the SDK's (https://api.anthropic.com)
	// ClaudeModel default "claude-haiku-4-5-20251001" (see docs/cost.md).
	ClaudeModel string
	// MonthlyBudgetUSD caps Claude spend per user per calendar month. Default 10.
	MonthlyBudgetUSD float64

	// HFEndpoint is the model hub root. Default "https://huggingface.co".
	HFEndpoint string
	// HFToken is the hub's access token, for gated or private models.
	HFToken string
	// CLIPModel is the hub repository of the CLIP checkpoint. Default
	// "laion/CLIP-ViT-B-32-laion2B-s34B-b79K".
	CLIPModel string
	// CLIPCheckImage is where the model self-check fetches the OpenAI CLIP
	// README's image (verified by the hash the binary carries), or "off".
	// Default the openai/CLIP repository's raw CLIP.png.
	CLIPCheckImage string
	// SearchLanguage is the language of full-text search: "english"
	// (default; stems and stop words) or "simple" (neither). Changing it
	// rebuilds the full-text index at the next start.
	SearchLanguage string

	// MaxPixels refuses images whose header claims more pixels (decompression
	// bombs). Default 100,000,000.
	MaxPixels int64
	// Workers is the number of concurrent pipeline workers. Default 2.
	Workers int
	// SyncInterval is how often `serve` re-syncs every source; 0 disables.
	// Default 1h.
	SyncInterval time.Duration
	// JobRetention is how long finished jobs stay in the jobs table before
	// `serve` prunes them into per-day counts (job_history), keeping the
	// table bounded at any library size; failed jobs stay until retried or
	// dismissed. 0 keeps them forever. Default 168h (a week).
	JobRetention time.Duration
	// JobLease is how long a running job's claim holds before another
	// process may take the job over, after its holder died without handing
	// it back (a kill, a lost host); the holder renews it every third of
	// the lease while it works. At least 5s. Default 2m.
	JobLease time.Duration
	// AllowSignup lets anyone create an account after the first (admin) one.
	// Default false: later accounts come from `users add`.
	AllowSignup bool
	// CORSOrigins may call the API from another origin (comma-separated);
	// default none (CORS off).
	CORSOrigins string
	// PublicURL is the address (or comma-separated addresses) people use to
	// reach `serve`, e.g. https://photos.example.com. The server answers
	// only these host names, IP addresses and localhost (no DNS
	// rebinding). Default none: IP addresses and localhost only.
	PublicURL string
	// TrustedProxies are the reverse proxies (addresses and CIDR prefixes,
	// comma-separated) whose X-Forwarded-For/-Proto/-Host are believed.
	// Default none.
	TrustedProxies string
	// TLSCert and TLSKey are PEM files; set both for `serve` to speak HTTPS
	// itself. Default none.
	TLSCert, TLSKey string
	// ACME gets and renews a certificate for PublicURL's host from an ACME
	// CA (Let's Encrypt) and serves HTTPS with it. Default false.
	ACME bool
	// ACMEDirectory is the ACME CA's directory URL. Default Let's Encrypt's.
	ACMEDirectory string
	// FolderRoots are the folders (comma-separated) under which web users
	// may add local sources. Default: the server user's home directory.
	// The data directory is never allowed.
	FolderRoots string
	// MapTiles is the map page's tile server, a URL template with {z}, {x},
	// {y} (and optionally {s}); "off" shows no map tiles. Default
	// OpenStreetMap's. The Content-Security-Policy allows exactly its host.
	MapTiles string
	// MapAttribution is the credit shown on the map for its tiles.
	MapAttribution string
	// MetricsToken, when set, is the bearer token /metrics asks for; unset,
	// /metrics is not served on the main address.
	MetricsToken string
	// MetricsAddr, when set, serves /metrics without a token on this
	// separate address (say 127.0.0.1:9090). Default none.
	MetricsAddr string
	// BlobURL is where thumbnails and renditions live: empty for the data
	// directory (the default), s3://bucket?endpoint=…&region=… for an
	// S3-compatible bucket (internal/blob documents the parameters).
	BlobURL string
	// BlobRedirect, when positive, answers image requests with a redirect
	// to a presigned URL valid this long (S3 only). Default 0: the app
	// serves the bytes itself.
	BlobRedirect time.Duration
	// AWSAccessKeyID and AWSSecretAccessKey are the object store's
	// credentials; unset, the instance's IAM role is asked.
	AWSAccessKeyID, AWSSecretAccessKey string
	// DecodeMemoryMB bounds the bytes of decoded pixels all of a process's
	// workers hold at once; a photo that needs more alone is refused as too
	// large. Default 512.
	DecodeMemoryMB int
	// SentryDSN enables error reporting to Sentry when set.
	SentryDSN string
	// LogLevel is debug, info, warn or error. Default info.
	LogLevel string
	// LogFormat is text or json; default text on a terminal, json otherwise.
	LogFormat string
}

// Var is one setting: its environment name, default, help and whether it is
// a secret (never printed).
type Var struct {
	Name    string
	Default string
	Help    string
	Secret  bool
	set     func(c *Config, v string) error
	get     func(c *Config) string
}

func strVar(name, def, help string, secret bool, p func(*Config) *string) Var {
	return Var{Name: name, Default: def, Help: help, Secret: secret,
		set: func(c *Config, v string) error { *p(c) = v; return nil },
		get: func(c *Config) string { return *p(c) }}
}

func boolVar(name, def, help string, p func(*Config) *bool) Var {
	return Var{Name: name, Default: def, Help: help,
		set: func(c *Config, s string) error {
			b, err := strconv.ParseBool(s)
			if err != nil {
				return errors.New("want true or false")
			}
			*p(c) = b
			return nil
		},
		get: func(c *Config) string { return strconv.FormatBool(*p(c)) }}
}

func intVar[T int | int64](name, def, help string, p func(*Config) *T) Var {
	return Var{Name: name, Default: def, Help: help,
		set: func(c *Config, v string) error {
			n, err := strconv.ParseInt(strings.ReplaceAll(v, "_", ""), 10, 64)
			if err != nil {
				return errors.New("want a whole number")
			}
			*p(c) = T(n)
			return nil
		},
		get: func(c *Config) string { return strconv.FormatInt(int64(*p(c)), 10) }}
}

func durationVar(name, def, help string, p func(*Config) *time.Duration) Var {
	return Var{Name: name, Default: def, Help: help,
		set: func(c *Config, s string) error {
			d, err := time.ParseDuration(s)
			if err != nil || d < 0 {
				return errors.New("want a duration such as 30m or 0")
			}
			*p(c) = d
			return nil
		},
		get: func(c *Config) string { return p(c).String() }}
}

// Vars lists every setting, in the order the README documents them.
func Vars() []Var {
	return []Var{
		strVar("TARGETVISION_DATA", "./data", "data directory: SQLite file, thumbnails, models, secret key", false, func(c *Config) *string { return &c.DataDir }),
		strVar("TARGETVISION_ADDR", "127.0.0.1:8080", "listen address of `serve`", false, func(c *Config) *string { return &c.Addr }),
		strVar("DATABASE_URL", "", "PostgreSQL URL (postgres://…); unset = embedded SQLite in the data dir", true, func(c *Config) *string { return &c.DatabaseURL }),
		strVar("SECRET_KEY", "", "signs sessions, encrypts stored OAuth tokens; unset = generated into DATA/secret.key", true, func(c *Config) *string { return &c.SecretKey }),
		strVar("SMUGMUG_API_KEY", "", "SmugMug API key (consumer key)", false, func(c *Config) *string { return &c.SmugMugAPIKey }),
		strVar("SMUGMUG_API_SECRET", "", "SmugMug API secret (consumer secret)", true, func(c *Config) *string { return &c.SmugMugAPISecret }),
		strVar("SMUGMUG_API_BASE", "https://api.smugmug.com", "SmugMug API root", false, func(c *Config) *string { return &c.SmugMugAPIBase }),
		strVar("SMUGMUG_OAUTH_BASE", "https://api.smugmug.com/services/oauth/1.0a", "SmugMug OAuth 1.0a endpoints root", false, func(c *Config) *string { return &c.SmugMugOAuthBase }),
		intVar("SMUGMUG_REQUESTS_PER_MINUTE", "100", "client-side SmugMug rate limit per account", func(c *Config) *int { return &c.SmugMugRPM }),
		strVar("ANTHROPIC_API_KEY", "", "Claude API key; unset = photos wait to be described", true, func(c *Config) *string { return &c.AnthropicAPIKey }),
		strVar("ANTHROPIC_BASE_URL", "", "Claude API root (default the SDK's)", false, func(c *Config) *string { return &c.AnthropicBaseURL }),
		strVar("CLAUDE_MODEL", "claude-haiku-4-5-20251001", "model that describes photos", false, func(c *Config) *string { return &c.ClaudeModel }),
		{Name: "CLAUDE_MONTHLY_BUDGET_USD", Default: "10", Help: "monthly Claude spend cap per user, in dollars",
			set: func(c *Config, s string) error {
				f, err := strconv.ParseFloat(s, 64)
				if err != nil || f < 0 {
					return errors.New("want a non-negative number of dollars")
				}
				c.MonthlyBudgetUSD = f
				return nil
			},
			get: func(c *Config) string { return strconv.FormatFloat(c.MonthlyBudgetUSD, 'f', -1, 64) }},
		strVar("HF_ENDPOINT", "https://huggingface.co", "model hub root for `models pull`", false, func(c *Config) *string { return &c.HFEndpoint }),
		strVar("HF_TOKEN", "", "model hub access token, for gated or private models", true, func(c *Config) *string { return &c.HFToken }),
		strVar("TARGETVISION_CLIP_MODEL", "laion/CLIP-ViT-B-32-laion2B-s34B-b79K", "CLIP checkpoint (hub repository name)", false, func(c *Config) *string { return &c.CLIPModel }),
		{Name: "TARGETVISION_CLIP_CHECK_IMAGE", Default: "https://raw.githubusercontent.com/openai/CLIP/main/CLIP.png",
			Help: "where the CLIP self-check fetches its reference image (the OpenAI CLIP README's CLIP.png, checked against the hash in the binary); off = no self-check",
			set: func(c *Config, s string) error {
				if u, err := url.Parse(s); s != "off" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
					return errors.New("want an http(s) URL of CLIP.png, or off")
				}
				c.CLIPCheckImage = s
				return nil
			},
			get: func(c *Config) string { return c.CLIPCheckImage }},
		strVar("TARGETVISION_SEARCH_LANGUAGE", "english", "full-text search language: english (stems, stop words) or simple (neither)", false, func(c *Config) *string { return &c.SearchLanguage }),
		intVar("TARGETVISION_MAX_PIXELS", "100000000", "refuse images whose header claims more pixels", func(c *Config) *int64 { return &c.MaxPixels }),
		intVar("TARGETVISION_WORKERS", "2", "concurrent pipeline workers per process", func(c *Config) *int { return &c.Workers }),
		durationVar("TARGETVISION_SYNC_INTERVAL", "1h", "how often `serve` re-syncs every source (0 = never)", func(c *Config) *time.Duration { return &c.SyncInterval }),
		durationVar("TARGETVISION_JOB_RETENTION", "168h", "how long finished jobs stay listed before `serve` prunes them into daily counts (0 = forever); failures stay until retried or dismissed", func(c *Config) *time.Duration { return &c.JobRetention }),
		durationVar("TARGETVISION_JOB_LEASE", "2m", "how long a running job's claim holds before another process may take it over after its holder died (at least 5s)", func(c *Config) *time.Duration { return &c.JobLease }),
		boolVar("TARGETVISION_ALLOW_SIGNUP", "false", "let anyone create an account after the first (admin) one", func(c *Config) *bool { return &c.AllowSignup }),
		strVar("TARGETVISION_CORS_ORIGINS", "", "origins allowed to call the API from another site (comma-separated; default none)", false, func(c *Config) *string { return &c.CORSOrigins }),
		strVar("TARGETVISION_PUBLIC_URL", "", "the URL people use, e.g. https://photos.example.com (comma-separated for several); other host names are refused", false, func(c *Config) *string { return &c.PublicURL }),
		strVar("TARGETVISION_TRUSTED_PROXIES", "", "reverse proxies (addresses, CIDRs) whose X-Forwarded-* headers are believed", false, func(c *Config) *string { return &c.TrustedProxies }),
		strVar("TARGETVISION_TLS_CERT", "", "PEM certificate file: `serve` speaks HTTPS itself (with TARGETVISION_TLS_KEY)", false, func(c *Config) *string { return &c.TLSCert }),
		strVar("TARGETVISION_TLS_KEY", "", "PEM private key file of TARGETVISION_TLS_CERT", false, func(c *Config) *string { return &c.TLSKey }),
		boolVar("TARGETVISION_ACME", "false", "get the public URL's certificate from an ACME CA (Let's Encrypt) and serve HTTPS", func(c *Config) *bool { return &c.ACME }),
		strVar("TARGETVISION_ACME_DIRECTORY", "https://acme-v02.api.letsencrypt.org/directory", "ACME directory URL", false, func(c *Config) *string { return &c.ACMEDirectory }),
		strVar("TARGETVISION_FOLDER_ROOTS", "", "folders under which web users may add sources (comma-separated; default: the server user's home)", false, func(c *Config) *string { return &c.FolderRoots }),
		strVar("TARGETVISION_MAP_TILES", "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "the map page's tile server, a URL template with {z}, {x}, {y} (and optionally {s}); off = no tiles", false, func(c *Config) *string { return &c.MapTiles }),
		strVar("TARGETVISION_MAP_ATTRIBUTION", "© OpenStreetMap contributors", "the credit shown on the map for its tiles", false, func(c *Config) *string { return &c.MapAttribution }),
		strVar("TARGETVISION_METRICS_TOKEN", "", "bearer token for /metrics; unset = /metrics only on TARGETVISION_METRICS_ADDR", true, func(c *Config) *string { return &c.MetricsToken }),
		strVar("TARGETVISION_METRICS_ADDR", "", "separate listen address serving /metrics without a token (e.g. 127.0.0.1:9090)", false, func(c *Config) *string { return &c.MetricsAddr }),
		strVar("TARGETVISION_BLOB_URL", "", "where thumbnails and renditions live: unset = the data directory; s3://bucket?endpoint=…&region=… = S3-compatible object storage", false, func(c *Config) *string { return &c.BlobURL }),
		{Name: "TARGETVISION_BLOB_REDIRECT", Default: "0", Help: "with object storage, redirect image requests to presigned URLs valid this long (e.g. 15m; 0 = the app serves the bytes)",
			set: func(c *Config, s string) error {
				d, err := time.ParseDuration(s)
				if err != nil || d < 0 || (d > 0 && d < 10*time.Second) || d > 7*24*time.Hour {
					return errors.New("want 0 or a duration from 10s to 168h, such as 15m")
				}
				c.BlobRedirect = d
				return nil
			},
			get: func(c *Config) string { return c.BlobRedirect.String() }},
		strVar("AWS_ACCESS_KEY_ID", "", "object storage access key (with TARGETVISION_BLOB_URL); unset = the instance's IAM role", false, func(c *Config) *string { return &c.AWSAccessKeyID }),
		strVar("AWS_SECRET_ACCESS_KEY", "", "object storage secret key", true, func(c *Config) *string { return &c.AWSSecretAccessKey }),
		intVar("TARGETVISION_DECODE_MEMORY_MB", "512", "decoded-pixel memory all workers of a process may hold at once", func(c *Config) *int { return &c.DecodeMemoryMB }),
		strVar("SENTRY_DSN", "", "report errors to Sentry when set", true, func(c *Config) *string { return &c.SentryDSN }),
		strVar("TARGETVISION_LOG_LEVEL", "info", "debug, info, warn or error", false, func(c *Config) *string { return &c.LogLevel }),
		strVar("TARGETVISION_LOG_FORMAT", "", "text or json (default: text on a terminal, json otherwise)", false, func(c *Config) *string { return &c.LogFormat }),
	}
}

// Load builds the configuration from defaults, then the .env file at
// dotenvPath (ignored when missing), then the environment via getenv.
// Flags are applied afterwards by the caller with Set.
func Load(getenv func(string) string, dotenvPath string) (Config, error) {
	var c Config
	dot := map[string]string{}
	if dotenvPath != "" {
		m, err := godotenv.Read(dotenvPath)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return Config{}, fmt.Errorf("config: read %s: %w", dotenvPath, err)
		}
		if m != nil {
			dot = m
		}
	}
	for _, v := range Vars() {
		val := cmp.Or(getenv(v.Name), dot[v.Name], v.Default)
		if err := v.set(&c, val); err != nil {
			return Config{}, fmt.Errorf("config: %s=%q: %w", v.Name, redact(v, val), err)
		}
	}
	return c, nil
}

// Set overrides one setting by its environment name (how flags apply).
func (c *Config) Set(name, value string) error {
	for _, v := range Vars() {
		if v.Name == name {
			if err := v.set(c, value); err != nil {
				return fmt.Errorf("config: %s=%q: %w", name, redact(v, value), err)
			}
			return nil
		}
	}
	return fmt.Errorf("config: unknown setting %s", name)
}

// Dump lists every setting as NAME=value with secrets redacted, for
// diagnostics.
func (c Config) Dump() []string {
	var out []string
	for _, v := range Vars() {
		out = append(out, v.Name+"="+redact(v, v.get(&c)))
	}
	return out
}

func redact(v Var, val string) string {
	if v.Secret && val != "" {
		return "[redacted]"
	}
	return val
}

// Validate checks the settings that would otherwise fail late.
func (c Config) Validate() error {
	var errs []error
	if c.DataDir == "" {
		errs = append(errs, errors.New("TARGETVISION_DATA must not be empty"))
	}
	if c.Workers < 1 || c.Workers > 64 {
		errs = append(errs, fmt.Errorf("TARGETVISION_WORKERS=%d: want 1..64", c.Workers))
	}
	if c.MaxPixels < 1 {
		errs = append(errs, fmt.Errorf("TARGETVISION_MAX_PIXELS=%d: want > 0", c.MaxPixels))
	}
	if c.JobLease < 5*time.Second {
		errs = append(errs, fmt.Errorf("TARGETVISION_JOB_LEASE=%s: want at least 5s", c.JobLease))
	}
	if c.SmugMugRPM < 1 {
		errs = append(errs, fmt.Errorf("SMUGMUG_REQUESTS_PER_MINUTE=%d: want > 0", c.SmugMugRPM))
	}
	if c.DecodeMemoryMB < 16 {
		errs = append(errs, fmt.Errorf("TARGETVISION_DECODE_MEMORY_MB=%d: want at least 16", c.DecodeMemoryMB))
	}
	if _, err := edge.ParseHosts(c.PublicURL); err != nil {
		errs = append(errs, fmt.Errorf("TARGETVISION_PUBLIC_URL: %w", err))
	}
	if _, err := edge.ParseTrust(c.TrustedProxies); err != nil {
		errs = append(errs, fmt.Errorf("TARGETVISION_TRUSTED_PROXIES: %w", err))
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, errors.New("TARGETVISION_TLS_CERT and TARGETVISION_TLS_KEY go together: set both or neither"))
	}
	if c.ACME && (c.TLSCert != "" || !strings.HasPrefix(c.PublicURL, "https://") || strings.Contains(c.PublicURL, ",")) {
		errs = append(errs, errors.New("TARGETVISION_ACME needs one https:// TARGETVISION_PUBLIC_URL and no TARGETVISION_TLS_CERT"))
	}
	switch c.SearchLanguage {
	case "english", "simple":
	default:
		errs = append(errs, fmt.Errorf("TARGETVISION_SEARCH_LANGUAGE=%q: want english or simple", c.SearchLanguage))
	}
	if c.BlobURL != "" && !strings.HasPrefix(c.BlobURL, "s3://") && !strings.HasPrefix(c.BlobURL, "file:///") {
		errs = append(errs, errors.New("TARGETVISION_BLOB_URL: want s3://bucket?endpoint=…&region=… (or file:///dir)"))
	}
	if c.BlobRedirect > 0 && !strings.HasPrefix(c.BlobURL, "s3://") {
		errs = append(errs, errors.New("TARGETVISION_BLOB_REDIRECT needs object storage (an s3:// TARGETVISION_BLOB_URL) to sign URLs for"))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("TARGETVISION_LOG_LEVEL=%q: want debug, info, warn or error", c.LogLevel))
	}
	switch c.LogFormat {
	case "", "text", "json":
	default:
		errs = append(errs, fmt.Errorf("TARGETVISION_LOG_FORMAT=%q: want text or json", c.LogFormat))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	return nil
}

// StoreDSN is what store.Open takes: the Postgres URL or the SQLite path.
func (c Config) StoreDSN() string {
	if c.DatabaseURL != "" {
		return c.DatabaseURL
	}
	return filepath.Join(c.DataDir, "targetvision.db")
}

// Secret returns the master secret: SECRET_KEY if set, else the key file in
// the data dir, generated with 32 random bytes (mode 0600) on first use.
func (c Config) Secret() ([]byte, error) {
	if c.SecretKey != "" {
		if len(c.SecretKey) < 16 {
			return nil, errors.New("config: SECRET_KEY must be at least 16 characters")
		}
		return []byte(c.SecretKey), nil
	}
	path := filepath.Join(c.DataDir, "secret.key")
	b, err := os.ReadFile(path)
	if err == nil {
		key, derr := hex.DecodeString(strings.TrimSpace(string(b)))
		if derr != nil || len(key) < 16 {
			return nil, fmt.Errorf("config: %s is not a hex key; delete it to generate a new one (sessions and stored tokens will need renewing)", path)
		}
		return key, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("config: read secret key: %w", err)
	}
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("config: create data dir: %w", err)
	}
	key := make([]byte, 32)
	rand.Read(key)
	// Written whole to a file of its own, then linked into place: a process
	// starting at the same moment (replicas sharing a volume) sees no key
	// or the whole key, never a half-written file, and one key wins.
	f, err := os.CreateTemp(c.DataDir, "secret.key.tmp-*")
	if err != nil {
		return nil, fmt.Errorf("config: create secret key: %w", err)
	}
	defer os.Remove(f.Name())
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return nil, fmt.Errorf("config: create secret key: %w", err)
	}
	if _, err := f.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		return nil, fmt.Errorf("config: write secret key: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("config: write secret key: %w", err)
	}
	if err := os.Link(f.Name(), path); errors.Is(err, fs.ErrExist) {
		return c.Secret() // another process won the race; use its key
	} else if err != nil {
		return nil, fmt.Errorf("config: create secret key: %w", err)
	}
	return key, nil
}

// Env returns one setting's current value by its environment name.
func (c Config) Env(name string) string {
	for _, v := range Vars() {
		if v.Name == name {
			return v.get(&c)
		}
	}
	return ""
}
