package claude

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/anthropics/anthropic-sdk-go"
)

// maxBatchBytes keeps a batch body well under the API's 256 MB limit and
// bounds the memory one submission needs.
const maxBatchBytes = 100 << 20

// DescribeAll describes reqs in mode, resolving ModeAuto with SelectMode and
// the configured BatchThreshold.
func (d *Describer) DescribeAll(ctx context.Context, reqs []Request, mode Mode) []Outcome {
	if SelectMode(len(reqs), d.cfg.BatchThreshold, mode) == ModeBatch {
		return d.DescribeBatch(ctx, reqs)
	}
	return d.DescribeMany(ctx, reqs)
}

// batchItem is one distinct key to describe in a batch.
type batchItem struct {
	key     IdempotencyKey
	req     Request
	idx     []int // positions in the caller's slice
	attempt int
	prior   Usage // paid by earlier malformed attempts
	release func(float64)
}

func customID(k IdempotencyKey, attempt int) string {
	sum := sha256.Sum256([]byte(k.String()))
	return "r" + hex.EncodeToString(sum[:20]) + "-" + strconv.Itoa(attempt)
}

// DescribeBatch describes reqs through the Message Batches API at half
// price. Before anything else it resumes batches a previous process
// submitted and did not finish (Ledger.PendingBatches), so a crash after
// submission never pays twice. Photos already in the ledger are not sent.
// Each batch's entries are saved to the ledger before it is paid for (a
// write-ahead placeholder) and its id before it is polled. A
// malformed answer is retried once in a follow-up batch. Entries that come
// back errored, expired or canceled get a *BatchItemError; they are not
// re-sent here (the caller's job queue decides, see BatchItemError.Retryable).
//
// It returns when every batch has ended or ctx ends; on ctx's end the
// batches stay pending in the ledger and the next call resumes them.
func (d *Describer) DescribeBatch(ctx context.Context, reqs []Request) []Outcome {
	out := make([]Outcome, len(reqs))
	for i := range out {
		out[i].Index = i
	}
	// Resolve keys and group requests by key.
	byKey := map[IdempotencyKey]*batchItem{}
	var order []*batchItem
	users := map[string]bool{}
	for i, r := range reqs {
		k, _, err := d.key(r)
		if err != nil {
			out[i].Err = err
			continue
		}
		users[r.UserID] = true
		if it, ok := byKey[k]; ok {
			it.idx = append(it.idx, i)
			continue
		}
		it := &batchItem{key: k, req: r, idx: []int{i}, attempt: 1}
		byKey[k] = it
		order = append(order, it)
	}
	set := func(it *batchItem, res Result, err error) {
		for n, i := range it.idx {
			out[i].Result, out[i].Err = res, err
			if n > 0 {
				out[i].Result.FromLedger = true
			}
		}
	}
	// Resume what earlier runs left pending; malformed answers found there
	// come back to us as attempt 2 for keys we hold.
	for u := range users {
		retry, err := d.resume(ctx, u)
		if err != nil {
			for _, it := range order {
				if it.req.UserID == u {
					set(it, Result{}, err)
				}
			}
			return out
		}
		for k, prior := range retry {
			if it, ok := byKey[k]; ok && it.req.UserID == u {
				it.attempt, it.prior = 2, prior
				continue
			}
			// Nobody here holds the photo to retry it: book what it cost.
			d.charge(ctx, u, k.Model, prior, true)
		}
	}
	// Ledger hits.
	var todo []*batchItem
	for _, it := range order {
		res, ok, err := d.ledger.Lookup(ctx, it.key)
		switch {
		case err != nil:
			set(it, Result{}, fmt.Errorf("claude: ledger lookup: %w", err))
		case ok:
			res.FromLedger = true
			set(it, res, nil)
		default:
			todo = append(todo, it)
		}
	}
	for round := 0; len(todo) > 0 && round < 2; round++ {
		todo = d.batchRound(ctx, todo, set)
	}
	for _, it := range todo { // left over only if a round could not run
		set(it, Result{}, errors.New("claude: batch: not described (retry rounds exhausted)"))
	}
	return out
}

// batchRound submits items (budget permitting), polls the batches to the end
// and records the results; it returns items whose answer was malformed on
// their first attempt, ready for one more round.
func (d *Describer) batchRound(ctx context.Context, items []*batchItem, set func(*batchItem, Result, error)) []*batchItem {
	byCustom := map[string]*batchItem{}
	var submitted []PendingBatch
	var chunk []*batchItem
	var chunkParams []anthropic.MessageBatchNewParamsRequest
	chunkBytes := 0
	flush := func() error {
		if len(chunk) == 0 {
			return nil
		}
		defer func() { chunk, chunkParams, chunkBytes = nil, nil, 0 }()
		pb := PendingBatch{UserID: chunk[0].req.UserID, SubmittedAt: d.cfg.Now()}
		for _, it := range chunk {
			pb.Items = append(pb.Items, PendingItem{CustomID: customID(it.key, it.attempt), Key: it.key, Attempt: it.attempt,
				Usage: it.prior, SpentUSD: d.priceOf(it.key.Model).Cost(it.prior, true)})
		}
		fail := func(err error) error {
			for _, it := range chunk {
				it.release(0)
				set(it, Result{}, err)
			}
			return err
		}
		// Write-ahead: a placeholder names the entries before we pay, so a
		// crash between the API's answer and saving the real id is found by
		// resume, which adopts the batch from the API's list (adopt).
		placeholder := pb
		placeholder.ID = submittingPrefix + pb.Items[0].CustomID
		if err := d.ledger.SaveBatch(ctx, placeholder); err != nil {
			return fail(fmt.Errorf("claude: ledger save batch: %w", err))
		}
		var b *anthropic.MessageBatch
		err := d.withRetry(ctx, "submit batch", func(ctx context.Context) error {
			var err error
			b, err = d.client.Messages.Batches.New(ctx, anthropic.MessageBatchNewParams{Requests: chunkParams})
			return err
		})
		if err != nil {
			var apiErr *APIError
			if errors.As(err, &apiErr) {
				// The API answered: nothing was created, drop the placeholder.
				// (After a lost connection it stays, and resume looks.)
				_ = d.ledger.FinishBatch(context.WithoutCancel(ctx), placeholder.ID)
			}
			return fail(err)
		}
		pb.ID = b.ID
		for i, it := range chunk {
			byCustom[pb.Items[i].CustomID] = it
		}
		// Saved even if ctx just ended: the batch exists and is paid for.
		if err := d.ledger.SaveBatch(context.WithoutCancel(ctx), pb); err != nil {
			d.log.ErrorContext(ctx, "claude: could not save submitted batch; resume will adopt it", "batch_id", b.ID, "err", err)
		} else if err := d.ledger.FinishBatch(context.WithoutCancel(ctx), placeholder.ID); err != nil {
			d.log.WarnContext(ctx, "claude: could not drop batch placeholder", "batch_id", b.ID, "err", err)
		}
		d.log.InfoContext(ctx, "claude: batch submitted", "batch_id", b.ID, "requests", len(chunk), "user_id", pb.UserID)
		submitted = append(submitted, pb)
		return nil
	}
	failRest := func(rest []*batchItem, err error) {
		for _, it := range rest {
			set(it, Result{}, err)
		}
	}
	monthly := map[string]*float64{} // month-to-date spend, read once per user
	// Images are decoded and scaled MaxConcurrency at a time, a window ahead.
	window := 8 * d.cfg.MaxConcurrency
	var preps []prepResult
	for n, it := range items {
		if ctx.Err() != nil {
			failRest(items[n:], fmt.Errorf("claude: batch: %w", ctx.Err()))
			break
		}
		// A batch is billed to one user: start a new chunk when it changes.
		if len(chunk) > 0 && (chunk[0].req.UserID != it.req.UserID || len(chunk) >= d.cfg.MaxBatchSize || chunkBytes >= maxBatchBytes) {
			if err := flush(); err != nil {
				failRest(items[n:], err)
				break
			}
		}
		if n%window == 0 {
			preps = d.prepareAll(items[n:min(n+window, len(items))])
		}
		p, err := preps[n%window].p, preps[n%window].err
		if err != nil {
			set(it, Result{}, err)
			continue
		}
		ms, ok := monthly[it.req.UserID]
		if !ok && d.cfg.MonthlyBudgetUSD > 0 {
			v, err := d.monthSpent(ctx, it.req.UserID)
			if err != nil {
				set(it, Result{}, err)
				continue
			}
			ms = &v
			monthly[it.req.UserID] = ms
		}
		release, err := d.reserveWith(ctx, it.req.UserID, d.reservation(it.key.Model, p.Width, p.Height, true), ms)
		if err != nil {
			set(it, Result{}, err)
			continue
		}
		it.release = release
		chunk = append(chunk, it)
		chunkParams = append(chunkParams, anthropic.MessageBatchNewParamsRequest{
			CustomID: customID(it.key, it.attempt), Params: d.batchParams(p, it.key.Model)})
		chunkBytes += len(p.JPEG)*4/3 + 4096
	}
	if err := flush(); err != nil {
		d.log.ErrorContext(ctx, "claude: batch submit failed", "err", err)
	}
	var again []*batchItem
	for _, pb := range submitted {
		retry, err := d.collect(ctx, pb, func(id string, res Result, err error) {
			it := byCustom[id]
			if it == nil {
				return
			}
			if it.release != nil {
				price := d.priceOf(it.key.Model)
				it.release(max(0, price.Cost(res.Usage, true)-price.Cost(it.prior, true)))
				it.release = nil
			}
			if err != nil {
				res = Result{}
			}
			set(it, res, err)
		}, false)
		for id, prior := range retry {
			if it := byCustom[id]; it != nil {
				if it.release != nil {
					price := d.priceOf(it.key.Model)
					it.release(max(0, price.Cost(prior, true)-price.Cost(it.prior, true)))
					it.release = nil
				}
				it.attempt, it.prior = 2, prior
				again = append(again, it)
			}
		}
		if err != nil {
			for _, it := range pb.Items {
				if x := byCustom[it.CustomID]; x != nil && x.release != nil {
					x.release(0)
					x.release = nil
					set(x, Result{}, err)
				}
			}
		}
	}
	return again
}

type prepResult struct {
	p   prepared
	err error
}

// prepareAll prepares the images of items, MaxConcurrency at a time.
func (d *Describer) prepareAll(items []*batchItem) []prepResult {
	out := make([]prepResult, len(items))
	sem := make(chan struct{}, d.cfg.MaxConcurrency)
	var wg sync.WaitGroup
	for i, it := range items {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			out[i].p, out[i].err = d.prepare(it.req, nil)
		}()
	}
	wg.Wait()
	return out
}

// resume collects userID's pending batches. It returns, per key, the usage
// of first attempts that came back malformed (their retry is up to the
// caller holding the photo).
func (d *Describer) resume(ctx context.Context, userID string) (map[IdempotencyKey]Usage, error) {
	pending, err := d.ledger.PendingBatches(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("claude: ledger pending batches: %w", err)
	}
	retry := map[IdempotencyKey]Usage{}
	known := map[string]bool{}
	for _, pb := range pending {
		known[pb.ID] = true
	}
	for _, pb := range pending {
		if strings.HasPrefix(pb.ID, submittingPrefix) {
			r, err := d.adopt(ctx, pb, known)
			if err != nil {
				return nil, err
			}
			for k, u := range r {
				retry[k] = u
			}
			continue
		}
		d.log.InfoContext(ctx, "claude: resuming batch", "batch_id", pb.ID, "requests", len(pb.Items))
		keys := map[string]IdempotencyKey{}
		for _, it := range pb.Items {
			keys[it.CustomID] = it.Key
		}
		r, err := d.collect(ctx, pb, func(string, Result, error) {}, false)
		var apiErr *APIError
		if errors.As(err, &apiErr) && apiErr.StatusCode == 404 {
			// Deleted, or its results are past the 29-day retention: nothing
			// to collect; its photos are simply described again.
			d.log.WarnContext(ctx, "claude: pending batch is gone; dropping it", "batch_id", pb.ID)
			if err := d.ledger.FinishBatch(ctx, pb.ID); err != nil {
				return nil, fmt.Errorf("claude: ledger finish batch: %w", err)
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		for id, u := range r {
			retry[keys[id]] = u
		}
	}
	return retry, nil
}

// submittingPrefix marks a write-ahead placeholder: a batch that was being
// submitted when the process stopped, whose API id is not known.
const submittingPrefix = "submitting-"

// adopt resolves a placeholder. Batches the API lists as created since
// shortly before the placeholder, and that the ledger does not know, are
// collected with the placeholder's entries: results whose custom_id is one of
// ours are recorded, the rest are ignored. Then the placeholder is dropped.
// Entries found in no batch were never submitted; their photos are simply
// described again.
func (d *Describer) adopt(ctx context.Context, ph PendingBatch, known map[string]bool) (map[IdempotencyKey]Usage, error) {
	since := ph.SubmittedAt.Add(-10 * time.Minute) // clock skew allowance
	var candidates []string
	err := d.withRetry(ctx, "list batches", func(ctx context.Context) error {
		candidates = candidates[:0]
		iter := d.client.Messages.Batches.ListAutoPaging(ctx, anthropic.MessageBatchListParams{Limit: anthropic.Int(100)})
		for iter.Next() {
			b := iter.Current()
			if b.CreatedAt.Before(since) {
				break // newest first: the rest are older
			}
			if !known[b.ID] {
				candidates = append(candidates, b.ID)
			}
		}
		return iter.Err()
	})
	if err != nil {
		return nil, err
	}
	keys := map[string]IdempotencyKey{}
	for _, it := range ph.Items {
		keys[it.CustomID] = it.Key
	}
	retry := map[IdempotencyKey]Usage{}
	for _, id := range candidates {
		d.log.InfoContext(ctx, "claude: adopting batch submitted before a crash", "batch_id", id, "placeholder", ph.ID)
		pb := ph
		pb.ID = id
		r, err := d.collect(ctx, pb, func(string, Result, error) {}, true)
		if err != nil {
			return nil, err
		}
		for cid, u := range r {
			retry[keys[cid]] = u
		}
	}
	if err := d.ledger.FinishBatch(ctx, ph.ID); err != nil {
		return nil, fmt.Errorf("claude: ledger finish batch: %w", err)
	}
	return retry, nil
}

// collect polls batch pb until it ends, reads its results, records each
// good answer in the ledger and reports every entry through done. Malformed
// first attempts are returned (custom_id → usage so far) for a retry;
// malformed second attempts fail with *MalformedError. The batch is marked
// finished in the ledger once every entry is accounted for.
//
// When adopting, pb may not be ours: entries whose key is already recorded
// are skipped (never recorded twice) and absent entries are not reported.
func (d *Describer) collect(ctx context.Context, pb PendingBatch, done func(customID string, r Result, err error), adopting bool) (map[string]Usage, error) {
	wait := d.cfg.BatchPollInitial
	var b *anthropic.MessageBatch
	for {
		err := d.withRetry(ctx, "poll batch", func(ctx context.Context) error {
			var err error
			b, err = d.client.Messages.Batches.Get(ctx, pb.ID, anthropic.MessageBatchGetParams{})
			return err
		})
		if err != nil {
			return nil, err
		}
		if b.ProcessingStatus == anthropic.MessageBatchProcessingStatusEnded {
			break
		}
		d.log.DebugContext(ctx, "claude: batch in progress", "batch_id", pb.ID, "processing", b.RequestCounts.Processing, "wait", wait.String())
		if err := d.sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("claude: poll batch %s: %w", pb.ID, err)
		}
		wait = min(wait*3/2, d.cfg.BatchPollMax)
	}
	items := map[string]PendingItem{}
	for _, it := range pb.Items {
		items[it.CustomID] = it
	}
	seen := map[string]bool{}
	retry := map[string]Usage{}
	err := d.withRetry(ctx, "batch results", func(ctx context.Context) error {
		stream := d.client.Messages.Batches.ResultsStreaming(ctx, pb.ID, anthropic.MessageBatchResultsParams{})
		defer stream.Close()
		for stream.Next() {
			line := stream.Current()
			it, ok := items[line.CustomID]
			if !ok || seen[line.CustomID] {
				continue
			}
			seen[line.CustomID] = true
			if adopting {
				if _, ok, err := d.ledger.Lookup(ctx, it.Key); err != nil || ok {
					continue
				}
			}
			res, err, again := d.entry(ctx, pb, it, line.Result)
			if again {
				retry[line.CustomID] = res.Usage
				continue
			}
			done(line.CustomID, res, err)
		}
		return stream.Err()
	})
	if err != nil {
		return nil, err
	}
	// The SDK's JSONL reader stops silently on a line ≥ 64 KiB: count.
	for id := range items {
		if !seen[id] && !adopting {
			done(id, Result{}, &BatchItemError{BatchID: pb.ID, CustomID: id, Kind: "missing"})
		}
	}
	if int64(len(seen)) != b.RequestCounts.Succeeded+b.RequestCounts.Errored+b.RequestCounts.Canceled+b.RequestCounts.Expired {
		d.log.WarnContext(ctx, "claude: batch results and request_counts disagree", "batch_id", pb.ID, "read", len(seen))
	}
	if err := d.ledger.FinishBatch(context.WithoutCancel(ctx), pb.ID); err != nil {
		return retry, fmt.Errorf("claude: ledger finish batch: %w", err)
	}
	d.log.InfoContext(ctx, "claude: batch collected", "batch_id", pb.ID,
		"succeeded", b.RequestCounts.Succeeded, "errored", b.RequestCounts.Errored,
		"expired", b.RequestCounts.Expired, "canceled", b.RequestCounts.Canceled)
	return retry, nil
}

// entry turns one results line into a recorded Result or an error. again
// reports a malformed first attempt (res.Usage then holds the usage so far).
func (d *Describer) entry(ctx context.Context, pb PendingBatch, it PendingItem, r anthropic.MessageBatchResultUnion) (res Result, err error, again bool) {
	switch v := r.AsAny().(type) {
	case anthropic.MessageBatchSucceededResult:
		total := it.Usage.Add(usageOf(v.Message.Usage))
		desc, why, refused := answer(&v.Message, d.cfg.Output)
		switch {
		case refused:
			d.charge(ctx, pb.UserID, it.Key.Model, total, true)
			return Result{Usage: total}, fmt.Errorf("claude: describe %s: %w", it.Key.ContentSHA256, ErrRefused), false
		case why != "" && it.Attempt < 2:
			d.log.WarnContext(ctx, "claude: malformed answer", "content_sha256", it.Key.ContentSHA256, "attempt", it.Attempt, "reason", why)
			return Result{Usage: total}, nil, true
		case why != "":
			d.charge(ctx, pb.UserID, it.Key.Model, total, true)
			return Result{Usage: total}, fmt.Errorf("claude: describe %s: %w", it.Key.ContentSHA256, &MalformedError{Reason: why, Attempts: it.Attempt}), false
		}
		res = Result{
			Description: desc, Key: it.Key, UserID: pb.UserID, Mode: ModeBatch, BatchID: pb.ID,
			Usage: total, CostUSD: d.priceOf(it.Key.Model).Cost(total, true), Attempts: it.Attempt, CreatedAt: d.cfg.Now(),
		}
		if err := d.ledger.Record(context.WithoutCancel(ctx), it.Key, res); err != nil {
			return Result{}, fmt.Errorf("claude: ledger record: %w", err), false
		}
		return res, nil, false
	case anthropic.MessageBatchErroredResult:
		if it.Usage != (Usage{}) {
			d.charge(ctx, pb.UserID, it.Key.Model, it.Usage, true)
		}
		return Result{}, &BatchItemError{BatchID: pb.ID, CustomID: it.CustomID, Kind: "errored",
			Type: v.Error.Error.Type, Message: v.Error.Error.Message}, false
	case anthropic.MessageBatchCanceledResult:
		return Result{}, &BatchItemError{BatchID: pb.ID, CustomID: it.CustomID, Kind: "canceled"}, false
	case anthropic.MessageBatchExpiredResult:
		return Result{}, &BatchItemError{BatchID: pb.ID, CustomID: it.CustomID, Kind: "expired"}, false
	}
	return Result{}, &BatchItemError{BatchID: pb.ID, CustomID: it.CustomID, Kind: "errored", Message: "unknown result type " + r.Type}, false
}
