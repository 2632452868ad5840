package storetest

import (
	"testing"

	"github.com/targetvision/targetvision/internal/store"
)

// testUserSettings: a user's settings are one typed record, zero until
// saved, kept per user, and gone with the user.
func testUserSettings(t *testing.T, db *store.DB, c *Clock) {
	ctx := t.Context()
	a, b := twoUsers(t, db)
	if st := must[store.UserSettings](t)(db.UserSettings(ctx, a.ID)); st != (store.UserSettings{}) {
		t.Fatalf("settings before any were saved: %+v", st)
	}
	_, err := db.UserSettings(ctx, 999999)
	wantNotFound(t, err, "settings of no user")
	wantNotFound(t, db.SetUserSettings(ctx, 999999, store.UserSettings{ClaudeModel: "m"}), "saving settings of no user")
	if err := db.SetUserSettings(ctx, a.ID, store.UserSettings{MonthlyBudgetUSD: -1}); err == nil {
		t.Fatal("a negative budget was saved")
	}

	noErr(t, db.SetUserSettings(ctx, a.ID, store.UserSettings{ClaudeModel: "claude-sonnet-4-5", MonthlyBudgetUSD: 2.5}))
	got := must[store.UserSettings](t)(db.UserSettings(ctx, a.ID))
	if got.ClaudeModel != "claude-sonnet-4-5" || got.MonthlyBudgetUSD != 2.5 || !got.UpdatedAt.Equal(c.Now()) {
		t.Fatalf("settings round trip: %+v (now %v)", got, c.Now())
	}
	if st := must[store.UserSettings](t)(db.UserSettings(ctx, b.ID)); st != (store.UserSettings{}) {
		t.Fatalf("user b got user a's settings: %+v", st)
	}
	c.Advance(1)
	noErr(t, db.SetUserSettings(ctx, a.ID, store.UserSettings{}))
	if got := must[store.UserSettings](t)(db.UserSettings(ctx, a.ID)); got.ClaudeModel != "" || got.MonthlyBudgetUSD != 0 {
		t.Fatalf("settings not replaced: %+v", got)
	}

	// The deployment fills what the user left zero and caps the budget.
	deployment := store.UserSettings{ClaudeModel: "claude-haiku-4-5", MonthlyBudgetUSD: 10}
	for _, tc := range []struct{ own, want store.UserSettings }{
		{store.UserSettings{}, deployment},
		{store.UserSettings{ClaudeModel: "claude-opus-4-5", MonthlyBudgetUSD: 4}, store.UserSettings{ClaudeModel: "claude-opus-4-5", MonthlyBudgetUSD: 4}},
		{store.UserSettings{MonthlyBudgetUSD: 25}, deployment},
	} {
		if got := tc.own.Resolve(deployment); got != tc.want {
			t.Errorf("%+v under %+v resolves to %+v, want %+v", tc.own, deployment, got, tc.want)
		}
	}
}

// testSourceWriteBack: write-back is per source, off unless switched on,
// and only by the source's owner.
func testSourceWriteBack(t *testing.T, db *store.DB) {
	ctx := t.Context()
	a, b := twoUsers(t, db)
	src := must[store.Source](t)(db.CreateSource(ctx, store.Source{UserID: a.ID, Kind: store.SourceSmugMug, Name: "ansel"}))
	if src.WriteBack != (store.WriteBack{}) || src.WriteBack.On() {
		t.Fatalf("a new source writes back: %+v", src.WriteBack)
	}
	other := must[store.Source](t)(db.CreateSource(ctx, store.Source{UserID: a.ID, Kind: store.SourceSmugMug, Name: "studio"}))
	on := store.WriteBack{Keywords: true, DryRun: true}
	noErr(t, db.SetSourceWriteBack(ctx, a.ID, src.ID, on))
	wantNotFound(t, db.SetSourceWriteBack(ctx, b.ID, other.ID, on), "another user's source's write-back")
	if got := must[store.Source](t)(db.Source(ctx, a.ID, src.ID)); got.WriteBack != on || !got.WriteBack.On() {
		t.Fatalf("write-back round trip: %+v", got.WriteBack)
	}
	for _, s := range must[[]store.Source](t)(db.Sources(ctx, a.ID)) {
		if want := map[int64]store.WriteBack{src.ID: on}[s.ID]; s.WriteBack != want {
			t.Errorf("source %d lists write-back %+v, want %+v", s.ID, s.WriteBack, want)
		}
	}
	// Adding the same source again keeps its choice.
	again := must[store.Source](t)(db.CreateSource(ctx, store.Source{UserID: a.ID, Kind: store.SourceSmugMug, Name: "ansel"}))
	if again.ID != src.ID || again.WriteBack != on {
		t.Fatalf("re-adding the source: %+v", again)
	}
}
