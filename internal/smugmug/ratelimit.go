package smugmug

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/targetvision/targetvision/internal/ratelimit"
)

// accountBudget is one account's request budget in Config.Budget: every
// client of the account that draws from the same buckets — in this process,
// or in every process when the buckets are the shared database's — spends
// from one bucket. SmugMug counts requests per user per application, so the
// account key is the consumer key plus the account's nickname
// (Config.Account), or, when that is not known, the access token (hashed;
// never kept in clear).
type accountBudget struct {
	buckets ratelimit.Buckets
	key     string
	limit   ratelimit.Limit
}

func accountKey(consumerKey, account, token string) string {
	who := "token\x00" + token
	if account != "" {
		who = "account\x00" + strings.ToLower(account)
	}
	sum := sha256.Sum256([]byte(consumerKey + "\x00" + who))
	return "smugmug:" + hex.EncodeToString(sum[:12])
}

// newAccountBudget returns the account's budget under cfg (with defaults
// applied). An unlimited budget (tests) still keeps SmugMug's pauses.
func newAccountBudget(cfg Config, token string) *accountBudget {
	limit := ratelimit.PerMinute(cfg.RequestsPerMinute, cfg.RateBurst)
	if cfg.RequestsPerMinute < 0 {
		limit = ratelimit.Limit{Every: time.Microsecond, Burst: 1}
	}
	return &accountBudget{buckets: cfg.Budget, key: accountKey(cfg.APIKey, cfg.Account, token), limit: limit}
}

// wait blocks until the account may send one more request: it reserves the
// account's next token (queueing behind every other reservation of any
// process) and sleeps until the token is due.
func (b *accountBudget) wait(ctx context.Context, sleep func(context.Context, time.Duration) error) error {
	d, err := b.buckets.Reserve(ctx, b.key, b.limit)
	if err != nil {
		return fmt.Errorf("reserve: %w", err)
	}
	if d <= 0 {
		return nil
	}
	return sleep(ctx, d)
}

// pause records that SmugMug's window is used up until t: no client of the
// account sends before then.
func (b *accountBudget) pause(ctx context.Context, t time.Time) error {
	return b.buckets.Hold(ctx, b.key, b.limit, t)
}
