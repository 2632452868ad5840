package claude

import (
	"errors"
	"fmt"
)

var (
	// ErrUnauthorized means the API rejected the key (HTTP 401). It is never
	// retried; the app should tell the operator to check ANTHROPIC_API_KEY.
	ErrUnauthorized = errors.New("claude: unauthorized: check ANTHROPIC_API_KEY")

	// ErrBudgetExceeded means a call or batch was not made because the
	// projected spend would pass the run or monthly cap. The concrete error is
	// a *BudgetError with the numbers.
	ErrBudgetExceeded = errors.New("claude: budget exceeded")

	// ErrMalformed means Claude's answer did not fit the schema twice in a
	// row. The concrete error is a *MalformedError with the reason.
	ErrMalformed = errors.New("claude: malformed answer")

	// ErrRefused means Claude refused to describe the photo (stop_reason
	// "refusal"). It is not retried: asking again rarely changes the answer.
	ErrRefused = errors.New("claude: refused")

	// ErrUnknownModel means a request named a model this package has no
	// price for (see Models), so its cost could be neither capped nor shown.
	ErrUnknownModel = errors.New("claude: unknown model")
)

// APIError is a non-retryable (or retries-exhausted) error answer from the
// API. Read it with errors.As; for 401 it also matches ErrUnauthorized.
type APIError struct {
	StatusCode int    // HTTP status, e.g. 400, 404, 529
	Type       string // error.type, e.g. "invalid_request_error"
	Message    string // error.message as sent by the API
	RequestID  string // request-id header, for support tickets
	Attempts   int    // attempts made, including the first
}

// Error says status, type and message, never the key.
func (e *APIError) Error() string {
	msg := fmt.Sprintf("claude: api error %d %s: %s", e.StatusCode, e.Type, e.Message)
	if e.RequestID != "" {
		msg += " (request-id " + e.RequestID + ")"
	}
	if e.Attempts > 1 {
		msg += fmt.Sprintf(" after %d attempts", e.Attempts)
	}
	return msg
}

// Is makes a 401 match ErrUnauthorized.
func (e *APIError) Is(target error) bool {
	return target == ErrUnauthorized && e.StatusCode == 401
}

// Retryable reports whether the same request may succeed later (429, 408,
// 409, 5xx, 529). 400/401/402/403/404/413 are final.
func (e *APIError) Retryable() bool { return retryableStatus(e.StatusCode) }

// MalformedError is returned when the answer could not be used after the
// allowed attempts. It matches ErrMalformed.
type MalformedError struct {
	Reason   string // what was wrong with the last answer
	Attempts int
}

// Error includes the reason the last answer was rejected.
func (e *MalformedError) Error() string {
	return fmt.Sprintf("claude: malformed answer after %d attempts: %s", e.Attempts, e.Reason)
}

// Is makes a *MalformedError match ErrMalformed.
func (e *MalformedError) Is(target error) bool { return target == ErrMalformed }

// BudgetError says which cap would be passed. It matches ErrBudgetExceeded.
type BudgetError struct {
	Scope     string  // "run" or "month"
	LimitUSD  float64 // the configured cap
	SpentUSD  float64 // already spent (plus in flight) in that scope
	NeededUSD float64 // projected cost of what was about to be sent
}

// Error is written for the operator: which cap, how far along, what to do.
func (e *BudgetError) Error() string {
	return fmt.Sprintf("claude: budget exceeded: %s cap $%.4f, spent $%.4f, next call needs about $%.4f; raise the cap or wait",
		e.Scope, e.LimitUSD, e.SpentUSD, e.NeededUSD)
}

// Is makes a *BudgetError match ErrBudgetExceeded.
func (e *BudgetError) Is(target error) bool { return target == ErrBudgetExceeded }

// BatchItemError is the outcome of one batch entry that did not succeed.
type BatchItemError struct {
	BatchID  string
	CustomID string
	Kind     string // "errored", "expired", "canceled" or "missing" (absent from the results file)
	Type     string // for "errored": error.type from the API
	Message  string // for "errored": error.message from the API
}

// Error names the batch and entry so support can find them.
func (e *BatchItemError) Error() string {
	msg := fmt.Sprintf("claude: batch %s entry %s %s", e.BatchID, e.CustomID, e.Kind)
	if e.Type != "" {
		msg += ": " + e.Type
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// Retryable reports whether sending the same request again (in a later batch
// or directly) may succeed: everything except an invalid request.
func (e *BatchItemError) Retryable() bool {
	return !(e.Kind == "errored" && (e.Type == "invalid_request_error" || e.Type == "authentication_error" || e.Type == "permission_error" || e.Type == "not_found_error"))
}

// Is makes an errored entry with authentication_error match ErrUnauthorized.
func (e *BatchItemError) Is(target error) bool {
	return target == ErrUnauthorized && e.Type == "authentication_error"
}

func retryableStatus(code int) bool {
	switch {
	case code == 408, code == 409, code == 429:
		return true
	case code >= 500:
		return true
	}
	return false
}
