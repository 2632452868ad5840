package claude

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

// DefaultModel is the cheapest current model that describes photos well
// (Haiku 4.5, $1/$5 per MTok, half in batch). The dated snapshot is pinned so
// that results, which are keyed by model, stay reproducible. See docs/cost.md.
const DefaultModel = "claude-haiku-4-5-20251001"

// OutputMode is how structured output is requested.
type OutputMode int

const (
	// OutputTool forces a call of the record_photo tool (works on every
	// model; the default).
	OutputTool OutputMode = iota
	// OutputJSONSchema uses native structured outputs
	// (output_config.format json_schema); the answer is a JSON text block.
	OutputJSONSchema
)

// Config configures a Describer. Zero fields take the documented defaults.
type Config struct {
	// APIKey is the Anthropic API key (ANTHROPIC_API_KEY). Required. Never logged.
	APIKey string
	// BaseURL is the API root (ANTHROPIC_BASE_URL); default https://api.anthropic.com/.
	// Tests point it at claudetest.Server.
	BaseURL string
	// Model is the model id; default DefaultModel. It must have a known price
	// (PriceFor) unless Price is set.
	Model string
	// Price overrides the published price of Model (for models newer than
	// this package). Default: PriceFor(Model).
	Price *Price
	// MaxConcurrency bounds in-flight direct requests in DescribeMany; default 4.
	MaxConcurrency int
	// MaxRetries is the number of retries after the first attempt on
	// 408/409/429/5xx/529 and connection errors; default 8. 0 means the default;
	// use -1 for no retries.
	MaxRetries int
	// RetryBaseDelay is the first backoff step; default 1s. Doubles per retry,
	// capped at RetryMaxDelay (default 60s), with jitter in [50%, 100%].
	RetryBaseDelay time.Duration
	RetryMaxDelay  time.Duration
	// MaxRetryAfter caps how long a server's retry-after is honoured; default 5m.
	MaxRetryAfter time.Duration
	// RequestTimeout bounds one HTTP attempt; default 2m.
	RequestTimeout time.Duration
	// HTTPClient is the transport; default a client without timeout (the
	// per-attempt RequestTimeout applies).
	HTTPClient *http.Client
	// Logger receives retries, budget stops and batch progress; default slog.Default().
	Logger *slog.Logger

	// Ledger persists results, spend and pending batches. Default: an
	// in-memory ledger, which forgets everything on exit — the app must set it.
	Ledger Ledger
	// RunBudgetUSD caps the dollars this Describer may spend; 0 = no cap.
	RunBudgetUSD float64
	// MonthlyBudgetUSD caps a user's spend per calendar month (UTC), as
	// reported by Ledger.Spent; 0 = no cap.
	MonthlyBudgetUSD float64

	// Output selects forced tool use (default) or native JSON schema output.
	Output OutputMode
	// ImageLongEdge is the long edge photos are scaled to; default DefaultImageLongEdge.
	ImageLongEdge int
	// JPEGQuality is the re-encoding quality; default DefaultJPEGQuality.
	JPEGQuality int
	// MaxTokens caps each answer's output tokens; default 600 (an answer is ~200).
	MaxTokens int64

	// BatchThreshold is where ModeAuto switches to batch; default DefaultBatchThreshold.
	BatchThreshold int
	// MaxBatchSize is the most requests per submitted batch; default 1000.
	// A 640-px photo is ~70–120 KB of base64, so 1000 stay near 100 MB of
	// request body (the API allows 100,000 requests / 256 MB), which bounds
	// the memory a submission needs; bodies are also cut at 100 MB.
	MaxBatchSize int
	// BatchPollInitial is the first wait between batch polls; default 30s,
	// growing ×1.5 per poll up to BatchPollMax (default 5m).
	BatchPollInitial time.Duration
	BatchPollMax     time.Duration

	// Now is the clock; default time.Now. Tests move it.
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	c.Model = cmp.Or(c.Model, DefaultModel)
	c.MaxConcurrency = cmp.Or(c.MaxConcurrency, 4)
	c.MaxRetries = cmp.Or(c.MaxRetries, 8)
	if c.MaxRetries < 0 {
		c.MaxRetries = 0
	}
	c.RetryBaseDelay = cmp.Or(c.RetryBaseDelay, time.Second)
	c.RetryMaxDelay = cmp.Or(c.RetryMaxDelay, time.Minute)
	c.MaxRetryAfter = cmp.Or(c.MaxRetryAfter, 5*time.Minute)
	c.RequestTimeout = cmp.Or(c.RequestTimeout, 2*time.Minute)
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{}
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Ledger == nil {
		c.Ledger = NewMemLedger()
	}
	c.ImageLongEdge = cmp.Or(c.ImageLongEdge, DefaultImageLongEdge)
	c.JPEGQuality = cmp.Or(c.JPEGQuality, DefaultJPEGQuality)
	c.MaxTokens = cmp.Or(c.MaxTokens, 600)
	c.BatchThreshold = cmp.Or(c.BatchThreshold, DefaultBatchThreshold)
	c.MaxBatchSize = cmp.Or(c.MaxBatchSize, 1000)
	c.BatchPollInitial = cmp.Or(c.BatchPollInitial, 30*time.Second)
	c.BatchPollMax = cmp.Or(c.BatchPollMax, 5*time.Minute)
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Validate reports configuration mistakes. It does not print the key.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	if c.APIKey == "" {
		errs = append(errs, errors.New("APIKey is empty (set ANTHROPIC_API_KEY)"))
	}
	if _, ok := PriceFor(c.Model); !ok && c.Price == nil {
		errs = append(errs, fmt.Errorf("no known price for model %q: set Config.Price", c.Model))
	}
	if c.ImageLongEdge < 200 || c.ImageLongEdge > 1568 {
		errs = append(errs, fmt.Errorf("ImageLongEdge %d outside 200..1568 (smaller loses detail, larger is downscaled by the API)", c.ImageLongEdge))
	}
	if c.JPEGQuality < 30 || c.JPEGQuality > 100 {
		errs = append(errs, fmt.Errorf("JPEGQuality %d outside 30..100", c.JPEGQuality))
	}
	if c.MaxBatchSize > 100000 {
		errs = append(errs, fmt.Errorf("MaxBatchSize %d over the API's 100,000", c.MaxBatchSize))
	}
	if c.MaxConcurrency < 0 || c.MaxBatchSize < 0 || c.MaxTokens < 0 || c.BatchThreshold < 0 {
		errs = append(errs, errors.New("MaxConcurrency, MaxBatchSize, MaxTokens and BatchThreshold must not be negative"))
	}
	if c.RunBudgetUSD < 0 || c.MonthlyBudgetUSD < 0 {
		errs = append(errs, errors.New("budgets must not be negative"))
	}
	if c.Output != OutputTool && c.Output != OutputJSONSchema {
		errs = append(errs, fmt.Errorf("unknown Output %d", c.Output))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("claude: config: %w", err)
	}
	return nil
}
