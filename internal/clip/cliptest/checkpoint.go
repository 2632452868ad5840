// Package cliptest makes tiny, deterministic CLIP checkpoints in the real
// Hugging Face file layout and a fake model hub that serves them, so tests of
// any package can load a real model (and download one) without the internet
// or 600 MB of weights.
package cliptest

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/targetvision/targetvision/internal/clip"

	"github.com/targetvision/targetvision/internal/testshared"
)

// Options shape a tiny checkpoint. The zero value is a small ViT-B/32-like
// model (64-pixel images, 32-pixel patches, width 32, 2 layers, quick_gelu)
// whose text tower uses the full 49,408-token CLIP vocabulary.
type Options struct {
	// Seed makes the weights reproducible; the same options always give
	// byte-identical files.
	Seed uint64
	// ImageSize and PatchSize default to 64 and 32.
	ImageSize, PatchSize int
	// VisionWidth/Layers/Heads default to 32, 2, 2 (MLP is 4×width).
	VisionWidth, VisionLayers, VisionHeads int
	// TextWidth/Layers/Heads default to 32, 2, 2.
	TextWidth, TextLayers, TextHeads int
	// ProjectionDim defaults to 16.
	ProjectionDim int
	// HiddenAct is "quick_gelu" (default, OpenAI) or "gelu" (LAION).
	HiddenAct string
	// DType stores the weights as "F32" (default), "F16" or "BF16".
	DType string
	// Name is written as config.json's _name_or_path (default "cliptest/tiny").
	Name string
}

func (o Options) withDefaults() Options {
	d := func(v *int, def int) {
		if *v == 0 {
			*v = def
		}
	}
	d(&o.ImageSize, 64)
	d(&o.PatchSize, 32)
	d(&o.VisionWidth, 32)
	d(&o.VisionLayers, 2)
	d(&o.VisionHeads, 2)
	d(&o.TextWidth, 32)
	d(&o.TextLayers, 2)
	d(&o.TextHeads, 2)
	d(&o.ProjectionDim, 16)
	if o.HiddenAct == "" {
		o.HiddenAct = "quick_gelu"
	}
	if o.DType == "" {
		o.DType = "F32"
	}
	if o.Name == "" {
		o.Name = "cliptest/tiny"
	}
	return o
}

// Config returns the clip.Config the options describe.
func (o Options) Config() clip.Config {
	o = o.withDefaults()
	return clip.Config{
		NameOrPath:    o.Name,
		ProjectionDim: o.ProjectionDim,
		TextConfig: clip.TowerConfig{
			HiddenSize: o.TextWidth, IntermediateSize: 4 * o.TextWidth,
			NumHiddenLayers: o.TextLayers, NumAttentionHeads: o.TextHeads,
			HiddenAct: o.HiddenAct, LayerNormEps: 1e-5,
			VocabSize: 49408, MaxPositionEmbeddings: clip.ContextLength,
		},
		VisionConfig: clip.TowerConfig{
			HiddenSize: o.VisionWidth, IntermediateSize: 4 * o.VisionWidth,
			NumHiddenLayers: o.VisionLayers, NumAttentionHeads: o.VisionHeads,
			HiddenAct: o.HiddenAct, LayerNormEps: 1e-5,
			NumChannels: 3, ImageSize: o.ImageSize, PatchSize: o.PatchSize,
		},
	}
}

// ViTB32 is the real ViT-B/32 configuration (OpenAI sizes, quick_gelu), for
// benchmarks with real-size random weights.
func ViTB32() clip.Config {
	c, err := clip.ParseConfig([]byte(`{"_name_or_path":"random/vit-b-32","text_config":{},"vision_config":{}}`))
	if err != nil {
		panic(err) // the literal above is valid
	}
	return c
}

// Tensor is one named weight with its shape.
type Tensor struct {
	Shape []int
	Data  []float32
}

// Weights is an in-memory clip.WeightSource of random tensors.
type Weights map[string]Tensor

// Float32 implements clip.WeightSource.
func (w Weights) Float32(name string, shape ...int) ([]float32, error) {
	t, ok := w[name]
	if !ok {
		return nil, fmt.Errorf("%w: %q", clip.ErrMissingTensor, name)
	}
	if !slices.Equal(t.Shape, shape) {
		return nil, fmt.Errorf("%w: %q is %v, want %v", clip.ErrShape, name, t.Shape, shape)
	}
	return t.Data, nil
}

type kind int

const (
	kLinear kind = iota
	kBias
	kGain
	kEmbed
	kScalar
)

// RandomWeights generates every tensor of cfg deterministically from seed.
// Linear weights have variance 1/in so activations stay O(1) through the
// layers, LayerNorm gains are near 1 and biases small.
func RandomWeights(cfg clip.Config, seed uint64) Weights {
	w := Weights{}
	add := func(name string, k kind, shape ...int) {
		n := 1
		for _, d := range shape {
			n *= d
		}
		h := fnv.New64a()
		h.Write([]byte(name))
		r := rand.New(rand.NewPCG(seed, h.Sum64()))
		data := make([]float32, n)
		u := func() float32 { return float32(2*r.Float64() - 1) }
		switch k {
		case kLinear:
			in := shape[len(shape)-1]
			if len(shape) == 4 {
				in = shape[1] * shape[2] * shape[3]
			}
			s := float32(math.Sqrt(3 / float64(in)))
			for i := range data {
				data[i] = u() * s
			}
		case kBias:
			for i := range data {
				data[i] = 0.1 * u()
			}
		case kGain:
			for i := range data {
				data[i] = 1 + 0.2*u()
			}
		case kEmbed:
			for i := range data {
				data[i] = 0.5 * u()
			}
		case kScalar:
			data[0] = float32(math.Log(100))
		}
		if shape == nil {
			shape = []int{}
		}
		w[name] = Tensor{Shape: shape, Data: data}
	}
	ln := func(p string, d int) {
		add(p+".weight", kGain, d)
		add(p+".bias", kBias, d)
	}
	tower := func(p string, t clip.TowerConfig) {
		d, f := t.HiddenSize, t.IntermediateSize
		for i := 0; i < t.NumHiddenLayers; i++ {
			l := fmt.Sprintf("%s.layers.%d.", p, i)
			ln(l+"layer_norm1", d)
			ln(l+"layer_norm2", d)
			for _, n := range []string{"q", "k", "v", "out"} {
				add(l+"self_attn."+n+"_proj.weight", kLinear, d, d)
				add(l+"self_attn."+n+"_proj.bias", kBias, d)
			}
			add(l+"mlp.fc1.weight", kLinear, f, d)
			add(l+"mlp.fc1.bias", kBias, f)
			add(l+"mlp.fc2.weight", kLinear, d, f)
			add(l+"mlp.fc2.bias", kBias, d)
		}
	}
	v, t, e := cfg.VisionConfig, cfg.TextConfig, cfg.ProjectionDim
	grid := v.ImageSize / v.PatchSize
	add("logit_scale", kScalar)
	add("vision_model.embeddings.patch_embedding.weight", kLinear, v.HiddenSize, v.NumChannels, v.PatchSize, v.PatchSize)
	add("vision_model.embeddings.class_embedding", kEmbed, v.HiddenSize)
	add("vision_model.embeddings.position_embedding.weight", kEmbed, grid*grid+1, v.HiddenSize)
	ln("vision_model.pre_layrnorm", v.HiddenSize)
	tower("vision_model.encoder", v)
	ln("vision_model.post_layernorm", v.HiddenSize)
	add("visual_projection.weight", kLinear, e, v.HiddenSize)
	add("text_model.embeddings.token_embedding.weight", kEmbed, t.VocabSize, t.HiddenSize)
	add("text_model.embeddings.position_embedding.weight", kEmbed, t.MaxPositionEmbeddings, t.HiddenSize)
	tower("text_model.encoder", t)
	ln("text_model.final_layer_norm", t.HiddenSize)
	add("text_projection.weight", kLinear, e, t.HiddenSize)
	return w
}

func (w Weights) tensorData(dtype string) []clip.TensorData {
	var ts []clip.TensorData
	for name, t := range w {
		dt := dtype
		if name == "logit_scale" {
			dt = "F32"
		}
		ts = append(ts, clip.TensorData{Name: name, Shape: t.Shape, DType: dt, Data: t.Data})
	}
	return ts
}

// WriteCheckpoint writes config.json, model.safetensors, vocab.json and
// merges.txt for a tiny random model into dir (created if needed). The
// tokenizer files hold the real CLIP vocabulary, built from
// ../shared/clip/bpe_simple_vocab_16e6.txt.gz beside the repository root.
func WriteCheckpoint(dir string, opts Options) error {
	opts = opts.withDefaults()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("cliptest: %w", err)
	}
	cfg := opts.Config()
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("cliptest: %w", err)
	}
	cj, err := json.MarshalIndent(hfConfig(cfg), "", "  ")
	if err != nil {
		return fmt.Errorf("cliptest: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), cj, 0o644); err != nil {
		return fmt.Errorf("cliptest: %w", err)
	}
	f, err := os.Create(filepath.Join(dir, "model.safetensors"))
	if err != nil {
		return fmt.Errorf("cliptest: %w", err)
	}
	if err := clip.WriteSafeTensors(f, RandomWeights(cfg, opts.Seed).tensorData(opts.DType)); err != nil {
		f.Close()
		return fmt.Errorf("cliptest: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("cliptest: %w", err)
	}
	vocab, merges, err := tokenizerFiles()
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "vocab.json"), vocab, 0o644); err != nil {
		return fmt.Errorf("cliptest: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "merges.txt"), merges, 0o644); err != nil {
		return fmt.Errorf("cliptest: %w", err)
	}
	return nil
}

// hfConfig renders cfg the way transformers writes a CLIP config.json,
// including the wrong bos/eos/pad ids real checkpoints carry.
func hfConfig(cfg clip.Config) map[string]any {
	t, v := cfg.TextConfig, cfg.VisionConfig
	return map[string]any{
		"_name_or_path":          cfg.NameOrPath,
		"architectures":          []string{"CLIPModel"},
		"model_type":             "clip",
		"initializer_factor":     1.0,
		"logit_scale_init_value": 2.6592,
		"projection_dim":         cfg.ProjectionDim,
		"torch_dtype":            "float32",
		"text_config": map[string]any{
			"model_type": "clip_text_model", "hidden_size": t.HiddenSize,
			"intermediate_size": t.IntermediateSize, "num_hidden_layers": t.NumHiddenLayers,
			"num_attention_heads": t.NumAttentionHeads, "max_position_embeddings": t.MaxPositionEmbeddings,
			"vocab_size": t.VocabSize, "hidden_act": t.HiddenAct, "layer_norm_eps": t.LayerNormEps,
			"attention_dropout": 0.0, "dropout": 0.0, "bos_token_id": 0, "eos_token_id": 2, "pad_token_id": 1,
			"projection_dim": cfg.ProjectionDim,
		},
		"vision_config": map[string]any{
			"model_type": "clip_vision_model", "hidden_size": v.HiddenSize,
			"intermediate_size": v.IntermediateSize, "num_hidden_layers": v.NumHiddenLayers,
			"num_attention_heads": v.NumAttentionHeads, "image_size": v.ImageSize, "patch_size": v.PatchSize,
			"hidden_act": v.HiddenAct, "layer_norm_eps": v.LayerNormEps, "dropout": 0.0,
			"projection_dim": cfg.ProjectionDim,
		},
	}
}

var (
	tokOnce          sync.Once
	tokVocab, tokMrg []byte
	tokErr           error
)

// tokenizerFiles renders vocab.json and merges.txt once per process.
func tokenizerFiles() (vocab, merges []byte, err error) {
	tokOnce.Do(func() {
		path, err := BPEPath()
		if err != nil {
			tokErr = err
			return
		}
		dir, err := os.MkdirTemp("", "cliptest-tok")
		if err != nil {
			tokErr = fmt.Errorf("cliptest: %w", err)
			return
		}
		defer os.RemoveAll(dir)
		f, err := os.Open(path)
		if err != nil {
			tokErr = fmt.Errorf("cliptest: %w", err)
			return
		}
		defer f.Close()
		m, err := clip.ReadBPEGz(f)
		if err != nil {
			tokErr = fmt.Errorf("cliptest: %w", err)
			return
		}
		if err := clip.WriteHFTokenizerFiles(dir, m); err != nil {
			tokErr = fmt.Errorf("cliptest: %w", err)
			return
		}
		if tokVocab, err = os.ReadFile(filepath.Join(dir, "vocab.json")); err != nil {
			tokErr = fmt.Errorf("cliptest: %w", err)
			return
		}
		if tokMrg, err = os.ReadFile(filepath.Join(dir, "merges.txt")); err != nil {
			tokErr = fmt.Errorf("cliptest: %w", err)
		}
	})
	return tokVocab, tokMrg, tokErr
}

// BPEPath locates ../shared/clip/bpe_simple_vocab_16e6.txt.gz relative to
// the repository root (the nearest directory above the working directory
// that holds go.mod).
func BPEPath() (string, error) {
	root, err := testshared.Root()
	if err != nil {
		return "", err
	}
	p := filepath.Join(root, "..", "shared", "clip", "bpe_simple_vocab_16e6.txt.gz")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("cliptest: real CLIP vocabulary not found beside the repository: %w", err)
	}
	return p, nil
}
