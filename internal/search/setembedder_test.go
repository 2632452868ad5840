package search

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/targetvision/targetvision/internal/store"
)

// TestSetEmbedder: an engine started without a CLIP model (text only, and
// saying why) turns search by meaning on when the model arrives while it
// runs — the Settings page's download — with no new engine and no restart.
func TestSetEmbedder(t *testing.T) {
	t.Parallel()
	m := tiny(t)
	stores(t, func(t *testing.T, db *store.DB) {
		a := newLib(t, db, "a@example.com", m.Name())
		r := rand.New(rand.NewPCG(3, 4))
		a.add(photoSpec{title: "owl", vec: textVec(t, m, "owl")})
		for range 20 {
			a.add(photoSpec{title: "other", vec: randVec(r, len(textVec(t, m, "x")))})
		}
		e := New(db, Options{Model: m.Name(), SemanticOff: "no model yet"})
		vectorHits := func(resp Response) int {
			n := 0
			for _, res := range append(resp.Results, resp.LooselyRelated...) {
				if res.Why.VectorRank != nil {
					n++
				}
			}
			return n
		}
		before := search(t, e, a.user.ID, "owl")
		if before.Semantic.Enabled || before.Semantic.Reason != "no model yet" || vectorHits(before) != 0 {
			t.Fatalf("before: semantic %+v, %d vector hits", before.Semantic, vectorHits(before))
		}
		if err := e.SetEmbedder(t.Context(), &countingEmbedder{TextEmbedder: renamed{m, "another/model"}}); err == nil ||
			!strings.Contains(err.Error(), "another/model") {
			t.Errorf("an embedder of another model was taken: %v", err)
		}
		if err := e.SetEmbedder(t.Context(), m); err != nil {
			t.Fatal(err)
		}
		after := search(t, e, a.user.ID, "owl")
		if !after.Semantic.Enabled || after.Semantic.Reason != "" || vectorHits(after) == 0 {
			t.Fatalf("after: semantic %+v, %d vector hits", after.Semantic, vectorHits(after))
		}
		if !e.Semantic().Enabled {
			t.Error("Semantic() still off")
		}
	})
}

// renamed is an embedder that says it is another model.
type renamed struct {
	TextEmbedder
	name string
}

func (r renamed) Name() string { return r.name }
