package claude_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/targetvision/targetvision/internal/claude"
)

// The wiring the app does: configuration from the environment, the store's
// ledger, caps, then a run whose mode follows the number of photos.
func Example() {
	ctx := context.Background()
	d, err := claude.New(claude.Config{
		APIKey:           os.Getenv("ANTHROPIC_API_KEY"),
		BaseURL:          os.Getenv("ANTHROPIC_BASE_URL"), // "" = the real API
		Ledger:           claude.NewMemLedger(),           // the app passes its store
		RunBudgetUSD:     5,
		MonthlyBudgetUSD: 20,
		Logger:           slog.Default(),
	})
	if err != nil {
		fmt.Println("config:", err)
		return
	}
	reqs := []claude.Request{{UserID: "u1", Path: "rendition.jpg"}}
	fmt.Printf("estimate: $%.4f\n", d.Estimate(len(reqs), claude.ModeAuto))
	for _, o := range d.DescribeAll(ctx, reqs, claude.ModeAuto) {
		switch {
		case errors.Is(o.Err, claude.ErrUnauthorized):
			fmt.Println("check ANTHROPIC_API_KEY")
		case errors.Is(o.Err, claude.ErrBudgetExceeded):
			fmt.Println(o.Err) // says which cap and how much
		case o.Err != nil:
			fmt.Println("photo", o.Index, "failed:", o.Err)
		default:
			fmt.Println(o.Result.Description.Description, o.Result.Keywords, o.Result.CostUSD)
		}
	}
}
