package claude

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/anthropics/anthropic-sdk-go"
	"github.com/anthropics/anthropic-sdk-go/option"
)

// Request is one photo to describe. Exactly one of Path and Image is set.
type Request struct {
	// UserID is who pays; spend and the monthly cap are per user.
	UserID string
	// Path is an analysis rendition (JPEG or PNG, ≤ 2200 px) on disk.
	Path string
	// Image is an already decoded photo, used when Path is empty.
	Image image.Image
	// Model is the model that describes this photo (a user's own choice);
	// "" is the Describer's Config.Model. It must have a known price
	// (PriceFor), else the request fails with ErrUnknownModel.
	Model string
	// ContentSHA256 is the hex SHA-256 of the photo's bytes, if the caller
	// knows it; default: hashed from the file at Path (or, for Image, from
	// the re-encoded JPEG). It is the content part of the IdempotencyKey.
	ContentSHA256 string
}

// Result is a validated description plus what it cost.
type Result struct {
	Description
	Key       IdempotencyKey
	UserID    string    // who paid
	Mode      Mode      // ModeDirect or ModeBatch
	BatchID   string    // for ModeBatch: the batch that produced it
	Usage     Usage     // tokens over all attempts (a retried malformed answer included)
	CostUSD   float64   // Usage at the model's price, halved for batch
	Attempts  int       // paid answers it took (1, or 2 after a malformed answer)
	CreatedAt time.Time // when the answer arrived
	// FromLedger is true when the result was found in the Ledger and nothing
	// was paid by this call.
	FromLedger bool `json:"-"`
}

// Outcome pairs a result or an error with its position in the input.
type Outcome struct {
	Index  int
	Result Result
	Err    error
}

// Describer describes photos with Claude. It is safe for concurrent use.
type Describer struct {
	cfg    Config
	client anthropic.Client
	log    *slog.Logger
	ledger Ledger
	sleep  func(context.Context, time.Duration) error // replaced in tests

	mu       sync.Mutex
	runSpent float64            // paid by this Describer
	inFlight map[string]float64 // reserved per user for calls not yet answered
	calls    map[IdempotencyKey]*call
}

type call struct {
	done chan struct{}
	res  Result
	err  error
}

// New validates cfg and builds a Describer on the official SDK client.
func New(cfg Config) (*Describer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	opts := []option.RequestOption{
		// The app resolves credentials and base URL from its own config;
		// nothing may leak in from the SDK's environment autoload.
		option.WithoutEnvironmentDefaults(),
		option.WithAPIKey(cfg.APIKey),
		option.WithHTTPClient(cfg.HTTPClient),
		option.WithMaxRetries(0), // see withRetry
		option.WithRequestTimeout(cfg.RequestTimeout),
	}
	if cfg.BaseURL != "" {
		opts = append(opts, option.WithBaseURL(cfg.BaseURL))
	}
	return &Describer{
		cfg:      cfg,
		client:   anthropic.NewClient(opts...),
		log:      cfg.Logger,
		ledger:   cfg.Ledger,
		sleep:    sleepCtx,
		inFlight: map[string]float64{},
		calls:    map[IdempotencyKey]*call{},
	}, nil
}

// Model returns the model id used when a Request names none.
func (d *Describer) Model() string { return d.cfg.Model }

// priceOf is model's price: Config.Price for Config.Model when set, else
// the published one. Every model reaching it was checked by modelOf.
func (d *Describer) priceOf(model string) Price {
	if model == d.cfg.Model && d.cfg.Price != nil {
		return *d.cfg.Price
	}
	p, _ := PriceFor(model)
	return p
}

// modelOf is the model r is described with, or ErrUnknownModel.
func (d *Describer) modelOf(r Request) (string, error) {
	if r.Model == "" || r.Model == d.cfg.Model {
		return d.cfg.Model, nil
	}
	if _, ok := PriceFor(r.Model); !ok {
		return "", fmt.Errorf("claude: model %q: %w", r.Model, ErrUnknownModel)
	}
	return r.Model, nil
}

// RunSpent returns the dollars this Describer has paid so far.
func (d *Describer) RunSpent() float64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.runSpent
}

// Estimate projects the dollars to describe n photos in mode (ModeAuto is
// resolved with SelectMode) with the Describer's model, for a typical 3:2
// photo at the configured size and an average-length answer. Photos
// already in the ledger are not subtracted: this is a pre-run upper
// estimate.
func (d *Describer) Estimate(n int, mode Mode) float64 {
	return d.EstimateFor(d.cfg.Model, n, mode)
}

// EstimateFor is Estimate with model ("" is the Describer's); a model
// without a known price estimates 0.
func (d *Describer) EstimateFor(model string, n int, mode Mode) float64 {
	mode = SelectMode(n, d.cfg.BatchThreshold, mode)
	w, h := fitLongEdge(3000, 2000, d.cfg.ImageLongEdge)
	return float64(n) * d.projected(cmp.Or(model, d.cfg.Model), w, h, mode == ModeBatch)
}

func (d *Describer) projected(model string, w, h int, batch bool) float64 {
	u := Usage{InputTokens: int64(estimateInputTokens(d.cfg.Output, w, h)), OutputTokens: expectedOutputTokens}
	return d.priceOf(model).Cost(u, batch)
}

// reservationMargin is how much more than the estimate a budget check
// reserves for a photo. Token counts are estimated here, not counted by
// the model's tokenizer: measured against the fake API's independent
// rules (28-px image patches, word- and punctuation-level text) the
// estimate is about 15% low, so a cap reserved at the bare estimate was
// overrun; the margin keeps a spending cap a cap.
const reservationMargin = 1.3

// reservation is what a budget check holds for one w×h photo.
func (d *Describer) reservation(model string, w, h int, batch bool) float64 {
	return reservationMargin * d.projected(model, w, h, batch)
}

// key resolves the idempotency key of r without decoding the image when it can.
func (d *Describer) key(r Request) (IdempotencyKey, *prepared, error) {
	model, err := d.modelOf(r)
	if err != nil {
		return IdempotencyKey{}, nil, err
	}
	k := IdempotencyKey{ContentSHA256: r.ContentSHA256, Model: model, PromptVersion: PromptVersion}
	if k.ContentSHA256 != "" {
		return k, nil, nil
	}
	switch {
	case r.Path != "":
		raw, err := os.ReadFile(r.Path)
		if err != nil {
			return k, nil, fmt.Errorf("claude: read image: %w", err)
		}
		sum := sha256.Sum256(raw)
		k.ContentSHA256 = hex.EncodeToString(sum[:])
		return k, nil, nil
	case r.Image != nil:
		p, err := prepareImage(r.Image, 1, d.cfg.ImageLongEdge, d.cfg.JPEGQuality)
		if err != nil {
			return k, nil, err
		}
		k.ContentSHA256 = p.SHA256
		return k, &p, nil
	}
	return k, nil, errors.New("claude: request has neither Path nor Image")
}

func (d *Describer) prepare(r Request, p *prepared) (prepared, error) {
	if p != nil {
		return *p, nil
	}
	if r.Path != "" {
		return prepareFile(r.Path, d.cfg.ImageLongEdge, d.cfg.JPEGQuality)
	}
	return prepareImage(r.Image, 1, d.cfg.ImageLongEdge, d.cfg.JPEGQuality)
}

// Describe returns the description of one photo: from the ledger when this
// content was already described with this model and prompt version, else
// from one direct API call (two if the first answer is malformed), recorded
// in the ledger before it returns. Concurrent calls for the same content
// share one API call.
func (d *Describer) Describe(ctx context.Context, r Request) (Result, error) {
	key, pre, err := d.key(r)
	if err != nil {
		return Result{}, err
	}
	// Share one call between concurrent requests for the same key.
	d.mu.Lock()
	if c, ok := d.calls[key]; ok {
		d.mu.Unlock()
		select {
		case <-c.done:
			res := c.res
			res.FromLedger = true
			return res, c.err
		case <-ctx.Done():
			return Result{}, fmt.Errorf("claude: describe: %w", ctx.Err())
		}
	}
	c := &call{done: make(chan struct{})}
	d.calls[key] = c
	d.mu.Unlock()
	c.res, c.err = d.describe(ctx, r, key, pre)
	d.mu.Lock()
	delete(d.calls, key)
	d.mu.Unlock()
	close(c.done)
	return c.res, c.err
}

func (d *Describer) describe(ctx context.Context, r Request, key IdempotencyKey, pre *prepared) (Result, error) {
	if res, ok, err := d.ledger.Lookup(ctx, key); err != nil {
		return Result{}, fmt.Errorf("claude: ledger lookup: %w", err)
	} else if ok {
		res.FromLedger = true
		return res, nil
	}
	p, err := d.prepare(r, pre)
	if err != nil {
		return Result{}, err
	}
	params := d.messageParams(p, key.Model)
	price := d.priceOf(key.Model)
	var total Usage
	reason := ""
	for attempt := 1; attempt <= 2; attempt++ {
		release, err := d.reserve(ctx, r.UserID, d.reservation(key.Model, p.Width, p.Height, false))
		if err != nil {
			if attempt > 1 {
				d.charge(ctx, r.UserID, key.Model, total, false)
			}
			return Result{}, err
		}
		var msg *anthropic.Message
		err = d.withRetry(ctx, "describe", func(ctx context.Context) error {
			var err error
			msg, err = d.client.Messages.New(ctx, params)
			return err
		})
		if err != nil {
			release(0)
			if attempt > 1 {
				d.charge(ctx, r.UserID, key.Model, total, false)
			}
			return Result{}, err
		}
		u := usageOf(msg.Usage)
		total = total.Add(u)
		release(price.Cost(u, false))
		desc, why, refused := answer(msg, d.cfg.Output)
		if refused {
			d.charge(ctx, r.UserID, key.Model, total, false)
			return Result{}, fmt.Errorf("claude: describe %s: %w", key.ContentSHA256, ErrRefused)
		}
		if why == "" {
			res := Result{
				Description: desc, Key: key, UserID: r.UserID, Mode: ModeDirect,
				Usage: total, CostUSD: price.Cost(total, false), Attempts: attempt, CreatedAt: d.cfg.Now(),
			}
			// Paid for: record it even if ctx ended meanwhile, or a restart pays again.
			if err := d.ledger.Record(context.WithoutCancel(ctx), key, res); err != nil {
				return Result{}, fmt.Errorf("claude: ledger record: %w", err)
			}
			return res, nil
		}
		reason = why
		d.log.WarnContext(ctx, "claude: malformed answer", "content_sha256", key.ContentSHA256, "attempt", attempt, "reason", why)
	}
	d.charge(ctx, r.UserID, key.Model, total, false)
	return Result{}, fmt.Errorf("claude: describe %s: %w", key.ContentSHA256, &MalformedError{Reason: reason, Attempts: 2})
}

// charge records money paid to model for answers that produced no result.
func (d *Describer) charge(ctx context.Context, userID, model string, u Usage, batch bool) {
	usd := d.priceOf(model).Cost(u, batch)
	if usd == 0 {
		return
	}
	if err := d.ledger.Charge(context.WithoutCancel(ctx), userID, d.cfg.Now(), usd); err != nil {
		d.log.ErrorContext(ctx, "claude: ledger charge failed", "user_id", userID, "usd", usd, "err", err)
	}
}

// CountInputTokens asks the API (POST /v1/messages/count_tokens, free of
// charge) how many input tokens describing r would cost with this
// Describer's model, prompt and Output mode. It is how the forced-tool vs
// JSON-schema difference in docs/cost.md is confirmed on the real API: build
// two Describers that differ only in Output and compare.
func (d *Describer) CountInputTokens(ctx context.Context, r Request) (int64, error) {
	key, pre, err := d.key(r)
	if err != nil {
		return 0, err
	}
	p, err := d.prepare(r, pre)
	if err != nil {
		return 0, err
	}
	params := d.countParams(p, key.Model)
	var n int64
	err = d.withRetry(ctx, "count tokens", func(ctx context.Context) error {
		res, err := d.client.Messages.CountTokens(ctx, params)
		if err == nil {
			n = res.InputTokens
		}
		return err
	})
	return n, err
}

// DescribeMany describes reqs directly with at most MaxConcurrency calls in
// flight. Outcomes are in input order. It stops starting new calls when ctx
// ends; those photos get ctx's error.
func (d *Describer) DescribeMany(ctx context.Context, reqs []Request) []Outcome {
	out := make([]Outcome, len(reqs))
	sem := make(chan struct{}, d.cfg.MaxConcurrency)
	var wg sync.WaitGroup
	for i, r := range reqs {
		out[i].Index = i
		if ctx.Err() != nil { // select below picks at random when both are ready
			out[i].Err = fmt.Errorf("claude: describe: %w", ctx.Err())
			continue
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			out[i].Err = fmt.Errorf("claude: describe: %w", ctx.Err())
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			out[i].Result, out[i].Err = d.Describe(ctx, r)
		}()
	}
	wg.Wait()
	return out
}

// reserve checks the run and monthly caps for a call projected to cost usd
// and holds usd as in flight until release(actual) records what was paid.
func (d *Describer) reserve(ctx context.Context, userID string, usd float64) (release func(actual float64), err error) {
	return d.reserveWith(ctx, userID, usd, nil)
}

// reserveWith is reserve with the user's month-to-date spend read once by
// the caller (*monthSpent, when not nil), so a batch of thousands of photos
// asks the ledger once instead of once per photo.
func (d *Describer) reserveWith(ctx context.Context, userID string, usd float64, monthSpent *float64) (release func(actual float64), err error) {
	if d.cfg.MonthlyBudgetUSD > 0 && monthSpent == nil {
		monthSpent = new(float64)
		if *monthSpent, err = d.monthSpent(ctx, userID); err != nil {
			return nil, err
		}
	}
	if monthSpent == nil {
		monthSpent = new(float64)
	}
	return d.hold(ctx, userID, usd, *monthSpent)
}

// monthSpent is userID's spend since the first instant of this UTC month.
func (d *Describer) monthSpent(ctx context.Context, userID string) (float64, error) {
	now := d.cfg.Now().UTC()
	since := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	v, err := d.ledger.Spent(ctx, userID, since)
	if err != nil {
		return 0, fmt.Errorf("claude: ledger spent: %w", err)
	}
	return v, nil
}

// hold checks the caps against monthSpent and in-flight reservations and
// reserves usd.
func (d *Describer) hold(ctx context.Context, userID string, usd, monthSpent float64) (release func(actual float64), err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var inFlightAll float64
	for _, v := range d.inFlight {
		inFlightAll += v
	}
	if d.cfg.RunBudgetUSD > 0 && d.runSpent+inFlightAll+usd > d.cfg.RunBudgetUSD {
		e := &BudgetError{Scope: "run", LimitUSD: d.cfg.RunBudgetUSD, SpentUSD: d.runSpent + inFlightAll, NeededUSD: usd}
		d.log.WarnContext(ctx, "claude: budget stop", "scope", "run", "limit_usd", e.LimitUSD, "spent_usd", e.SpentUSD)
		return nil, e
	}
	if d.cfg.MonthlyBudgetUSD > 0 && monthSpent+d.inFlight[userID]+usd > d.cfg.MonthlyBudgetUSD {
		e := &BudgetError{Scope: "month", LimitUSD: d.cfg.MonthlyBudgetUSD, SpentUSD: monthSpent + d.inFlight[userID], NeededUSD: usd}
		d.log.WarnContext(ctx, "claude: budget stop", "scope", "month", "user_id", userID, "limit_usd", e.LimitUSD, "spent_usd", e.SpentUSD)
		return nil, e
	}
	d.inFlight[userID] += usd
	var once sync.Once
	return func(actual float64) {
		once.Do(func() {
			d.mu.Lock()
			defer d.mu.Unlock()
			d.inFlight[userID] -= usd
			d.runSpent += actual
		})
	}, nil
}
