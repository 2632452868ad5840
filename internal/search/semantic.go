package search

// Semantic says whether search by meaning — the CLIP vector leg — runs,
// and when it does not, why and what turns it on. Every search and
// similar-photos answer carries it, so no page is silently text-only.
type Semantic struct {
	Enabled bool   `json:"enabled"`
	Model   string `json:"model" description:"The CLIP checkpoint searches use (or would use)."`
	// Reason says why it is off; empty when on.
	Reason string `json:"reason,omitempty"`
	// Fix says what turns it on; empty when on.
	Fix string `json:"fix,omitempty"`
}

// FixPullModel is how to install the configured CLIP model.
const FixPullModel = "An administrator downloads the CLIP model on the Settings page (the server uses it at once), or runs `targetvision models pull` (or `targetvision models import DIR` with one copied from another machine) and restarts the server."

// Semantic is the engine's status: whether its searches run the vector leg.
func (e *Engine) Semantic() Semantic { return e.semantic() }

// semantic is the engine's status.
func (e *Engine) semantic() Semantic {
	if e.embedder() != nil {
		return Semantic{Enabled: true, Model: e.opts.Model}
	}
	return Semantic{Model: e.opts.Model, Reason: e.opts.SemanticOff, Fix: FixPullModel}
}
