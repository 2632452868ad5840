package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// UserSettings are one user's own choices: the one record of them, read by
// the pipeline for each description and shown and changed by the API. A
// zero field leaves the choice to the deployment; Resolve says what is in
// effect.
type UserSettings struct {
	// ClaudeModel describes the user's photos; "" is the deployment's
	// model (CLAUDE_MODEL).
	ClaudeModel string
	// MonthlyBudgetUSD caps the user's Claude spending per calendar month
	// (UTC); 0 is the deployment's budget (CLAUDE_MONTHLY_BUDGET_USD),
	// which is also the most a user's budget may be.
	MonthlyBudgetUSD float64
	// UpdatedAt is when the user last saved them; zero if never.
	UpdatedAt time.Time
}

// Resolve returns the settings in effect under the deployment's: what the
// user left zero comes from deployment, and the budget is held to the
// deployment's, which is the operator's ceiling (a budget saved above it
// before the operator lowered it spends no more than it).
func (u UserSettings) Resolve(deployment UserSettings) UserSettings {
	if u.ClaudeModel == "" {
		u.ClaudeModel = deployment.ClaudeModel
	}
	if u.MonthlyBudgetUSD <= 0 || (deployment.MonthlyBudgetUSD > 0 && u.MonthlyBudgetUSD > deployment.MonthlyBudgetUSD) {
		u.MonthlyBudgetUSD = deployment.MonthlyBudgetUSD
	}
	return u
}

// UserSettings returns the user's settings: the zero record for a user
// who never saved any, ErrNotFound for no such user.
func (s *DB) UserSettings(ctx context.Context, userID int64) (UserSettings, error) {
	var st UserSettings
	err := s.db.QueryRowContext(ctx, `SELECT s.claude_model, s.monthly_budget_usd, s.updated_at
		FROM users u LEFT JOIN user_settings s ON s.user_id = u.id WHERE u.id = $1`, userID).
		Scan(nullString{&st.ClaudeModel}, nullFloat{&st.MonthlyBudgetUSD}, tm(&st.UpdatedAt))
	if err != nil {
		return UserSettings{}, notFound(fmt.Sprintf("settings of user %d", userID), err)
	}
	return st, nil
}

// SetUserSettings replaces the user's settings (UpdatedAt is set to now).
// A negative budget is refused.
func (s *DB) SetUserSettings(ctx context.Context, userID int64, st UserSettings) error {
	if st.MonthlyBudgetUSD < 0 {
		return fmt.Errorf("store: set settings of user %d: monthly budget %v is negative", userID, st.MonthlyBudgetUSD)
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO user_settings (user_id, claude_model, monthly_budget_usd, updated_at)
		VALUES ($1, $2, $3, $4)
		ON CONFLICT (user_id) DO UPDATE SET claude_model = excluded.claude_model,
			monthly_budget_usd = excluded.monthly_budget_usd, updated_at = excluded.updated_at`,
		userID, st.ClaudeModel, st.MonthlyBudgetUSD, s.ts(s.now()))
	if isForeignKey(err) {
		return fmt.Errorf("store: set settings of user %d: %w", userID, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("store: set settings of user %d: %w", userID, err)
	}
	return nil
}

// WriteBack is a source's choice of what TargetVision may write back to
// it (SmugMug): off unless its owner switches it on. Every write is
// recorded (RemoteWrites).
type WriteBack struct {
	// Keywords adds generated keywords after the owner's own, never
	// replacing or removing any.
	Keywords bool
	// Captions sets the generated description as the caption of photos
	// that have none.
	Captions bool
	// DryRun plans and records the writes without making them.
	DryRun bool
}

// On reports whether anything is to be written back.
func (w WriteBack) On() bool { return w.Keywords || w.Captions }

// SetSourceWriteBack sets what may be written back to one of the user's
// sources.
func (s *DB) SetSourceWriteBack(ctx context.Context, userID, id int64, w WriteBack) error {
	res, err := s.db.ExecContext(ctx,
		"UPDATE sources SET writeback_keywords = $1, writeback_captions = $2, writeback_dry_run = $3 WHERE user_id = $4 AND id = $5",
		w.Keywords, w.Captions, w.DryRun, userID, id)
	return affected(res, err, fmt.Sprintf("set source %d write-back", id))
}

// nullString and nullFloat scan a column of an outer join: NULL is the zero value.
type nullString struct{ p *string }

func (n nullString) Scan(v any) error {
	var x sql.NullString
	if err := x.Scan(v); err != nil {
		return err
	}
	*n.p = x.String
	return nil
}

type nullFloat struct{ p *float64 }

func (n nullFloat) Scan(v any) error {
	var x sql.NullFloat64
	if err := x.Scan(v); err != nil {
		return err
	}
	*n.p = x.Float64
	return nil
}

// isForeignKey reports whether err is a foreign-key violation on either dialect.
func isForeignKey(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "FOREIGN KEY constraint failed") || strings.Contains(msg, "SQLSTATE 23503")
}
