package claudetest

import (
	"math"
	"testing"
	"time"

	"github.com/targetvision/targetvision/internal/claude"
)

// LedgerConformance checks that a claude.Ledger keeps the contract the
// describer relies on. The store runs it against its real implementation:
//
//	func TestClaudeLedger(t *testing.T) {
//		claudetest.LedgerConformance(t, func(t *testing.T) claude.Ledger { return newStoreLedger(t) })
//	}
//
// newLedger must return an empty ledger each time it is called.
func LedgerConformance(t *testing.T, newLedger func(t *testing.T) claude.Ledger) {
	t0 := time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC)
	k1 := claude.IdempotencyKey{ContentSHA256: "aa", Model: "claude-haiku-4-5-20251001", PromptVersion: "v1"}
	k2 := k1
	k2.PromptVersion = "v2"
	res := func(user string, usd float64, at time.Time, desc string) claude.Result {
		return claude.Result{
			Description: claude.Description{Description: desc, Keywords: []string{"a", "b"}, Objects: []string{"o"},
				Scene: "s", TextInImage: "T", PeopleCount: 3, Colors: []string{"red"}},
			Key: k1, UserID: user, Mode: claude.ModeBatch, BatchID: "msgbatch_1",
			Usage:   claude.Usage{InputTokens: 1000, OutputTokens: 150, CacheCreationInputTokens: 1, CacheReadInputTokens: 2},
			CostUSD: usd, Attempts: 2, CreatedAt: at,
		}
	}
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

	t.Run("lookup miss", func(t *testing.T) {
		l := newLedger(t)
		r, ok, err := l.Lookup(t.Context(), k1)
		if err != nil || ok || r.Description.Description != "" {
			t.Fatalf("Lookup on empty ledger = %+v, %v, %v; want zero, false, nil", r, ok, err)
		}
	})
	t.Run("record then lookup round-trips every field", func(t *testing.T) {
		l := newLedger(t)
		want := res("u1", 0.0009, t0, "first")
		if err := l.Record(t.Context(), k1, want); err != nil {
			t.Fatal(err)
		}
		got, ok, err := l.Lookup(t.Context(), k1)
		if err != nil || !ok {
			t.Fatalf("Lookup after Record: %v %v", ok, err)
		}
		if got.Description.Description != "first" || len(got.Keywords) != 2 || got.Objects[0] != "o" || got.Scene != "s" ||
			got.TextInImage != "T" || got.PeopleCount != 3 || got.Colors[0] != "red" || got.Key != k1 ||
			got.UserID != "u1" || got.Mode != claude.ModeBatch || got.BatchID != "msgbatch_1" || got.Usage != want.Usage ||
			!near(got.CostUSD, 0.0009) || got.Attempts != 2 || !got.CreatedAt.Equal(t0) {
			t.Errorf("round trip lost data:\n got %+v\nwant %+v", got, want)
		}
		if _, ok, _ := l.Lookup(t.Context(), k2); ok {
			t.Error("a different prompt version must be a different key")
		}
	})
	t.Run("record replaces and both costs count", func(t *testing.T) {
		l := newLedger(t)
		_ = l.Record(t.Context(), k1, res("u1", 0.001, t0, "first"))
		if err := l.Record(t.Context(), k1, res("u1", 0.002, t0.Add(time.Minute), "second")); err != nil {
			t.Fatal(err)
		}
		got, _, _ := l.Lookup(t.Context(), k1)
		if got.Description.Description != "second" {
			t.Errorf("Record must replace: got %q", got.Description.Description)
		}
		if s, _ := l.Spent(t.Context(), "u1", time.Time{}); !near(s, 0.003) {
			t.Errorf("Spent = %v, want 0.003 (both answers were paid)", s)
		}
	})
	t.Run("spent by user and since", func(t *testing.T) {
		l := newLedger(t)
		_ = l.Record(t.Context(), k1, res("u1", 0.5, t0, "x"))
		_ = l.Record(t.Context(), k2, res("u2", 7, t0, "y"))
		_ = l.Charge(t.Context(), "u1", t0.Add(time.Hour), 0.25)
		_ = l.Charge(t.Context(), "u1", t0.AddDate(0, -1, 0), 100)
		for _, tc := range []struct {
			user  string
			since time.Time
			want  float64
		}{
			{"u1", time.Time{}, 100.75}, {"u1", t0, 0.75}, {"u1", t0.Add(time.Second), 0.25},
			{"u2", t0, 7}, {"nobody", time.Time{}, 0},
		} {
			if got, err := l.Spent(t.Context(), tc.user, tc.since); err != nil || !near(got, tc.want) {
				t.Errorf("Spent(%s, %v) = %v, %v; want %v", tc.user, tc.since, got, err, tc.want)
			}
		}
	})
	t.Run("pending batches", func(t *testing.T) {
		l := newLedger(t)
		if p, err := l.PendingBatches(t.Context(), "u1"); err != nil || len(p) != 0 {
			t.Fatalf("empty: %v %v", p, err)
		}
		items := []claude.PendingItem{{CustomID: "r1-1", Key: k1, Attempt: 1}, {CustomID: "r2-2", Key: k2, Attempt: 2,
			SpentUSD: 0.0004, Usage: claude.Usage{InputTokens: 900, OutputTokens: 20}}}
		for i, id := range []string{"msgbatch_b", "msgbatch_a", "msgbatch_c"} {
			user := "u1"
			if id == "msgbatch_c" {
				user = "u2"
			}
			if err := l.SaveBatch(t.Context(), claude.PendingBatch{ID: id, UserID: user, SubmittedAt: t0.Add(time.Duration(i) * time.Minute), Items: items}); err != nil {
				t.Fatal(err)
			}
		}
		p, err := l.PendingBatches(t.Context(), "u1")
		if err != nil || len(p) != 2 || p[0].ID != "msgbatch_b" || p[1].ID != "msgbatch_a" {
			t.Fatalf("PendingBatches(u1) = %+v, %v; want b then a (oldest first), not u2's", p, err)
		}
		if len(p[0].Items) != 2 || p[0].Items[1] != items[1] || !p[0].SubmittedAt.Equal(t0) || p[0].UserID != "u1" {
			t.Errorf("batch round trip lost data: %+v", p[0])
		}
		if err := l.FinishBatch(t.Context(), "msgbatch_b"); err != nil {
			t.Fatal(err)
		}
		if err := l.FinishBatch(t.Context(), "msgbatch_b"); err != nil {
			t.Errorf("finishing twice: %v", err)
		}
		if err := l.FinishBatch(t.Context(), "msgbatch_unknown"); err != nil {
			t.Errorf("finishing an unknown id: %v", err)
		}
		if p, _ := l.PendingBatches(t.Context(), "u1"); len(p) != 1 || p[0].ID != "msgbatch_a" {
			t.Errorf("after finish: %+v", p)
		}
	})
}
