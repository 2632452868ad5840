package httpapi

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/targetvision/targetvision/internal/claude"
	"github.com/targetvision/targetvision/internal/store"
)

// UserSettings are a user's preferences as the API shows and takes them.
// Reads answer the settings in effect — the user's own choice, else the
// deployment's (pipeline.Options.Defaults) — which is what describes their photos;
// writes store what the user sent, so a changed default reaches everyone
// who never chose their own.
type UserSettings struct {
	ClaudeModel      string  `json:"claude_model" maxLength:"100" description:"Claude model that describes this user's photos from their next description on: one of GET /api/v1/models' claude.models, or empty for the server's default."`
	MonthlyBudgetUSD float64 `json:"monthly_budget_usd" minimum:"0" description:"Claude spending cap per calendar month, in US dollars; 0 for the server's default. The server's operator sets the ceiling (CLAUDE_MONTHLY_BUDGET_USD): a user may lower their budget, not raise it above that."`
}

func (s *Server) getSettings(w http.ResponseWriter, r *http.Request) error {
	st, err := s.d.Pipeline.Settings(r.Context(), userID(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, UserSettings{ClaudeModel: st.ClaudeModel, MonthlyBudgetUSD: st.MonthlyBudgetUSD})
	return nil
}

func (s *Server) putSettings(w http.ResponseWriter, r *http.Request) error {
	var in UserSettings
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.MonthlyBudgetUSD < 0 {
		return errBadRequest("monthly_budget_usd must not be negative")
	}
	// The budget spends the operator's API key: users may only lower it.
	if ceiling := s.d.Pipeline.Defaults().MonthlyBudgetUSD; in.MonthlyBudgetUSD > ceiling {
		return &apiError{status: http.StatusBadRequest, code: "budget_above_ceiling",
			msg: fmt.Sprintf("monthly_budget_usd may be at most $%.2f, the ceiling this server's operator set", ceiling)}
	}
	in.ClaudeModel = strings.TrimSpace(in.ClaudeModel)
	if len(in.ClaudeModel) > 100 {
		return errBadRequest("claude_model is too long")
	}
	if _, known := claude.PriceFor(in.ClaudeModel); in.ClaudeModel != "" && in.ClaudeModel != s.d.Pipeline.Defaults().ClaudeModel && !known {
		ids := make([]string, 0)
		for _, m := range claude.Models() {
			ids = append(ids, m.ID)
		}
		return &apiError{status: http.StatusBadRequest, code: "unknown_model",
			msg: fmt.Sprintf("claude_model %q is not a model TargetVision knows the price of; choose one of %s, or leave it empty for the server's default",
				in.ClaudeModel, strings.Join(ids, ", "))}
	}
	if err := s.d.DB.SetUserSettings(r.Context(), userID(r), store.UserSettings{ClaudeModel: in.ClaudeModel, MonthlyBudgetUSD: in.MonthlyBudgetUSD}); err != nil {
		return err
	}
	return s.getSettings(w, r) // the settings in effect, defaults filled in
}

// usageJSON is this calendar month's (UTC) Claude spending.
type usageJSON struct {
	MonthCostUSD    float64 `json:"month_cost_usd"`
	BudgetUSD       float64 `json:"budget_usd" description:"The user's monthly budget in effect."`
	PhotosDescribed int     `json:"photos_described" description:"Photos described this month."`
}

func (s *Server) usage(w http.ResponseWriter, r *http.Request) error {
	st, err := s.d.Pipeline.Settings(r.Context(), userID(r))
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
	CLIP   ModelStatus  `json:"clip"`
	Claude claudeModels `json:"claude"`
}

// claudeModels are the Claude models a user may choose.
type claudeModels struct {
	Default    string            `json:"default" description:"The server's model (CLAUDE_MODEL): what describes the photos of users who chose none."`
	Configured bool              `json:"configured" description:"The server has a Claude API key (ANTHROPIC_API_KEY); without one photos wait to be described."`
	Models     []claudeModelJSON `json:"models" nullable:"false" description:"The models TargetVision knows the price of, cheapest first."`
}

// claudeModelJSON is one Claude model with its price.
type claudeModelJSON struct {
	ID               string  `json:"id"`
	InputUSDPerMTok  float64 `json:"input_usd_per_mtok" description:"List price of a million input tokens."`
	OutputUSDPerMTok float64 `json:"output_usd_per_mtok" description:"List price of a million output tokens."`
	PhotoUSD         float64 `json:"photo_usd" description:"About what describing one photo costs, one by one."`
	PhotoUSDBatch    float64 `json:"photo_usd_batch" description:"About what describing one photo costs in a bulk run (Message Batches API, half price)."`
	IsServerDefault  bool    `json:"is_server_default"`
}

func (s *Server) models(w http.ResponseWriter, r *http.Request) error {
	clip, err := s.clipStatus(r)
	if err != nil {
		return err
	}
	out := modelsJSON{CLIP: clip, Claude: claudeModels{Default: s.d.Pipeline.Defaults().ClaudeModel, Configured: s.d.ClaudeConfigured, Models: []claudeModelJSON{}}}
	for _, m := range claude.Models() {
		def := s.d.Pipeline.Defaults().ClaudeModel == m.ID
		if p, ok := claude.PriceFor(s.d.Pipeline.Defaults().ClaudeModel); ok && !def && strings.HasPrefix(s.d.Pipeline.Defaults().ClaudeModel, m.ID+"-") && p == m.Price {
			def = true // the default is a dated snapshot of this model
		}
		out.Claude.Models = append(out.Claude.Models, claudeModelJSON{ID: m.ID, InputUSDPerMTok: m.Price.InputPerMTok,
			OutputUSDPerMTok: m.Price.OutputPerMTok, PhotoUSD: m.PerPhotoUSD(false), PhotoUSDBatch: m.PerPhotoUSD(true), IsServerDefault: def})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
