package smugmug

import (
	"context"
	"time"
)

// SetSleep replaces the client's sleep so tests can record backoff delays
// without waiting for them.
func SetSleep(c *Client, f func(context.Context, time.Duration) error) { c.sleep = f }

// SharesLimiter reports whether two clients draw from one token bucket.
func SharesLimiter(a, b *Client) bool {
	return a.budget.buckets == b.budget.buckets && a.budget.key == b.budget.key
}
