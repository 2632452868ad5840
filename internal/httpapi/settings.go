package httpapi

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/targetvision/targetvision/internal/store"
)

// UserSettings are a user's preferences. An empty claude_model or a zero
// monthly_budget_usd takes the deployment's default (Deps.Defaults), which
// reads answer filled in; writes store what the user sent, so a changed
// default reaches everyone who never chose their own.
type UserSettings struct {
	ClaudeModel       string  `json:"claude_model" maxLength:"100" description:"Claude model that describes this user's photos; empty for the server's default."`
	MonthlyBudgetUSD  float64 `json:"monthly_budget_usd" minimum:"0" description:"Claude spending cap per calendar month, in US dollars; 0 for the server's default. The server's operator sets the ceiling (CLAUDE_MONTHLY_BUDGET_USD): a user may lower their budget, not raise it above that."`
	WritebackKeywords bool    `json:"writeback_keywords" description:"Write generated keywords back to SmugMug (never replacing the owner's own)."`
	WritebackCaptions bool    `json:"writeback_captions" description:"Write generated captions back to SmugMug where the owner wrote none."`
}

func (s *Server) settings(r *http.Request) (UserSettings, error) {
	raw, err := s.d.DB.UserSettings(r.Context(), userID(r))
	if err != nil {
		return UserSettings{}, err
	}
	var st UserSettings
	if err := json.Unmarshal(raw, &st); err != nil {
		return UserSettings{}, fmt.Errorf("httpapi: stored settings: %w", err)
	}
	st.ClaudeModel = cmp.Or(st.ClaudeModel, s.d.Defaults.ClaudeModel)
	st.MonthlyBudgetUSD = cmp.Or(st.MonthlyBudgetUSD, s.d.Defaults.MonthlyBudgetUSD)
	return st, nil
}

func (s *Server) getSettings(w http.ResponseWriter, r *http.Request) error {
	st, err := s.settings(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

func (s *Server) putSettings(w http.ResponseWriter, r *http.Request) error {
	var st UserSettings
	if err := decode(r, &st); err != nil {
		return err
	}
	if st.MonthlyBudgetUSD < 0 {
		return errBadRequest("monthly_budget_usd must not be negative")
	}
	// The budget spends the operator's API key: users may only lower it.
	if ceiling := s.d.Defaults.MonthlyBudgetUSD; st.MonthlyBudgetUSD > ceiling {
		return &apiError{status: http.StatusBadRequest, code: "budget_above_ceiling",
			msg: fmt.Sprintf("monthly_budget_usd may be at most $%.2f, the ceiling this server's operator set", ceiling)}
	}
	if len(st.ClaudeModel) > 100 {
		return errBadRequest("claude_model is too long")
	}
	raw, _ := json.Marshal(st)
	if err := s.d.DB.SetUserSettings(r.Context(), userID(r), raw); err != nil {
		return err
	}
	if err := s.applyWriteBack(r, st); err != nil {
		return err
	}
	return s.getSettings(w, r) // the settings in effect, defaults filled in
}

// usageJSON is this calendar month's (UTC) Claude spending.
type usageJSON struct {
	MonthCostUSD    float64 `json:"month_cost_usd"`
	BudgetUSD       float64 `json:"budget_usd" description:"The user's monthly budget from the settings."`
	PhotosDescribed int     `json:"photos_described" description:"Photos described this month."`
}

func (s *Server) usage(w http.ResponseWriter, r *http.Request) error {
	st, err := s.settings(r)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	_, n, err := s.d.DB.AICostSince(r.Context(), userID(r), month)
	if err != nil {
		return err
	}
	// Spend comes from the ledger: it also counts answers that were paid
	// for but unusable, which no photo's metadata carries.
	cost, err := s.d.DB.LedgerSpent(r.Context(), strconv.FormatInt(userID(r), 10), month)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, usageJSON{MonthCostUSD: cost, BudgetUSD: st.MonthlyBudgetUSD, PhotosDescribed: n})
	return nil
}

// modelsJSON is GET /api/v1/models's answer.
type modelsJSON struct {
	CLIP ModelStatus `json:"clip"`
}

func (s *Server) models(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, modelsJSON{CLIP: s.d.Models()})
	return nil
}

// applyWriteBack carries the write-back choices to each of the user's
// SmugMug sources, whose settings the pipeline reads, keeping any other
// per-source setting (such as a dry run).
func (s *Server) applyWriteBack(r *http.Request, st UserSettings) error {
	srcs, err := s.d.DB.Sources(r.Context(), userID(r))
	if err != nil {
		return err
	}
	for _, src := range srcs {
		if src.Kind != store.SourceSmugMug {
			continue
		}
		set := map[string]any{}
		if len(src.Settings) > 0 {
			if err := json.Unmarshal(src.Settings, &set); err != nil {
				set = map[string]any{}
			}
		}
		set["writeback_keywords"], set["writeback_captions"] = st.WritebackKeywords, st.WritebackCaptions
		raw, _ := json.Marshal(set)
		if err := s.d.DB.SetSourceSettings(r.Context(), src.UserID, src.ID, raw); err != nil {
			return err
		}
	}
	return nil
}
