package claude_test

import (
	"context"
	"errors"
	"image"
	"log/slog"
	"math"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/claude"
	"github.com/targetvision/targetvision/internal/claude/claudetest"

	"github.com/targetvision/targetvision/internal/testshared"
)

func TestDescribeRealCameraPhotos(t *testing.T) {
	t.Parallel()
	fake := claudetest.New(t, claudetest.Options{})
	d, _ := newDescriber(t, fake, nil)
	paths, err := filepath.Glob(filepath.Join(testshared.Path(t), "testdata", "photos", "camera", "*.jpg"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no camera photos: %v", err)
	}
	n := 0
	for _, p := range paths {
		before := fake.Stats().MessagesRequests
		res, err := d.Describe(t.Context(), claude.Request{UserID: "u1", Path: p})
		if filepath.Base(p) == "ultrahdr.jpg" {
			// Its scan data is truncated: a broken photo must fail before any call.
			if err == nil || !strings.Contains(err.Error(), "claude: decode image") || fake.Stats().MessagesRequests != before {
				t.Errorf("ultrahdr.jpg: err = %v, requests %d → %d", err, before, fake.Stats().MessagesRequests)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", filepath.Base(p), err)
		}
		sent := fake.Sent()[n]
		n++
		if max(sent.W, sent.H) > claude.DefaultImageLongEdge {
			t.Errorf("%s: sent %dx%d, long edge over %d", filepath.Base(p), sent.W, sent.H, claude.DefaultImageLongEdge)
		}
		// The fake bills by 28-px patches, our estimate by w·h/750 (the
		// spec's two rules): they must agree closely, never exactly.
		if ours := claude.ImageTokens(sent.W, sent.H); abs(sent.Tokens-ours) > max(4, ours/10) {
			t.Errorf("%s: fake billed %d image tokens, our formula says %d", filepath.Base(p), sent.Tokens, ours)
		}
		// The answer belongs to the image that was sent.
		if tok := "img" + sent.SHA256[:8]; !has(res.Keywords, tok) {
			t.Errorf("%s: keywords %v lack %s", filepath.Base(p), res.Keywords, tok)
		}
		// Normalisation: the fake sends "Golden Hour", "photo" and "Photo".
		if !has(res.Keywords, "golden hour") || strings.Count(strings.Join(res.Keywords, "|"), "photo") != 1 {
			t.Errorf("%s: keywords not normalised: %v", filepath.Base(p), res.Keywords)
		}
		if n := len(res.Keywords); n < claude.MinKeywords || n > claude.MaxKeywords {
			t.Errorf("%s: %d keywords", filepath.Base(p), n)
		}
		if res.Key.Model != claude.DefaultModel || res.Key.PromptVersion != claude.PromptVersion {
			t.Errorf("%s: key %+v", filepath.Base(p), res.Key)
		}
		if res.Mode != claude.ModeDirect || res.Attempts != 1 || res.CostUSD <= 0 || res.Usage.InputTokens <= int64(sent.Tokens) {
			t.Errorf("%s: accounting %+v", filepath.Base(p), res)
		}
	}
	// A large photo is scaled to exactly the long edge, aspect kept.
	for _, s := range fake.Sent() {
		if s.W == claude.DefaultImageLongEdge || s.H == claude.DefaultImageLongEdge {
			return
		}
	}
	t.Error("no photo was scaled to the long edge; the test set should contain large photos")
}

// 50 photos in direct mode, killed mid-run, resumed by a new Describer on
// the same ledger: every photo is paid for exactly once.
func TestDescribeMany50CrashAndResume(t *testing.T) {
	t.Parallel()
	fake := claudetest.New(t, claudetest.Options{})
	ledger := claude.NewMemLedger()
	paths := tinyPhotos(t, 50)
	reqs := requests("u1", paths)

	const before = 20
	fake.HoldAfter(before) // request 21 onwards hangs, like a dying process
	d1, _ := newDescriber(t, fake, func(c *claude.Config) { c.Ledger = ledger; c.MaxConcurrency = 4 })
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan []claude.Outcome)
	go func() { done <- d1.DescribeMany(ctx, reqs) }()
	// Crash when every worker hangs on a held request: nothing is in transit.
	waitUntil(t, "every worker to hang on a held request", func() bool { return fake.Held() >= 4 && ledger.Len() >= before })
	cancel() // the crash
	first := <-done
	var ok, failed int
	for _, o := range first {
		if o.Err == nil {
			ok++
		} else if errors.Is(o.Err, context.Canceled) {
			failed++
		} else {
			t.Errorf("photo %d: unexpected error %v", o.Index, o.Err)
		}
	}
	if ok != before || failed != 50-before {
		t.Fatalf("first run: %d ok, %d canceled; want %d and %d", ok, failed, before, 50-before)
	}

	waitUntil(t, "no request in flight", func() bool { return fake.InFlight() == 0 })
	if a := fake.Stats().Answered; a != before {
		t.Fatalf("first run: fake answered %d, want %d", a, before)
	}
	fake.HoldAfter(-1)
	d2, _ := newDescriber(t, fake, func(c *claude.Config) { c.Ledger = ledger })
	second := d2.DescribeMany(t.Context(), reqs)
	fromLedger := 0
	var paid float64
	for i, o := range second {
		if o.Err != nil {
			t.Fatalf("photo %d: %v", i, o.Err)
		}
		if !has(o.Result.Keywords, toneOf(i)) {
			t.Errorf("photo %d got another photo's answer: %v", i, o.Result.Keywords)
		}
		if o.Result.FromLedger {
			fromLedger++
		} else {
			paid += o.Result.CostUSD
		}
	}
	if fromLedger != before {
		t.Errorf("%d results from the ledger, want %d", fromLedger, before)
	}
	st := fake.Stats()
	if st.Answered != 50 {
		t.Errorf("fake answered %d requests, want exactly 50", st.Answered)
	}
	per := fake.PerImage()
	if len(per) != 50 {
		t.Errorf("%d distinct images billed, want 50", len(per))
	}
	for h, n := range per {
		if n != 1 {
			t.Errorf("image %s billed %d times", h[:12], n)
		}
	}
	spent, err := ledger.Spent(t.Context(), "u1", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	want := fakeCost(st, mustPrice(t, claude.DefaultModel))
	if math.Abs(spent-want) > 1e-9 || cents(spent) != cents(want) {
		t.Errorf("ledger spent $%.6f, fake's usage × price = $%.6f", spent, want)
	}
	if math.Abs(d1.RunSpent()+d2.RunSpent()-want) > 1e-9 {
		t.Errorf("run totals $%.6f + $%.6f, want $%.6f", d1.RunSpent(), d2.RunSpent(), want)
	}
}

func mustPrice(t *testing.T, model string) claude.Price {
	t.Helper()
	p, ok := claude.PriceFor(model)
	if !ok {
		t.Fatalf("no price for %s", model)
	}
	return p
}

// Storms of 529 (no retry-after: exponential backoff with jitter) and 429
// (retry-after honoured exactly) are ridden out; final failures are typed.
func TestRetryStorms(t *testing.T) {
	t.Parallel()
	base := 100 * time.Millisecond
	tests := []struct {
		name      string
		fault     claudetest.Fault
		n         int
		retries   int
		wantErr   bool
		checkWait func(i int, w time.Duration) bool
	}{
		{"529 storm", claudetest.Fault{Status: 529}, 6, 8, false, func(i int, w time.Duration) bool {
			top := min(base<<i, time.Second)
			return w >= top/2 && w <= top
		}},
		{"429 storm with retry-after", claudetest.Fault{Status: 429, RetryAfter: "7"}, 5, 8, false,
			func(i int, w time.Duration) bool { return w == 7*time.Second }},
		{"429 with retry-after-ms", claudetest.Fault{Status: 429, RetryAfter: "9", RetryAfterMS: "1500"}, 2, 8, false,
			func(i int, w time.Duration) bool { return w == 1500*time.Millisecond }},
		{"retry-after capped", claudetest.Fault{Status: 429, RetryAfter: "3600"}, 1, 8, false,
			func(i int, w time.Duration) bool { return w == 5*time.Minute }},
		{"500s", claudetest.Fault{Status: 500}, 3, 8, false, nil},
		{"504s", claudetest.Fault{Status: 504}, 2, 8, false, nil},
		{"529 outlasts retries", claudetest.Fault{Status: 529}, 4, 3, true, nil},
		{"x-should-retry false stops", claudetest.Fault{Status: 529, ShouldRetry: "false"}, 1, 8, true, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake := claudetest.New(t, claudetest.Options{})
			fake.Fail(tc.n, tc.fault)
			d, sl := newDescriber(t, fake, func(c *claude.Config) {
				c.MaxRetries = tc.retries
				c.RetryBaseDelay = base
				c.RetryMaxDelay = time.Second
			})
			res, err := d.Describe(t.Context(), claude.Request{UserID: "u", Path: tinyPhotos(t, 1)[0]})
			st := fake.Stats()
			if tc.wantErr {
				var apiErr *claude.APIError
				if !errors.As(err, &apiErr) || apiErr.StatusCode != tc.fault.Status {
					t.Fatalf("err = %v, want *APIError %d", err, tc.fault.Status)
				}
				if want := min(tc.n, tc.retries+1); st.MessagesRequests != want || apiErr.Attempts != want {
					t.Errorf("%d requests, %d attempts; want %d", st.MessagesRequests, apiErr.Attempts, want)
				}
				if st.Answered != 0 || res.CostUSD != 0 {
					t.Errorf("answered %d", st.Answered)
				}
				return
			}
			if err != nil {
				t.Fatalf("storm not ridden out: %v", err)
			}
			if st.MessagesRequests != tc.n+1 || st.Answered != 1 {
				t.Errorf("%d requests / %d answered, want %d / 1", st.MessagesRequests, st.Answered, tc.n+1)
			}
			waits := sl.all()
			if len(waits) != tc.n {
				t.Fatalf("%d waits, want %d: %v", len(waits), tc.n, waits)
			}
			for i, w := range waits {
				if tc.checkWait != nil && !tc.checkWait(i, w) {
					t.Errorf("wait %d = %v", i, w)
				}
			}
			// The SDK's own retries are off: every attempt is a first attempt to it.
			for _, rc := range fake.RetryCounts() {
				if rc != "0" {
					t.Errorf("X-Stainless-Retry-Count %q: SDK retries should be off", rc)
				}
			}
		})
	}
}

// 4xx answers are final, typed, and never retried.
func TestClientErrorsAreNotRetried(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mod    func(*claude.Config)
		fault  *claudetest.Fault
		status int
		is     error
	}{
		{"401 wrong key", func(c *claude.Config) { c.APIKey = "sk-wrong" }, nil, 401, claude.ErrUnauthorized},
		{"400 invalid request", nil, &claudetest.Fault{Status: 400}, 400, nil},
		{"403 permission", nil, &claudetest.Fault{Status: 403}, 403, nil},
		{"402 billing", nil, &claudetest.Fault{Status: 402}, 402, nil},
		{"404 unknown model", func(c *claude.Config) {
			c.Model = "claude-3-haiku-20240307"
			c.Price = &claude.Price{InputPerMTok: 0.25, OutputPerMTok: 1.25}
		}, nil, 404, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake := claudetest.New(t, claudetest.Options{})
			if tc.fault != nil {
				fake.Fail(1, *tc.fault)
			}
			d, sl := newDescriber(t, fake, tc.mod)
			_, err := d.Describe(t.Context(), claude.Request{UserID: "u", Path: tinyPhotos(t, 1)[0]})
			var apiErr *claude.APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != tc.status || apiErr.Retryable() {
				t.Fatalf("err = %v, want non-retryable *APIError %d", err, tc.status)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("errors.Is(%v, %v) = false", err, tc.is)
			}
			if tc.is == nil && errors.Is(err, claude.ErrUnauthorized) {
				t.Errorf("%d must not look like ErrUnauthorized", tc.status)
			}
			if n := fake.Stats().MessagesRequests; n != 1 || len(sl.all()) != 0 {
				t.Errorf("%d requests, %d waits: a %d must not be retried", n, len(sl.all()), tc.status)
			}
			if strings.Contains(err.Error(), "sk-wrong") || strings.Contains(err.Error(), "test-key") {
				t.Errorf("error leaks the API key: %v", err)
			}
		})
	}
}

// A malformed answer is retried once; twice malformed is a typed failure
// with the reason, and both paid answers are booked.
func TestMalformedAnswer(t *testing.T) {
	t.Parallel()
	for _, n := range []int{1, 2} {
		fake := claudetest.New(t, claudetest.Options{})
		fake.Malform(n)
		ledger := claude.NewMemLedger()
		d, _ := newDescriber(t, fake, func(c *claude.Config) { c.Ledger = ledger })
		res, err := d.Describe(t.Context(), claude.Request{UserID: "u", Path: tinyPhotos(t, 1)[0]})
		st := fake.Stats()
		if st.Answered != 2 {
			t.Errorf("malformed %d: %d answers, want 2", n, st.Answered)
		}
		spent, _ := ledger.Spent(t.Context(), "u", time.Time{})
		if want := fakeCost(st, mustPrice(t, claude.DefaultModel)); math.Abs(spent-want) > 1e-9 {
			t.Errorf("malformed %d: spent $%.6f, want $%.6f (both answers were paid)", n, spent, want)
		}
		if n == 1 {
			if err != nil || res.Attempts != 2 {
				t.Fatalf("retry should succeed: %v, attempts %d", err, res.Attempts)
			}
			continue
		}
		var me *claude.MalformedError
		if !errors.As(err, &me) || !errors.Is(err, claude.ErrMalformed) || me.Attempts != 2 {
			t.Fatalf("err = %v, want *MalformedError after 2 attempts", err)
		}
		if !strings.Contains(me.Reason, "keywords") {
			t.Errorf("reason %q does not say what was wrong", me.Reason)
		}
		if ledger.Len() != 0 {
			t.Error("a failed description must not be recorded as a result")
		}
	}
}

// The run cap and the monthly cap stop spending before a call is made.
func TestBudgetCaps(t *testing.T) {
	t.Parallel()
	t.Run("run cap", func(t *testing.T) {
		t.Parallel()
		fake := claudetest.New(t, claudetest.Options{})
		paths := tinyPhotos(t, 11)
		probe, _ := newDescriber(t, fake, nil)
		first, err := probe.Describe(t.Context(), claude.Request{UserID: "u", Path: paths[10]})
		if err != nil {
			t.Fatal(err)
		}
		per := first.CostUSD
		d, _ := newDescriber(t, fake, func(c *claude.Config) { c.RunBudgetUSD = 3.5 * per; c.MaxConcurrency = 2 })
		outs := d.DescribeMany(t.Context(), requests("u", paths[:10]))
		var ok, stopped int
		for _, o := range outs {
			var be *claude.BudgetError
			switch {
			case o.Err == nil:
				ok++
			case errors.As(o.Err, &be) && errors.Is(o.Err, claude.ErrBudgetExceeded) && be.Scope == "run":
				stopped++
				if !strings.Contains(be.Error(), "run cap") {
					t.Errorf("unclear message: %v", be)
				}
			default:
				t.Errorf("unexpected error %v", o.Err)
			}
		}
		if ok == 0 || ok > 3 || ok+stopped != 10 {
			t.Errorf("%d described, %d stopped", ok, stopped)
		}
		if fake.Stats().MessagesRequests-1 != ok {
			t.Errorf("%d requests for %d descriptions: a stopped photo must not reach the API", fake.Stats().MessagesRequests-1, ok)
		}
		if d.RunSpent() > 3.5*per {
			t.Errorf("spent $%.6f over the cap $%.6f", d.RunSpent(), 3.5*per)
		}
	})
	t.Run("monthly cap", func(t *testing.T) {
		t.Parallel()
		fake := claudetest.New(t, claudetest.Options{})
		ledger := claude.NewMemLedger()
		now := fake.Now()
		// Last month's spend does not count; this month's does.
		_ = ledger.Charge(t.Context(), "u", now.AddDate(0, -1, 0), 100)
		_ = ledger.Charge(t.Context(), "u", now.Add(-time.Hour), 0.9999)
		_ = ledger.Charge(t.Context(), "other", now.Add(-time.Hour), 100)
		d, _ := newDescriber(t, fake, func(c *claude.Config) { c.Ledger = ledger; c.MonthlyBudgetUSD = 1 })
		paths := tinyPhotos(t, 2)
		_, err := d.Describe(t.Context(), claude.Request{UserID: "u", Path: paths[0]})
		var be *claude.BudgetError
		if !errors.As(err, &be) || be.Scope != "month" {
			t.Fatalf("err = %v, want a monthly BudgetError", err)
		}
		if _, err := d.Describe(t.Context(), claude.Request{UserID: "fresh", Path: paths[1]}); err != nil {
			t.Errorf("another user's budget is separate: %v", err)
		}
		if n := fake.Stats().MessagesRequests; n != 1 {
			t.Errorf("%d requests, want 1", n)
		}
	})
}

// The same content is paid once even when requested twice at the same time
// or from two sources, and a prompt-version bump is a new key.
func TestSameContentPaidOnce(t *testing.T) {
	t.Parallel()
	fake := claudetest.New(t, claudetest.Options{})
	d, _ := newDescriber(t, fake, nil)
	p := tinyPhotos(t, 1)[0]
	reqs := []claude.Request{{UserID: "u", Path: p}, {UserID: "u", Path: p}, {UserID: "u", Path: p, ContentSHA256: ""}}
	outs := d.DescribeMany(t.Context(), reqs)
	for _, o := range outs {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
	}
	if n := fake.Stats().Answered; n != 1 {
		t.Errorf("same photo three times: %d paid answers", n)
	}
	if outs[0].Result.Key != outs[2].Result.Key {
		t.Error("keys differ for the same bytes")
	}
}

// Scripted answers the real API sends now and then.
func TestScriptedAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		script   []string
		wantErr  error
		answered int
		attempts int
	}{
		{[]string{"preamble"}, nil, 1, 1},   // text before the tool call is ignored
		{[]string{"max_tokens"}, nil, 2, 2}, // cut off → treated as malformed, retried
		{[]string{"max_tokens", "max_tokens"}, claude.ErrMalformed, 2, 0},
		{[]string{"refusal"}, claude.ErrRefused, 1, 0}, // not retried
		{[]string{"drop", "drop"}, nil, 1, 1},          // connection lost: retried
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.script, "+"), func(t *testing.T) {
			t.Parallel()
			fake := claudetest.New(t, claudetest.Options{})
			fake.Script(tc.script...)
			ledger := claude.NewMemLedger()
			d, _ := newDescriber(t, fake, func(c *claude.Config) { c.Ledger = ledger; c.RetryBaseDelay = time.Millisecond })
			res, err := d.Describe(t.Context(), claude.Request{UserID: "u", Path: tinyPhotos(t, 1)[0]})
			if !errors.Is(err, tc.wantErr) || tc.wantErr == nil && err != nil {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			st := fake.Stats()
			if st.Answered != tc.answered || res.Attempts != tc.attempts {
				t.Errorf("answered %d, attempts %d; want %d, %d", st.Answered, res.Attempts, tc.answered, tc.attempts)
			}
			spent, _ := ledger.Spent(t.Context(), "u", time.Time{})
			if want := fakeCost(st, mustPrice(t, claude.DefaultModel)); math.Abs(spent-want) > 1e-9 {
				t.Errorf("spent $%.6f, billed $%.6f", spent, want)
			}
		})
	}
}

// An image.Image input and a caller-supplied content hash are honoured.
func TestDescribeImageAndGivenHash(t *testing.T) {
	t.Parallel()
	fake := claudetest.New(t, claudetest.Options{})
	d, _ := newDescriber(t, fake, nil)
	img := image.NewRGBA(image.Rect(0, 0, 1000, 1500))
	for i := range img.Pix {
		img.Pix[i] = uint8(i % 251)
	}
	res, err := d.Describe(t.Context(), claude.Request{UserID: "u", Image: img})
	if err != nil {
		t.Fatal(err)
	}
	if s := fake.Sent()[0]; s.W != 427 || s.H != 640 || res.Key.ContentSHA256 != s.SHA256 {
		t.Errorf("sent %dx%d %s, key %s", s.W, s.H, s.SHA256[:8], res.Key.ContentSHA256)
	}
	// The same photo from a second source, hash supplied by the store.
	p := tinyPhotos(t, 1)[0]
	a, err := d.Describe(t.Context(), claude.Request{UserID: "u", Path: p, ContentSHA256: "feedface"})
	if err != nil || a.Key.ContentSHA256 != "feedface" {
		t.Fatalf("%v %+v", err, a.Key)
	}
	b, err := d.Describe(t.Context(), claude.Request{UserID: "u2", Image: img, ContentSHA256: "feedface"})
	if err != nil || !b.FromLedger || fake.Stats().Answered != 2 {
		t.Errorf("same hash paid again: %v, from ledger %v, answered %d", err, b.FromLedger, fake.Stats().Answered)
	}
	if _, err := d.Describe(t.Context(), claude.Request{UserID: "u"}); err == nil {
		t.Error("empty request accepted")
	}
}

// Every supported model goes through the fake's checks (Sonnet 5 refuses a
// forced tool unless thinking is disabled) and is priced by its own table.
func TestModels(t *testing.T) {
	t.Parallel()
	for _, model := range []string{"claude-haiku-4-5", "claude-sonnet-4-6", "claude-sonnet-5"} {
		t.Run(model, func(t *testing.T) {
			t.Parallel()
			fake := claudetest.New(t, claudetest.Options{})
			d, _ := newDescriber(t, fake, func(c *claude.Config) { c.Model = model })
			res, err := d.Describe(t.Context(), claude.Request{UserID: "u", Path: tinyPhotos(t, 1)[0]})
			if err != nil {
				t.Fatal(err)
			}
			if want := fakeCost(fake.Stats(), mustPrice(t, model)); res.Key.Model != model || math.Abs(res.CostUSD-want) > 1e-12 {
				t.Errorf("model %s cost $%.6f, want $%.6f", res.Key.Model, res.CostUSD, want)
			}
		})
	}
}

// The key never reaches the logs, whatever happens.
func TestKeyNeverLogged(t *testing.T) {
	t.Parallel()
	const key = "sk-ant-secret-0123456789"
	fake := claudetest.New(t, claudetest.Options{APIKey: key, PollAdvance: time.Hour})
	fake.Fail(2, claudetest.Fault{Status: 529})
	fake.Fail(1, claudetest.Fault{Status: 429, RetryAfter: "1"})
	fake.Malform(1)
	var buf strings.Builder
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return buf.Write(p)
	}), &slog.HandlerOptions{Level: slog.LevelDebug}))
	d, _ := newDescriber(t, fake, func(c *claude.Config) { c.APIKey = key; c.Logger = logger })
	paths := tinyPhotos(t, 3)
	if _, err := d.Describe(t.Context(), claude.Request{UserID: "u", Path: paths[0]}); err != nil {
		t.Fatal(err)
	}
	d.DescribeBatch(t.Context(), requests("u", paths[1:]))
	bad, _ := newDescriber(t, fake, func(c *claude.Config) { c.APIKey = key + "x"; c.Logger = logger })
	_, err := bad.Describe(t.Context(), claude.Request{UserID: "u", Path: paths[2]})
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(buf.String(), "claude: retrying") {
		t.Fatalf("expected retry logs, got %q", buf.String())
	}
	if strings.Contains(buf.String(), "sk-ant") || strings.Contains(err.Error(), "sk-ant") {
		t.Errorf("key leaked:\n%s\n%v", buf.String(), err)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
