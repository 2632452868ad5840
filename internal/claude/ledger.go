package claude

import (
	"context"
	"sync"
	"time"
)

// IdempotencyKey names one paid description: the same bytes described by the
// same model with the same prompt version never need describing again.
type IdempotencyKey struct {
	ContentSHA256 string // hex SHA-256 of the image bytes as read (the analysis rendition)
	Model         string // the model id sent, e.g. "claude-haiku-4-5-20251001"
	PromptVersion string // PromptVersion at the time of the call
}

// String is "sha256/model/prompt-version", for logs and custom_ids.
func (k IdempotencyKey) String() string {
	return k.ContentSHA256 + "/" + k.Model + "/" + k.PromptVersion
}

// PendingBatch is a submitted Message Batch whose results have not been
// recorded yet. It is saved right after submission, before the first poll.
type PendingBatch struct {
	ID          string // "msgbatch_…", or "submitting-…" for a write-ahead placeholder
	UserID      string // who pays for it
	SubmittedAt time.Time
	Items       []PendingItem // one per request in the batch
}

// PendingItem maps a batch entry's custom_id back to what it describes.
type PendingItem struct {
	CustomID string
	Key      IdempotencyKey
	Attempt  int // 1 for the first try, 2 for the retry of a malformed answer
	// SpentUSD is what earlier attempts for this key already cost (a
	// malformed first answer), so the final Result carries the full cost.
	SpentUSD float64
	Usage    Usage // the usage behind SpentUSD
}

// Ledger is what the describer needs persisted. The store implements it; it
// must be safe for concurrent use. Every method is scoped as documented; none
// may return (zero, nil) for "not found" except Lookup's explicit bool.
type Ledger interface {
	// Lookup returns the result recorded for key and true, or (Result{},
	// false, nil) when nothing is recorded. Results are shared across users
	// and sources: the key is the content, not the owner. An error means the
	// ledger could not be read; the describer then makes no call.
	Lookup(ctx context.Context, key IdempotencyKey) (Result, bool, error)

	// Record stores r under key, replacing any earlier result for key, and
	// adds r.CostUSD to r.UserID's spend at r.CreatedAt. It is called exactly
	// once per paid answer, right after the answer arrives and before the
	// describer returns it; results read back by Lookup are never recorded
	// again. It must be durable when it returns nil.
	Record(ctx context.Context, key IdempotencyKey, r Result) error

	// Charge adds usd to userID's spend at time at, with no result: money
	// paid for answers that could not be used (a malformed answer that failed
	// its retry, a refusal). Durable when it returns nil.
	Charge(ctx context.Context, userID string, at time.Time, usd float64) error

	// Spent returns the dollars recorded for userID (Record's r.CostUSD plus
	// Charge) at or after since. The describer uses it with since = the first
	// instant of the current UTC month for the monthly cap.
	Spent(ctx context.Context, userID string, since time.Time) (float64, error)

	// SaveBatch durably stores b. It is called twice per batch: before
	// submission with a placeholder ID "submitting-…" (a write-ahead record
	// of the entries about to be paid for), and after submission with the
	// API's "msgbatch_…" ID, before the first poll; the placeholder is then
	// finished. A process killed at any point finds what it needs with
	// PendingBatches and resumes (or adopts) the same batch instead of
	// paying for a new one. Saving an ID that exists replaces it. Store
	// every field, Items in order.
	SaveBatch(ctx context.Context, b PendingBatch) error

	// PendingBatches returns userID's saved batches not yet finished, in the
	// order they were first saved (oldest first); empty, not an error, when
	// there are none.
	PendingBatches(ctx context.Context, userID string) ([]PendingBatch, error)

	// FinishBatch marks batch id as done: its results are recorded (or its
	// failures reported) and it is no longer returned by PendingBatches.
	// Finishing an unknown or finished id is not an error.
	FinishBatch(ctx context.Context, id string) error
}

// MemLedger is an in-memory Ledger for tests and one-off runs: nothing
// survives the process. The zero value is not usable; call NewMemLedger.
type MemLedger struct {
	mu      sync.Mutex
	results map[IdempotencyKey]Result
	spend   []spendRow
	batches map[string]PendingBatch
	order   []string // batch ids in save order
}

type spendRow struct {
	userID string
	at     time.Time
	usd    float64
}

// NewMemLedger returns an empty in-memory ledger.
func NewMemLedger() *MemLedger {
	return &MemLedger{results: map[IdempotencyKey]Result{}, batches: map[string]PendingBatch{}}
}

// Lookup implements Ledger.
func (m *MemLedger) Lookup(ctx context.Context, key IdempotencyKey) (Result, bool, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.results[key]
	return r, ok, nil
}

// Record implements Ledger.
func (m *MemLedger) Record(ctx context.Context, key IdempotencyKey, r Result) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.results[key] = r
	m.spend = append(m.spend, spendRow{r.UserID, r.CreatedAt, r.CostUSD})
	return nil
}

// Charge implements Ledger.
func (m *MemLedger) Charge(ctx context.Context, userID string, at time.Time, usd float64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.spend = append(m.spend, spendRow{userID, at, usd})
	return nil
}

// Spent implements Ledger.
func (m *MemLedger) Spent(ctx context.Context, userID string, since time.Time) (float64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var sum float64
	for _, s := range m.spend {
		if s.userID == userID && !s.at.Before(since) {
			sum += s.usd
		}
	}
	return sum, nil
}

// SaveBatch implements Ledger.
func (m *MemLedger) SaveBatch(ctx context.Context, b PendingBatch) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.batches[b.ID]; !ok {
		m.order = append(m.order, b.ID)
	}
	b.Items = append([]PendingItem(nil), b.Items...)
	m.batches[b.ID] = b
	return nil
}

// PendingBatches implements Ledger.
func (m *MemLedger) PendingBatches(ctx context.Context, userID string) ([]PendingBatch, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []PendingBatch
	for _, id := range m.order {
		if b, ok := m.batches[id]; ok && b.UserID == userID {
			out = append(out, b)
		}
	}
	return out, nil
}

// FinishBatch implements Ledger.
func (m *MemLedger) FinishBatch(ctx context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.batches, id)
	return nil
}

// Len returns the number of recorded results (for tests).
func (m *MemLedger) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.results)
}
