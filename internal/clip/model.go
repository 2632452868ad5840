// Package clip runs OpenAI/LAION CLIP models (ViT-B/32, ViT-B/16, ViT-L/14)
// in pure Go from Hugging Face checkpoint files, so photos and queries can be
// embedded into one vector space without Python or cgo.
//
// It holds the safetensors reader, config loading with Hugging Face defaults,
// the byte-level BPE tokenizer, Pillow-exact image preprocessing, and the
// vision and text transformers (spec: shared/specs/clip.md). Large matrix
// products go through internal/linalg so its optimised kernels apply.
package clip

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// DefaultModel is the checkpoint TargetVision uses unless
// TARGETVISION_CLIP_MODEL says otherwise.
const DefaultModel = "laion/CLIP-ViT-B-32-laion2B-s34B-b79K"

// Files lists the checkpoint files Load needs, in the order they are fetched.
var Files = []string{"config.json", "vocab.json", "merges.txt", "model.safetensors"}

// SourceFile is written next to a downloaded checkpoint by the model hub
// client and records where it came from; Name prefers its repo.
const SourceFile = "source.json"

// Source is the content of SourceFile.
type Source struct {
	Repo     string `json:"repo"`
	Revision string `json:"revision"`
	Commit   string `json:"commit,omitempty"`
	// Files records each file's size and sha256 as verified when it was
	// downloaded, so a copy on another machine can be checked offline
	// (`models import`).
	Files map[string]FileSum `json:"files,omitempty"`
}

// FileSum is a file's size and sha256 (hex).
type FileSum struct {
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// ModelDir maps a data directory and a hub model name ("org/name") to the
// checkpoint directory used by `models pull` and by Load.
func ModelDir(dataDir, name string) string {
	parts := strings.Split(name, "/")
	return filepath.Join(append([]string{dataDir, "models"}, parts...)...)
}

// ErrEmptyInput means the caller passed nothing to embed, or an image with
// no pixels.
var ErrEmptyInput = errors.New("clip: nothing to embed")

// maxImageBatch bounds the images run through the vision tower at once, which
// bounds activation memory (16 B/32 images ≈ 10 MB per activation buffer).
const maxImageBatch = 16

// WeightSource yields named tensors with a required shape; *SafeTensors is
// one, and tests and benchmarks supply in-memory ones.
type WeightSource interface {
	Float32(name string, shape ...int) ([]float32, error)
}

// Model is a loaded CLIP model. It is safe for concurrent use.
type Model struct {
	cfg        Config
	name       string
	tok        *Tokenizer
	logger     *slog.Logger
	logitScale float32

	// vision
	patchW   []float32 // [D, 3·P·P]
	classEmb []float32
	vPos     []float32 // [T, D]
	preLN    layerNorm
	vTower   tower
	postLN   layerNorm
	vProj    []float32 // [E, D]

	// text
	tokEmb  []float32 // [V, D]
	tPos    []float32 // [77, D]
	tTower  tower
	finalLN layerNorm
	tProj   []float32 // [E, D]
}

// Option configures Load.
type Option func(*options)

type options struct {
	logger *slog.Logger
	name   string
}

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithName overrides the model name that Name reports (and that embeddings
// are stored under).
func WithName(name string) Option { return func(o *options) { o.name = name } }

// Load reads a Hugging Face CLIP checkpoint directory: config.json,
// model.safetensors, vocab.json and merges.txt.
func Load(dir string, opts ...Option) (*Model, error) {
	o := options{}
	for _, f := range opts {
		f(&o)
	}
	start := time.Now()
	cfg, err := LoadConfig(filepath.Join(dir, "config.json"))
	if err != nil {
		return nil, err
	}
	tok, err := LoadTokenizer(filepath.Join(dir, "vocab.json"), filepath.Join(dir, "merges.txt"))
	if err != nil {
		return nil, err
	}
	st, err := OpenSafeTensors(filepath.Join(dir, "model.safetensors"))
	if err != nil {
		return nil, err
	}
	defer st.Close()
	if o.name == "" {
		o.name = nameFor(dir, cfg)
	}
	m, err := NewModel(cfg, st, tok, opts...)
	if err != nil {
		return nil, err
	}
	m.name = o.name
	m.logger.Info("clip model loaded", "name", m.name, "dir", dir, "dim", m.Dim(), "took", time.Since(start))
	return m, nil
}

func nameFor(dir string, cfg Config) string {
	if b, err := os.ReadFile(filepath.Join(dir, SourceFile)); err == nil {
		var s Source
		if json.Unmarshal(b, &s) == nil && s.Repo != "" {
			return s.Repo
		}
	}
	if n := cfg.NameOrPath; n != "" && !filepath.IsAbs(n) && !strings.HasPrefix(n, ".") {
		return n
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return filepath.Base(dir)
	}
	return filepath.Base(abs)
}

// NewModel builds a model from a config, a weight source and a tokenizer.
// Load is the usual entry point; this one lets tests and benchmarks supply
// weights from memory.
func NewModel(cfg Config, w WeightSource, tok *Tokenizer, opts ...Option) (*Model, error) {
	o := options{}
	for _, f := range opts {
		f(&o)
	}
	if o.logger == nil {
		o.logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m := &Model{cfg: cfg, tok: tok, logger: o.logger, name: o.name}
	if m.name == "" {
		m.name = cfg.NameOrPath
	}
	l := loader{w: w}
	v, t, e := cfg.VisionConfig, cfg.TextConfig, cfg.ProjectionDim
	p := v.PatchSize
	grid := v.ImageSize / p
	nTok := grid*grid + 1

	if ls := l.get("logit_scale"); ls != nil {
		m.logitScale = ls[0]
	}
	m.patchW = l.get("vision_model.embeddings.patch_embedding.weight", v.HiddenSize, v.NumChannels, p, p)
	m.classEmb = l.get("vision_model.embeddings.class_embedding", v.HiddenSize)
	m.vPos = l.get("vision_model.embeddings.position_embedding.weight", nTok, v.HiddenSize)
	m.preLN = l.layerNorm("vision_model.pre_layrnorm", v)
	m.vTower = l.tower("vision_model.encoder", v)
	m.postLN = l.layerNorm("vision_model.post_layernorm", v)
	m.vProj = l.get("visual_projection.weight", e, v.HiddenSize)

	m.tokEmb = l.get("text_model.embeddings.token_embedding.weight", t.VocabSize, t.HiddenSize)
	m.tPos = l.get("text_model.embeddings.position_embedding.weight", t.MaxPositionEmbeddings, t.HiddenSize)
	m.tTower = l.tower("text_model.encoder", t)
	m.finalLN = l.layerNorm("text_model.final_layer_norm", t)
	m.tProj = l.get("text_projection.weight", e, t.HiddenSize)
	if l.err != nil {
		return nil, l.err
	}
	if t.VocabSize <= EndOfText {
		return nil, fmt.Errorf("%w: vocab_size %d has no room for the special tokens", ErrConfig, t.VocabSize)
	}
	return m, nil
}

// loader collects the first error so NewModel reads as a list of tensors.
type loader struct {
	w   WeightSource
	err error
}

func (l *loader) get(name string, shape ...int) []float32 {
	if l.err != nil {
		return nil
	}
	d, err := l.w.Float32(name, shape...)
	if err != nil {
		l.err = err
	}
	return d
}

func (l *loader) layerNorm(prefix string, t TowerConfig) layerNorm {
	return layerNorm{
		g:   l.get(prefix+".weight", t.HiddenSize),
		b:   l.get(prefix+".bias", t.HiddenSize),
		eps: float32(t.LayerNormEps),
	}
}

func (l *loader) tower(prefix string, t TowerConfig) tower {
	d, f := t.HiddenSize, t.IntermediateSize
	act, err := activation(t.HiddenAct)
	if err != nil && l.err == nil {
		l.err = err
	}
	tw := tower{dim: d, heads: t.NumAttentionHeads, mlp: f, act: act}
	for i := 0; i < t.NumHiddenLayers; i++ {
		p := fmt.Sprintf("%s.layers.%d.", prefix, i)
		var b block
		b.ln1 = l.layerNorm(p+"layer_norm1", t)
		b.ln2 = l.layerNorm(p+"layer_norm2", t)
		b.wqkv = make([]float32, 0, 3*d*d)
		b.bqkv = make([]float32, 0, 3*d)
		for _, n := range []string{"q", "k", "v"} {
			b.wqkv = append(b.wqkv, l.get(p+"self_attn."+n+"_proj.weight", d, d)...)
			b.bqkv = append(b.bqkv, l.get(p+"self_attn."+n+"_proj.bias", d)...)
		}
		b.wo = l.get(p+"self_attn.out_proj.weight", d, d)
		b.bo = l.get(p+"self_attn.out_proj.bias", d)
		b.w1 = l.get(p+"mlp.fc1.weight", f, d)
		b.b1 = l.get(p+"mlp.fc1.bias", f)
		b.w2 = l.get(p+"mlp.fc2.weight", d, f)
		b.b2 = l.get(p+"mlp.fc2.bias", d)
		tw.layers = append(tw.layers, b)
	}
	return tw
}

// Dim is the embedding dimension (projection_dim).
func (m *Model) Dim() int { return m.cfg.ProjectionDim }

// Name identifies the weights (hub repo when known); embeddings from
// different names are not comparable.
func (m *Model) Name() string { return m.name }

// Config returns the completed configuration.
func (m *Model) Config() Config { return m.cfg }

// Tokenizer returns the model's tokenizer.
func (m *Model) Tokenizer() *Tokenizer { return m.tok }

// LogitScale is exp(logit_scale), the factor turning cosine similarities into
// zero-shot classification logits (≈100 for trained CLIP weights).
func (m *Model) LogitScale() float32 { return float32(math.Exp(float64(m.logitScale))) }

// EmbedText returns the L2-normalised embedding of a query.
func (m *Model) EmbedText(ctx context.Context, text string) ([]float32, error) {
	return m.EmbedTokens(ctx, m.tok.Encode(text))
}

// EmbedTokens embeds a token sequence that starts with SOT; it runs the text
// tower only up to the first EOT (spec §2a), which is where CLIP pools.
func (m *Model) EmbedTokens(ctx context.Context, ids []int) ([]float32, error) {
	if len(ids) == 0 {
		return nil, ErrEmptyInput
	}
	t := m.cfg.TextConfig
	eot := len(ids) - 1
	for i, id := range ids {
		if id == EndOfText {
			eot = i
			break
		}
	}
	if eot >= t.MaxPositionEmbeddings {
		return nil, fmt.Errorf("clip: %d tokens exceed the context of %d", eot+1, t.MaxPositionEmbeddings)
	}
	n, d := eot+1, t.HiddenSize
	x := make([]float32, n*d)
	for i := 0; i < n; i++ {
		id := ids[i]
		if id < 0 || id >= t.VocabSize {
			return nil, fmt.Errorf("clip: token id %d out of range", id)
		}
		row := x[i*d : (i+1)*d]
		te, pe := m.tokEmb[id*d:(id+1)*d], m.tPos[i*d:(i+1)*d]
		for j := range row {
			row[j] = te[j] + pe[j]
		}
	}
	if err := m.tTower.forward(ctx, x, 1, n, true); err != nil {
		return nil, err
	}
	pooled := make([]float32, d)
	m.finalLN.apply(pooled, x[eot*d:(eot+1)*d])
	out := make([]float32, m.cfg.ProjectionDim)
	matMulTransB(out, pooled, m.tProj, 1, m.cfg.ProjectionDim, d)
	normalize(out)
	return out, nil
}

// EmbedImages returns one L2-normalised embedding per image. Images must be
// decoded and oriented already; preprocessing and inference use all cores.
func (m *Model) EmbedImages(ctx context.Context, imgs []image.Image) ([][]float32, error) {
	if len(imgs) == 0 {
		return nil, ErrEmptyInput
	}
	for i, img := range imgs {
		if img == nil || img.Bounds().Empty() {
			return nil, fmt.Errorf("%w: image %d has no pixels", ErrEmptyInput, i)
		}
	}
	size := m.cfg.VisionConfig.ImageSize
	out := make([][]float32, 0, len(imgs))
	for start := 0; start < len(imgs); start += maxImageBatch {
		batch := imgs[start:min(start+maxImageBatch, len(imgs))]
		pix := make([][]float32, len(batch))
		parallelTasks(len(batch), func(i int) { pix[i] = Preprocess(batch[i], size) })
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("clip: embed images: %w", err)
		}
		embs, err := m.EmbedPixels(ctx, pix)
		if err != nil {
			return nil, err
		}
		out = append(out, embs...)
	}
	return out, nil
}

// EmbedPixels runs the vision tower on preprocessed CHW tensors (see
// Preprocess) as one batch.
func (m *Model) EmbedPixels(ctx context.Context, pix [][]float32) ([][]float32, error) {
	v := m.cfg.VisionConfig
	d, p, size := v.HiddenSize, v.PatchSize, v.ImageSize
	grid := size / p
	np := grid * grid
	T := np + 1
	B := len(pix)
	kk := 3 * p * p
	for i, px := range pix {
		if len(px) != 3*size*size {
			return nil, fmt.Errorf("clip: image %d has %d values, want %d", i, len(px), 3*size*size)
		}
	}
	// Patches as rows in (c, ky, kx) order, then one GEMM with the conv weight.
	patches := getBuf(B * np * kk)
	defer putBuf(patches)
	parallelFor(B*np, 8, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			img, pi := pix[r/np], r%np
			py, pxx := pi/grid, pi%grid
			dst := patches[r*kk : (r+1)*kk]
			o := 0
			for c := 0; c < 3; c++ {
				for ky := 0; ky < p; ky++ {
					src := img[c*size*size+(py*p+ky)*size+pxx*p:]
					copy(dst[o:o+p], src[:p])
					o += p
				}
			}
		}
	})
	emb := getBuf(B * np * d)
	defer putBuf(emb)
	matMulTransB(emb, patches, m.patchW, B*np, d, kk)
	x := getBuf(B * T * d)
	defer putBuf(x)
	parallelFor(B*T, 16, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			b, t := r/T, r%T
			row := x[r*d : (r+1)*d]
			src := m.classEmb
			if t > 0 {
				src = emb[(b*np+t-1)*d : (b*np+t)*d]
			}
			pos := m.vPos[t*d : (t+1)*d]
			for j := range row {
				row[j] = src[j] + pos[j]
			}
			m.preLN.apply(row, row)
		}
	})
	if err := m.vTower.forward(ctx, x, B, T, false); err != nil {
		return nil, err
	}
	pooled := make([]float32, B*d)
	for b := 0; b < B; b++ {
		m.postLN.apply(pooled[b*d:(b+1)*d], x[b*T*d:(b*T+1)*d])
	}
	e := m.cfg.ProjectionDim
	proj := make([]float32, B*e)
	matMulTransB(proj, pooled, m.vProj, B, e, d)
	out := make([][]float32, B)
	for b := range out {
		out[b] = proj[b*e : (b+1)*e : (b+1)*e]
		normalize(out[b])
	}
	return out, nil
}

func normalize(v []float32) {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	n := math.Sqrt(s)
	if n == 0 {
		return
	}
	inv := float32(1 / n)
	for i := range v {
		v[i] *= inv
	}
}
