package claude

import (
	"context"
	"time"
)

// SetSleep replaces the describer's waits (retry backoff, batch polls) so
// tests record them instead of sleeping.
func SetSleep(d *Describer, f func(context.Context, time.Duration) error) { d.sleep = f }

// ProjectedPerPhoto exposes the per-photo projection used for budgets.
func ProjectedPerPhoto(d *Describer, batch bool) float64 {
	return d.EstimateFor("", 1, map[bool]Mode{true: ModeBatch, false: ModeDirect}[batch])
}

// ReservationMargin is the budget checks' margin over the estimate.
const ReservationMargin = reservationMargin
