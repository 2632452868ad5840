package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
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
	// Albums lets the owner create albums on the source from a selection
	// of its photos (the bulk toolbar's "Create SmugMug album"); each is
	// recorded (RemoteAlbumWrites). Not part of On: nothing is written
	// unless the owner asks for that album.
	Albums bool
}

// On reports whether anything is to be written back.
func (w WriteBack) On() bool { return w.Keywords || w.Captions }

// SetSourceWriteBack sets what may be written back to one of the user's
// sources.
func (s *DB) SetSourceWriteBack(ctx context.Context, userID, id int64, w WriteBack) error {
	res, err := s.db.ExecContext(ctx,
		"UPDATE sources SET writeback_keywords = $1, writeback_captions = $2, writeback_dry_run = $3, writeback_albums = $4 WHERE user_id = $5 AND id = $6",
		w.Keywords, w.Captions, w.DryRun, w.Albums, userID, id)
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

// PhotoEdits are a person's own changes to a photo; nil is "not edited".
type PhotoEdits struct {
	// Caption replaces the caption the file or SmugMug gave.
	Caption *string
	// Keywords replace every keyword — the file's and Claude's — so one the
	// person removed does not come back with the next description.
	Keywords *[]string
	// Rating replaces the file's star rating (0-5, -1 rejected).
	Rating *int
}

// PhotoEdit is a change SetPhotoEdits makes: nil fields stay as they are.
// Reset drops every edit first, back to the file's and Claude's words.
type PhotoEdit struct {
	Caption  *string
	Keywords *[]string
	Rating   *int
	Favorite *bool
	Reset    bool
}

// SetPhotoEdits applies a person's edit to one of their photos and
// refreshes its full-text document in the same transaction, so the words
// are searchable at once.
func (s *DB) SetPhotoEdits(ctx context.Context, userID, photoID int64, e PhotoEdit) error {
	return s.inTx(ctx, func(tx *sql.Tx) error { return s.setPhotoEdits(ctx, tx, userID, photoID, e) })
}

// setPhotoEdits is SetPhotoEdits inside tx: the one writer of a person's
// edits, for one photo (PATCH) and for many (EditKeywords).
func (s *DB) setPhotoEdits(ctx context.Context, tx *sql.Tx, userID, photoID int64, e PhotoEdit) error {
	sets, args := []string{}, []any{}
	set := func(col string, v any) {
		args = append(args, v)
		sets = append(sets, fmt.Sprintf("%s = $%d", col, len(args)))
	}
	if e.Reset {
		set("user_caption", nil)
		set("user_keywords", nil)
		set("user_rating", nil)
	}
	if e.Caption != nil {
		set("user_caption", *e.Caption)
	}
	if e.Keywords != nil {
		set("user_keywords", encodeList(*e.Keywords))
	}
	if e.Rating != nil {
		set("user_rating", *e.Rating)
	}
	if e.Favorite != nil {
		set("favorite", *e.Favorite)
	}
	set("updated_at", s.ts(s.now()))
	args = append(args, userID, photoID)
	res, err := tx.ExecContext(ctx, fmt.Sprintf("UPDATE photos SET %s WHERE user_id = $%d AND id = $%d",
		strings.Join(sets, ", "), len(args)-1, len(args)), args...)
	if err := affected(res, err, fmt.Sprintf("edit photo %d", photoID)); err != nil {
		return err
	}
	return s.refreshSearch(ctx, tx, userID, photoID)
}

// ShownCaption is the photo's caption with the person's edit laid over the
// file's or SmugMug's.
func (p Photo) ShownCaption() string {
	if p.Edits.Caption != nil {
		return *p.Edits.Caption
	}
	return p.Caption
}

// ShownKeywords are the photo's keywords as shown and searched: the
// person's own when they edited them, else the file's followed by the
// generated ones; without repeats (case-insensitive).
func (p Photo) ShownKeywords(generated []string) []string {
	src := append(append([]string{}, p.Keywords...), generated...)
	if p.Edits.Keywords != nil {
		src = *p.Edits.Keywords
	}
	out := []string{}
	for _, k := range src {
		if !slices.ContainsFunc(out, func(x string) bool { return strings.EqualFold(x, k) }) {
			out = append(out, k)
		}
	}
	return out
}

// ShownRating is the photo's rating with the person's edit laid over the file's.
func (p Photo) ShownRating() int {
	if p.Edits.Rating != nil {
		return *p.Edits.Rating
	}
	return p.Rating
}
