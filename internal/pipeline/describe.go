package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/targetvision/targetvision/internal/blob"
	"github.com/targetvision/targetvision/internal/claude"
	"github.com/targetvision/targetvision/internal/jobs"
	"github.com/targetvision/targetvision/internal/store"
)

// Describer is the part of claude.Describer the pipeline uses.
type Describer interface {
	Describe(ctx context.Context, r claude.Request) (claude.Result, error)
	DescribeAll(ctx context.Context, reqs []claude.Request, mode claude.Mode) []claude.Outcome
	EstimateFor(model string, n int, mode claude.Mode) float64
}

// Defaults are the deployment's settings (Options.Defaults).
func (p *Pipeline) Defaults() store.UserSettings { return p.opts.Defaults }

// Settings returns the user's settings in effect: their own where they
// chose, else the deployment's (Options.Defaults), with the budget held to
// the deployment's ceiling. A model the product does not know (saved
// before models were checked) gives way to the deployment's, so what the
// API shows is what describes the user's photos. The pipeline reads them
// afresh for each description, so a change applies to the next one.
func (p *Pipeline) Settings(ctx context.Context, userID int64) (store.UserSettings, error) {
	own, err := p.db.UserSettings(ctx, userID)
	if err != nil {
		return store.UserSettings{}, err
	}
	st := own.Resolve(p.opts.Defaults)
	if _, known := claude.PriceFor(st.ClaudeModel); !known && st.ClaudeModel != p.opts.Defaults.ClaudeModel {
		p.log.WarnContext(ctx, "a user's Claude model is not one the product knows; using the deployment's",
			"user_id", userID, "model", st.ClaudeModel, "instead", p.opts.Defaults.ClaudeModel)
		st.ClaudeModel = p.opts.Defaults.ClaudeModel
	}
	return st, nil
}

// handleDescribe has Claude describe a processed photo. The ledger makes it
// idempotent: a result already paid for (this photo, a copy of it in another
// source, or an attempt that died after the answer arrived) is reused.
func (p *Pipeline) handleDescribe(ctx context.Context, j store.Job, ph store.Photo) error {
	if ph.RenditionPath == "" {
		return jobs.Permanent(fmt.Errorf("pipeline: photo %d has no rendition to describe", ph.ID))
	}
	st, err := p.Settings(ctx, j.UserID)
	if err != nil {
		return err
	}
	if over, err := p.overBudget(ctx, j.UserID, st.MonthlyBudgetUSD, p.opts.Describer.EstimateFor(st.ClaudeModel, 1, claude.ModeDirect)); err != nil {
		return err
	} else if over != nil {
		return jobs.Snooze(over, time.Hour)
	}
	work, err := p.workDir()
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	req, err := p.describeRequest(ctx, j.UserID, st.ClaudeModel, ph, work)
	if err != nil {
		return err
	}
	res, err := p.opts.Describer.Describe(ctx, req)
	if err := describeError(err); err != nil {
		return err
	}
	return p.saveDescription(ctx, j.UserID, ph, res)
}

// overBudget returns a "budget exceeded" error when spending projected more
// this month would take the user past budget, their monthly budget in
// effect (≤ 0: no cap).
func (p *Pipeline) overBudget(ctx context.Context, userID int64, budget, projected float64) (exceeded, err error) {
	if budget <= 0 {
		return nil, nil
	}
	now := time.Now().UTC()
	spent, err := p.db.LedgerSpent(ctx, strconv.FormatInt(userID, 10), time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		return nil, err
	}
	if spent+projected > budget {
		return fmt.Errorf("%w: $%.2f of the $%.2f monthly budget spent; describing waits for next month or a higher budget in Settings",
			claude.ErrBudgetExceeded, spent, budget), nil
	}
	return nil, nil
}

// describeRequest asks for a description of the photo's rendition with
// the user's model, the rendition copied into work when the blob store is
// not a local directory.
func (p *Pipeline) describeRequest(ctx context.Context, userID int64, model string, ph store.Photo, work string) (claude.Request, error) {
	file, err := p.localBlob(ctx, ph.RenditionPath, work)
	if errors.Is(err, blob.ErrNotFound) {
		return claude.Request{}, jobs.Permanent(fmt.Errorf("pipeline: describe photo %d: %w", ph.ID, err))
	}
	if err != nil {
		return claude.Request{}, fmt.Errorf("pipeline: describe photo %d: %w", ph.ID, err)
	}
	return claude.Request{
		UserID:        strconv.FormatInt(userID, 10),
		Model:         model,
		Path:          file,
		ContentSHA256: ph.ContentHash,
	}, nil
}

// describeError says what a failed description means for its job.
func describeError(err error) error {
	var item *claude.BatchItemError
	switch {
	case errors.Is(err, claude.ErrBudgetExceeded):
		// Not the photo's fault: wait for the next month or a raised budget.
		return jobs.Snooze(err, time.Hour)
	case errors.Is(err, claude.ErrUnauthorized):
		return jobs.Snooze(err, 30*time.Minute)
	case errors.Is(err, claude.ErrMalformed), errors.Is(err, claude.ErrRefused):
		return jobs.Permanent(err)
	case errors.As(err, &item) && !item.Retryable():
		return jobs.Permanent(err)
	}
	return err
}

// saveDescription stores Claude's answer as the photo's AI metadata (the
// full-text index picks it up at once) and queues write-back if opted in.
func (p *Pipeline) saveDescription(ctx context.Context, userID int64, ph store.Photo, res claude.Result) error {
	cost := res.CostUSD
	if res.FromLedger {
		cost = 0 // paid once already, by this or another photo with the same bytes
	}
	err := p.db.SaveAIMetadata(ctx, store.AIMetadata{
		PhotoID: ph.ID, UserID: userID, Model: res.Key.Model, PromptVersion: res.Key.PromptVersion,
		Description: res.Description.Description, Keywords: res.Keywords, Objects: res.Objects, Scene: res.Scene,
		TextInImage: res.TextInImage, PeopleCount: res.PeopleCount, Colors: res.Colors,
		InputTokens:  int(res.Usage.InputTokens + res.Usage.CacheCreationInputTokens + res.Usage.CacheReadInputTokens),
		OutputTokens: int(res.Usage.OutputTokens), CostUSD: cost,
	})
	if err != nil {
		return err
	}
	return p.maybeWriteBack(ctx, userID, ph)
}

// maybeWriteBack queues a write-back when the photo's source opted in.
func (p *Pipeline) maybeWriteBack(ctx context.Context, userID int64, ph store.Photo) error {
	src, err := p.db.Source(ctx, userID, ph.SourceID)
	if err != nil {
		return err
	}
	wb, ok := p.opts.Remote[src.Kind].(WriteBacker)
	if !ok || !wb.WantsWriteBack(src) {
		return nil
	}
	return p.enqueuePhoto(ctx, userID, ph.ID, KindWriteBack, 0)
}

// handleWriteBack pushes a described photo's keywords and caption to its source.
func (p *Pipeline) handleWriteBack(ctx context.Context, j store.Job, ph store.Photo) error {
	src, err := p.db.Source(ctx, j.UserID, ph.SourceID)
	if err != nil {
		return err
	}
	wb, ok := p.opts.Remote[src.Kind].(WriteBacker)
	if !ok || !wb.WantsWriteBack(src) {
		return nil // turned off since the job was queued
	}
	m, err := p.db.AIMetadata(ctx, j.UserID, ph.ID)
	if errors.Is(err, store.ErrNotFound) {
		return jobs.Permanent(fmt.Errorf("pipeline: photo %d has no description to write back", ph.ID))
	}
	if err != nil {
		return err
	}
	return wb.WriteBackPhoto(ctx, src, ph.ID, m.Keywords, m.Description)
}

// DescribeQueued describes up to limit ready describe jobs together:
// through the Message Batches API at half price when there are enough of
// them (mode auto) or when asked (mode batch), else with direct calls. The
// runner claims the jobs, keeps their leases and settles each outcome as
// it settles any job's; if ctx ends first they go back to the queue, and a
// submitted batch stays in the ledger, so the next run resumes polling it
// instead of paying again. It returns how many photos were described.
func (p *Pipeline) DescribeQueued(ctx context.Context, r *jobs.Runner, mode claude.Mode, limit int) (int, error) {
	if p.opts.Describer == nil {
		return 0, nil
	}
	work, err := p.workDir()
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(work)
	described := 0
	_, err = r.RunBatch(ctx, KindDescribe, limit, func(ctx context.Context, js []store.Job) []error {
		outcomes := make([]error, len(js))
		var reqs []claude.Request
		var todo []int // index into js of each request
		var photos []store.Photo
		projected := map[int64]float64{}
		settings := map[int64]store.UserSettings{} // read once per user per run
		for i, j := range js {
			ph, err := p.db.Photo(ctx, j.UserID, j.PhotoID)
			switch {
			case errors.Is(err, store.ErrNotFound):
				continue // deleted since: nothing to describe, the job is done
			case err != nil:
				outcomes[i] = err
				continue
			case ph.RenditionPath == "":
				outcomes[i] = jobs.Permanent(fmt.Errorf("pipeline: photo %d has no rendition to describe", ph.ID))
				continue
			}
			st, ok := settings[j.UserID]
			if !ok {
				if st, err = p.Settings(ctx, j.UserID); err != nil {
					outcomes[i] = err
					continue
				}
				settings[j.UserID] = st
			}
			projected[j.UserID] += p.opts.Describer.EstimateFor(st.ClaudeModel, len(js), mode) / float64(len(js))
			over, err := p.overBudget(ctx, j.UserID, st.MonthlyBudgetUSD, projected[j.UserID])
			if err != nil {
				outcomes[i] = err
				continue
			}
			if over != nil {
				outcomes[i] = jobs.Snooze(over, time.Hour)
				continue
			}
			req, err := p.describeRequest(ctx, j.UserID, st.ClaudeModel, ph, work)
			if err != nil {
				outcomes[i] = err
				continue
			}
			reqs, todo, photos = append(reqs, req), append(todo, i), append(photos, ph)
		}
		for _, o := range p.opts.Describer.DescribeAll(ctx, reqs, mode) {
			i := todo[o.Index]
			err := describeError(o.Err)
			if err == nil {
				err = p.saveDescription(ctx, js[i].UserID, photos[o.Index], o.Result)
			}
			if err == nil {
				described++
			}
			outcomes[i] = err
		}
		return outcomes
	})
	return described, err
}

// Ledger implements claude.Ledger on the store, so results, spend and
// submitted batches survive restarts.
type Ledger struct{ DB *store.DB }

var _ claude.Ledger = Ledger{}

// Lookup implements claude.Ledger.
func (l Ledger) Lookup(ctx context.Context, key claude.IdempotencyKey) (claude.Result, bool, error) {
	raw, ok, err := l.DB.LedgerLookup(ctx, key.String())
	if err != nil || !ok {
		return claude.Result{}, false, err
	}
	var r claude.Result
	if err := json.Unmarshal(raw, &r); err != nil {
		return claude.Result{}, false, fmt.Errorf("pipeline: ledger entry %s: %w", key, err)
	}
	return r, true, nil
}

// Record implements claude.Ledger.
func (l Ledger) Record(ctx context.Context, key claude.IdempotencyKey, r claude.Result) error {
	raw, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("pipeline: ledger: %w", err)
	}
	return l.DB.LedgerRecord(ctx, key.String(), raw, r.UserID, r.CreatedAt, r.CostUSD)
}

// Charge implements claude.Ledger.
func (l Ledger) Charge(ctx context.Context, userID string, at time.Time, usd float64) error {
	return l.DB.LedgerCharge(ctx, userID, at, usd)
}

// Spent implements claude.Ledger.
func (l Ledger) Spent(ctx context.Context, userID string, since time.Time) (float64, error) {
	return l.DB.LedgerSpent(ctx, userID, since)
}

// SaveBatch implements claude.Ledger.
func (l Ledger) SaveBatch(ctx context.Context, b claude.PendingBatch) error {
	raw, err := json.Marshal(b)
	if err != nil {
		return fmt.Errorf("pipeline: ledger: %w", err)
	}
	return l.DB.LedgerSaveBatch(ctx, b.ID, b.UserID, b.SubmittedAt, raw)
}

// PendingBatches implements claude.Ledger.
func (l Ledger) PendingBatches(ctx context.Context, userID string) ([]claude.PendingBatch, error) {
	raws, err := l.DB.LedgerPendingBatches(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := make([]claude.PendingBatch, 0, len(raws))
	for _, raw := range raws {
		var b claude.PendingBatch
		if err := json.Unmarshal(raw, &b); err != nil {
			return nil, fmt.Errorf("pipeline: ledger batch: %w", err)
		}
		out = append(out, b)
	}
	return out, nil
}

// FinishBatch implements claude.Ledger.
func (l Ledger) FinishBatch(ctx context.Context, id string) error {
	return l.DB.LedgerFinishBatch(ctx, id)
}
