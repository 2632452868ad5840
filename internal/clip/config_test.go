package clip

import (
	"errors"
	"testing"
)

func TestParseConfig(t *testing.T) {
	t.Parallel()
	// The public LAION ViT-B/32 config: sizes omitted, gelu given.
	laion := `{"architectures":["CLIPModel"],"initializer_factor":1.0,"logit_scale_init_value":2.6592,
	 "model_type":"clip","projection_dim":512,"torch_dtype":"float32",
	 "text_config":{"dropout":0.0,"hidden_act":"gelu","model_type":"clip_text_model"},
	 "vision_config":{"dropout":0.0,"hidden_act":"gelu","model_type":"clip_vision_model"}}`
	c, err := ParseConfig([]byte(laion))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{ProjectionDim: 512,
		TextConfig: TowerConfig{HiddenSize: 512, IntermediateSize: 2048, NumHiddenLayers: 12, NumAttentionHeads: 8,
			HiddenAct: "gelu", LayerNormEps: 1e-5, VocabSize: 49408, MaxPositionEmbeddings: 77},
		VisionConfig: TowerConfig{HiddenSize: 768, IntermediateSize: 3072, NumHiddenLayers: 12, NumAttentionHeads: 12,
			HiddenAct: "gelu", LayerNormEps: 1e-5, NumChannels: 3, ImageSize: 224, PatchSize: 32},
	}
	if c != want {
		t.Errorf("LAION config = %+v\nwant %+v", c, want)
	}

	// An OpenAI L/14-style config with explicit sizes and no num_channels.
	l14 := `{"_name_or_path":"openai/clip-vit-large-patch14","projection_dim":768,
	 "text_config":{"hidden_size":768,"intermediate_size":3072,"num_attention_heads":12,"num_hidden_layers":12,"eos_token_id":2},
	 "vision_config":{"hidden_size":1024,"intermediate_size":4096,"num_attention_heads":16,"num_hidden_layers":24,"patch_size":14,"image_size":224}}`
	c, err = ParseConfig([]byte(l14))
	if err != nil {
		t.Fatal(err)
	}
	if c.VisionConfig.PatchSize != 14 || c.VisionConfig.NumChannels != 3 || c.TextConfig.HiddenAct != "quick_gelu" ||
		c.VisionConfig.NumHiddenLayers != 24 || c.NameOrPath != "openai/clip-vit-large-patch14" {
		t.Errorf("L/14 config = %+v", c)
	}

	bad := map[string]string{
		"heads do not divide": `{"vision_config":{"hidden_size":100,"num_attention_heads":12}}`,
		"unknown activation":  `{"text_config":{"hidden_act":"relu"}}`,
		"patch does not tile": `{"vision_config":{"image_size":224,"patch_size":30}}`,
		"grey images":         `{"vision_config":{"num_channels":1}}`,
		"not json":            `{`,
	}
	for name, js := range bad {
		if _, err := ParseConfig([]byte(js)); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: err = %v, want ErrConfig", name, err)
		}
	}
}
