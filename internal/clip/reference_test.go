package clip_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/targetvision/targetvision/internal/clip"
	"github.com/targetvision/targetvision/internal/clip/cliptest"
)

// ref is an unoptimised, obviously correct CLIP forward pass in float64,
// written straight from the spec with plain loops and the HF tensor names.
type ref struct {
	t     *testing.T
	cfg   clip.Config
	w     clip.WeightSource
	cache map[string][]float32
}

func (r ref) get(name string, shape ...int) []float32 {
	r.t.Helper()
	if d, ok := r.cache[name]; ok {
		return d
	}
	d, err := r.w.Float32(name, shape...)
	if err != nil {
		r.t.Fatal(err)
	}
	r.cache[name] = d
	return d
}

// linear computes x·Wᵀ + b for W stored [out, in]; bias may be "".
func (r ref) linear(x [][]float64, wname, bname string, out, in int) [][]float64 {
	w := r.get(wname, out, in)
	var b []float32
	if bname != "" {
		b = r.get(bname, out)
	}
	y := make([][]float64, len(x))
	for t := range x {
		y[t] = make([]float64, out)
		for o := 0; o < out; o++ {
			s := 0.0
			for i := 0; i < in; i++ {
				s += float64(w[o*in+i]) * x[t][i]
			}
			if b != nil {
				s += float64(b[o])
			}
			y[t][o] = s
		}
	}
	return y
}

func (r ref) layerNorm(x []float64, prefix string, eps float64) []float64 {
	d := len(x)
	g, b := r.get(prefix+".weight", d), r.get(prefix+".bias", d)
	mean := 0.0
	for _, v := range x {
		mean += v
	}
	mean /= float64(d)
	variance := 0.0
	for _, v := range x {
		variance += (v - mean) * (v - mean)
	}
	variance /= float64(d)
	y := make([]float64, d)
	for i, v := range x {
		y[i] = (v-mean)/math.Sqrt(variance+eps)*float64(g[i]) + float64(b[i])
	}
	return y
}

func (r ref) tower(x [][]float64, prefix string, tc clip.TowerConfig, causal bool) [][]float64 {
	d, H := tc.HiddenSize, tc.NumAttentionHeads
	hd := d / H
	T := len(x)
	for l := 0; l < tc.NumHiddenLayers; l++ {
		p := fmt.Sprintf("%s.layers.%d.", prefix, l)
		h := make([][]float64, T)
		for t := range x {
			h[t] = r.layerNorm(x[t], p+"layer_norm1", tc.LayerNormEps)
		}
		q := r.linear(h, p+"self_attn.q_proj.weight", p+"self_attn.q_proj.bias", d, d)
		k := r.linear(h, p+"self_attn.k_proj.weight", p+"self_attn.k_proj.bias", d, d)
		v := r.linear(h, p+"self_attn.v_proj.weight", p+"self_attn.v_proj.bias", d, d)
		o := make([][]float64, T)
		for i := range o {
			o[i] = make([]float64, d)
		}
		for head := 0; head < H; head++ {
			for i := 0; i < T; i++ {
				scores := make([]float64, T)
				mx := math.Inf(-1)
				for j := 0; j < T; j++ {
					if causal && j > i {
						scores[j] = math.Inf(-1)
						continue
					}
					s := 0.0
					for c := head * hd; c < (head+1)*hd; c++ {
						s += q[i][c] * k[j][c]
					}
					scores[j] = s / math.Sqrt(float64(hd))
					mx = math.Max(mx, scores[j])
				}
				sum := 0.0
				for j := range scores {
					scores[j] = math.Exp(scores[j] - mx)
					sum += scores[j]
				}
				for j := range scores {
					for c := head * hd; c < (head+1)*hd; c++ {
						o[i][c] += scores[j] / sum * v[j][c]
					}
				}
			}
		}
		a := r.linear(o, p+"self_attn.out_proj.weight", p+"self_attn.out_proj.bias", d, d)
		for t := range x {
			for c := range x[t] {
				x[t][c] += a[t][c]
			}
			h[t] = r.layerNorm(x[t], p+"layer_norm2", tc.LayerNormEps)
		}
		m := r.linear(h, p+"mlp.fc1.weight", p+"mlp.fc1.bias", tc.IntermediateSize, d)
		for t := range m {
			for c, z := range m[t] {
				if tc.HiddenAct == "gelu" {
					m[t][c] = 0.5 * z * (1 + math.Erf(z/math.Sqrt2))
				} else {
					m[t][c] = z / (1 + math.Exp(-1.702*z))
				}
			}
		}
		m2 := r.linear(m, p+"mlp.fc2.weight", p+"mlp.fc2.bias", d, tc.IntermediateSize)
		for t := range x {
			for c := range x[t] {
				x[t][c] += m2[t][c]
			}
		}
	}
	return x
}

func l2(v []float64) []float64 {
	s := 0.0
	for _, x := range v {
		s += x * x
	}
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = x / math.Sqrt(s)
	}
	return out
}

// image embeds one CHW tensor: conv as a per-pixel sum, class token,
// positions, pre-LN, blocks, post-LN on token 0, projection, L2.
func (r ref) image(pix []float32) []float64 {
	vc := r.cfg.VisionConfig
	d, p, size := vc.HiddenSize, vc.PatchSize, vc.ImageSize
	grid := size / p
	conv := r.get("vision_model.embeddings.patch_embedding.weight", d, 3, p, p)
	cls := r.get("vision_model.embeddings.class_embedding", d)
	pos := r.get("vision_model.embeddings.position_embedding.weight", grid*grid+1, d)
	x := make([][]float64, grid*grid+1)
	for t := range x {
		x[t] = make([]float64, d)
		for c := 0; c < d; c++ {
			if t == 0 {
				x[t][c] = float64(cls[c])
			} else {
				row, col := (t-1)/grid, (t-1)%grid
				s := 0.0
				for ch := 0; ch < 3; ch++ {
					for ky := 0; ky < p; ky++ {
						for kx := 0; kx < p; kx++ {
							s += float64(conv[((c*3+ch)*p+ky)*p+kx]) * float64(pix[ch*size*size+(row*p+ky)*size+col*p+kx])
						}
					}
				}
				x[t][c] = s
			}
			x[t][c] += float64(pos[t*d+c])
		}
		x[t] = r.layerNorm(x[t], "vision_model.pre_layrnorm", vc.LayerNormEps)
	}
	x = r.tower(x, "vision_model.encoder", vc, false)
	pooled := r.layerNorm(x[0], "vision_model.post_layernorm", vc.LayerNormEps)
	return l2(r.linear([][]float64{pooled}, "visual_projection.weight", "", r.cfg.ProjectionDim, d)[0])
}

// text embeds ids padded to 77 with EOT (as HF pads) over the full causal
// sequence, pooling at the first EOT; the optimised path stops at EOT.
func (r ref) text(ids []int) []float64 {
	tc := r.cfg.TextConfig
	d := tc.HiddenSize
	emb := r.get("text_model.embeddings.token_embedding.weight", tc.VocabSize, d)
	pos := r.get("text_model.embeddings.position_embedding.weight", tc.MaxPositionEmbeddings, d)
	padded := append([]int(nil), ids...)
	for len(padded) < tc.MaxPositionEmbeddings {
		padded = append(padded, clip.EndOfText)
	}
	x := make([][]float64, len(padded))
	for t, id := range padded {
		x[t] = make([]float64, d)
		for c := range x[t] {
			x[t][c] = float64(emb[id*d+c]) + float64(pos[t*d+c])
		}
	}
	x = r.tower(x, "text_model.encoder", tc, true)
	eot := 0
	for i, id := range padded {
		if id == clip.EndOfText {
			eot = i
			break
		}
	}
	pooled := r.layerNorm(x[eot], "text_model.final_layer_norm", tc.LayerNormEps)
	return l2(r.linear([][]float64{pooled}, "text_projection.weight", "", r.cfg.ProjectionDim, d)[0])
}

func maxDiff(a []float32, b []float64) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	m := 0.0
	for i := range a {
		m = math.Max(m, math.Abs(float64(a[i])-b[i]))
	}
	return m
}

func TestForwardMatchesReference(t *testing.T) {
	t.Parallel()
	families := []struct {
		name string
		opts cliptest.Options
	}{
		{"B32-like quick_gelu f32", cliptest.Options{Seed: 1}},
		{"B16-like gelu f16", cliptest.Options{Seed: 2, ImageSize: 32, PatchSize: 16, VisionWidth: 48, VisionHeads: 4, TextWidth: 24, TextHeads: 3, ProjectionDim: 12, HiddenAct: "gelu", DType: "F16"}},
		{"L14-like quick_gelu bf16 3 layers", cliptest.Options{Seed: 3, ImageSize: 28, PatchSize: 14, VisionWidth: 64, VisionLayers: 3, VisionHeads: 4, TextWidth: 48, TextHeads: 4, ProjectionDim: 24, DType: "BF16"}},
		{"L14-like gelu wide text", cliptest.Options{Seed: 4, ImageSize: 42, PatchSize: 14, VisionWidth: 40, VisionHeads: 5, TextWidth: 64, TextLayers: 3, TextHeads: 8, ProjectionDim: 32, HiddenAct: "gelu"}},
	}
	for _, fam := range families {
		t.Run(fam.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if err := cliptest.WriteCheckpoint(dir, fam.opts); err != nil {
				t.Fatal(err)
			}
			m, err := clip.Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			st, err := clip.OpenSafeTensors(filepath.Join(dir, "model.safetensors"))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			r := ref{t: t, cfg: m.Config(), w: st, cache: map[string][]float32{}}
			if m.Dim() != fam.opts.Config().ProjectionDim {
				t.Errorf("Dim = %d", m.Dim())
			}

			// Three random images in one batch, each against the reference.
			size := m.Config().VisionConfig.ImageSize
			rng := rand.New(rand.NewPCG(fam.opts.Seed, 99))
			pix := make([][]float32, 3)
			for i := range pix {
				pix[i] = make([]float32, 3*size*size)
				for j := range pix[i] {
					pix[i][j] = float32(rng.NormFloat64())
				}
			}
			got, err := m.EmbedPixels(context.Background(), pix)
			if err != nil {
				t.Fatal(err)
			}
			worst := 0.0
			for i := range pix {
				want := r.image(pix[i])
				d := maxDiff(got[i], want)
				if d > 1e-5 {
					t.Errorf("image %d: max |diff| = %g", i, d)
				}
				worst = math.Max(worst, d)
			}
			// Distinct inputs give distinct embeddings (no batch mix-up).
			if maxDiff(got[0], toF64(got[1])) < 1e-3 {
				t.Error("two different images embedded identically")
			}

			for _, text := range []string{"a photo of a cat", "red barn in snow at dusk", ""} {
				ids := m.Tokenizer().Encode(text)
				got, err := m.EmbedText(context.Background(), text)
				if err != nil {
					t.Fatal(err)
				}
				d := maxDiff(got, r.text(ids))
				if d > 1e-5 {
					t.Errorf("text %q: max |diff| = %g", text, d)
				}
				worst = math.Max(worst, d)
			}
			t.Logf("largest |optimised − reference| over images and texts: %.2g", worst)
		})
	}
}

func toF64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}
