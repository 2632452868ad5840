package clip

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
)

// ErrConfig means config.json is unreadable or describes an unsupported model.
var ErrConfig = errors.New("clip: bad config")

// TowerConfig holds the sizes of one transformer tower. Zero fields are
// filled with the Hugging Face CLIPTextConfig / CLIPVisionConfig defaults, as
// transformers does, because minimal configs (LAION's) omit them.
type TowerConfig struct {
	HiddenSize            int     `json:"hidden_size"`
	IntermediateSize      int     `json:"intermediate_size"`
	NumHiddenLayers       int     `json:"num_hidden_layers"`
	NumAttentionHeads     int     `json:"num_attention_heads"`
	HiddenAct             string  `json:"hidden_act"`
	LayerNormEps          float64 `json:"layer_norm_eps"`
	VocabSize             int     `json:"vocab_size"`
	MaxPositionEmbeddings int     `json:"max_position_embeddings"`
	NumChannels           int     `json:"num_channels"`
	ImageSize             int     `json:"image_size"`
	PatchSize             int     `json:"patch_size"`
}

// Config is the part of a Hugging Face CLIP config.json that inference needs.
type Config struct {
	NameOrPath    string      `json:"_name_or_path"`
	ProjectionDim int         `json:"projection_dim"`
	TextConfig    TowerConfig `json:"text_config"`
	VisionConfig  TowerConfig `json:"vision_config"`
}

// LoadConfig reads and completes config.json from path.
func LoadConfig(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("clip: read config: %w", err)
	}
	return ParseConfig(b)
}

// ParseConfig parses config.json bytes, fills defaults and validates.
func ParseConfig(b []byte) (Config, error) {
	var c Config
	if err := json.Unmarshal(b, &c); err != nil {
		return Config{}, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	c.fillDefaults()
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

func orInt(v *int, d int) {
	if *v == 0 {
		*v = d
	}
}

func (c *Config) fillDefaults() {
	orInt(&c.ProjectionDim, 512)
	t := &c.TextConfig
	orInt(&t.VocabSize, 49408)
	orInt(&t.HiddenSize, 512)
	orInt(&t.IntermediateSize, 2048)
	orInt(&t.NumHiddenLayers, 12)
	orInt(&t.NumAttentionHeads, 8)
	orInt(&t.MaxPositionEmbeddings, 77)
	if t.HiddenAct == "" {
		t.HiddenAct = "quick_gelu"
	}
	if t.LayerNormEps == 0 {
		t.LayerNormEps = 1e-5
	}
	v := &c.VisionConfig
	orInt(&v.HiddenSize, 768)
	orInt(&v.IntermediateSize, 3072)
	orInt(&v.NumHiddenLayers, 12)
	orInt(&v.NumAttentionHeads, 12)
	orInt(&v.NumChannels, 3)
	orInt(&v.ImageSize, 224)
	orInt(&v.PatchSize, 32)
	if v.HiddenAct == "" {
		v.HiddenAct = "quick_gelu"
	}
	if v.LayerNormEps == 0 {
		v.LayerNormEps = 1e-5
	}
}

// Validate reports configurations this implementation cannot run.
func (c Config) Validate() error {
	for _, tw := range []struct {
		name string
		t    TowerConfig
	}{{"text", c.TextConfig}, {"vision", c.VisionConfig}} {
		t := tw.t
		if t.HiddenSize <= 0 || t.NumAttentionHeads <= 0 || t.HiddenSize%t.NumAttentionHeads != 0 {
			return fmt.Errorf("%w: %s hidden_size %d not divisible by num_attention_heads %d", ErrConfig, tw.name, t.HiddenSize, t.NumAttentionHeads)
		}
		if t.IntermediateSize <= 0 || t.NumHiddenLayers <= 0 {
			return fmt.Errorf("%w: %s tower has non-positive sizes", ErrConfig, tw.name)
		}
		if _, err := activation(t.HiddenAct); err != nil {
			return err
		}
	}
	v := c.VisionConfig
	if v.NumChannels != 3 {
		return fmt.Errorf("%w: num_channels %d (only RGB is supported)", ErrConfig, v.NumChannels)
	}
	if v.PatchSize <= 0 || v.ImageSize%v.PatchSize != 0 {
		return fmt.Errorf("%w: image_size %d not a multiple of patch_size %d", ErrConfig, v.ImageSize, v.PatchSize)
	}
	if c.TextConfig.MaxPositionEmbeddings < 2 {
		return fmt.Errorf("%w: max_position_embeddings %d too small", ErrConfig, c.TextConfig.MaxPositionEmbeddings)
	}
	if c.ProjectionDim <= 0 {
		return fmt.Errorf("%w: projection_dim %d", ErrConfig, c.ProjectionDim)
	}
	return nil
}

// Activation names a supported MLP nonlinearity.
type Activation int

// Supported activations.
const (
	// QuickGELU is x·sigmoid(1.702x), used by OpenAI's weights.
	QuickGELU Activation = iota
	// GELU is the exact erf GELU, used by LAION/open_clip weights.
	GELU
)

func activation(name string) (Activation, error) {
	switch name {
	case "quick_gelu":
		return QuickGELU, nil
	case "gelu":
		return GELU, nil
	}
	return 0, fmt.Errorf("%w: unsupported hidden_act %q", ErrConfig, name)
}
