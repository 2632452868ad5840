package claude

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/anthropics/anthropic-sdk-go"
)

// withRetry runs call until it succeeds, fails for good, or ctx ends.
//
// Why our loop and not the SDK's (which is switched off with
// WithMaxRetries(0)): the SDK's backoff is fixed (0.5 s·2ⁿ capped at 8 s) and
// its retry-after is uncapped, neither can be made fast in tests, it does not
// log, and a photo library can meet 529 storms lasting minutes, which need
// longer waits than 8 s. Stacking both loops would multiply attempts.
func (d *Describer) withRetry(ctx context.Context, what string, call func(context.Context) error) error {
	for attempt := 0; ; attempt++ {
		err := call(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("claude: %s: %w", what, ctx.Err())
		}
		var apiErr *anthropic.Error
		isAPI := errors.As(err, &apiErr)
		retry := !isAPI // connection errors are retried
		var wait time.Duration
		if isAPI {
			retry = retryableStatus(apiErr.StatusCode)
			if apiErr.Response != nil {
				switch apiErr.Response.Header.Get("x-should-retry") {
				case "true":
					retry = true
				case "false":
					retry = false
				}
				wait = retryAfter(apiErr.Response.Header, d.cfg.Now())
			}
		}
		if !retry || attempt >= d.cfg.MaxRetries {
			if isAPI {
				return fmt.Errorf("claude: %s: %w", what, toAPIError(apiErr, attempt+1))
			}
			return fmt.Errorf("claude: %s after %d attempts: %w", what, attempt+1, err)
		}
		if wait <= 0 {
			wait = d.backoff(attempt)
		}
		wait = min(wait, d.cfg.MaxRetryAfter)
		status := 0
		if isAPI {
			status = apiErr.StatusCode
		}
		d.log.WarnContext(ctx, "claude: retrying", "op", what, "status", status, "attempt", attempt+1, "wait", wait.String())
		if err := d.sleep(ctx, wait); err != nil {
			return fmt.Errorf("claude: %s: %w", what, err)
		}
	}
}

// backoff is base·2ⁿ capped at RetryMaxDelay, times a jitter in [0.5, 1).
func (d *Describer) backoff(attempt int) time.Duration {
	b := d.cfg.RetryBaseDelay << min(attempt, 20)
	if b <= 0 || b > d.cfg.RetryMaxDelay {
		b = d.cfg.RetryMaxDelay
	}
	return time.Duration(float64(b) * (0.5 + rand.Float64()/2))
}

// retryAfter reads retry-after-ms, then retry-after (seconds or HTTP date).
func retryAfter(h http.Header, now time.Time) time.Duration {
	if v := h.Get("retry-after-ms"); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	v := h.Get("retry-after")
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s > 0 {
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		return t.Sub(now)
	}
	return 0
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func toAPIError(e *anthropic.Error, attempts int) *APIError {
	out := &APIError{StatusCode: e.StatusCode, Type: string(e.Type()), RequestID: e.RequestID, Attempts: attempts}
	var body struct {
		Error struct {
			Type    string `json:"type"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal([]byte(e.RawJSON()), &body) == nil {
		out.Message = body.Error.Message
		if out.Type == "" {
			out.Type = body.Error.Type
		}
	}
	if out.Message == "" {
		out.Message = http.StatusText(e.StatusCode)
	}
	return out
}
