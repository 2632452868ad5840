package claude

import (
	"encoding/base64"
	"strings"

	"github.com/anthropics/anthropic-sdk-go"
)

// toolOverheadTokens is the hidden tool-use system prompt the API adds when
// tool_choice forces a tool (313 on Claude 4.x; 346 with auto/none). Spec §2.
const toolOverheadTokens = 313

// expectedOutputTokens is what an answer costs on average: a full answer to
// our schema (3 sentences, ~18 keywords, objects, colours) is ~600 characters
// of JSON ≈ 150–190 tokens. Used for budget projections and Estimate.
const expectedOutputTokens = 180

// cacheMinimum is the shortest prefix a model caches (spec §5). Shorter
// prefixes are silently not cached, so marking them only adds nothing.
func cacheMinimum(model string) int {
	switch {
	case strings.HasPrefix(model, "claude-haiku-4-5"), strings.HasPrefix(model, "claude-opus-4-5"),
		strings.HasPrefix(model, "claude-opus-4-6"), strings.HasPrefix(model, "claude-opus-4-7"):
		return 4096
	case strings.HasPrefix(model, "claude-sonnet-4-6"):
		return 2048
	default:
		return 1024
	}
}

// textTokens is the crude rule (≈ 4 characters per token) we use to project
// cost; the API's count is authoritative and is what we bill by.
func textTokens(s string) int { return (len(s) + 3) / 4 }

// prefixTokens estimates the tokens of the shared prefix (tools + system).
func prefixTokens(out OutputMode) int {
	n := textTokens(systemPrompt)
	if out == OutputTool {
		n += toolOverheadTokens + textTokens(toolName+toolDescription+schemaJSON)
	} else {
		n += textTokens(schemaJSON)
	}
	return n
}

// estimateInputTokens projects the input tokens of one request.
func estimateInputTokens(out OutputMode, w, h int) int {
	return prefixTokens(out) + textTokens(userText) + ImageTokens(w, h)
}

const toolDescription = "Record the search description of the photo."

// parts are the pieces shared by MessageNewParams and the batch's
// MessageBatchNewParamsRequestParams.
type parts struct {
	system     []anthropic.TextBlockParam
	messages   []anthropic.MessageParam
	tools      []anthropic.ToolUnionParam
	toolChoice anthropic.ToolChoiceUnionParam
	output     anthropic.OutputConfigParam
	thinking   anthropic.ThinkingConfigParamUnion
}

func (d *Describer) buildParts(p prepared, model string) parts {
	cache := prefixTokens(d.cfg.Output) >= cacheMinimum(model)
	sys := anthropic.TextBlockParam{Text: systemPrompt}
	if cache {
		// The breakpoint on the last system block caches tools + system.
		sys.CacheControl = anthropic.NewCacheControlEphemeralParam()
	}
	pt := parts{
		system: []anthropic.TextBlockParam{sys},
		messages: []anthropic.MessageParam{anthropic.NewUserMessage(
			anthropic.NewImageBlockBase64("image/jpeg", base64.StdEncoding.EncodeToString(p.JPEG)),
			anthropic.NewTextBlock(userText),
		)},
		// Forced tool use cannot be combined with thinking; models that think
		// by default (Sonnet 5) need it switched off explicitly.
		thinking: anthropic.ThinkingConfigParamUnion{OfDisabled: &anthropic.ThinkingConfigDisabledParam{}},
	}
	switch d.cfg.Output {
	case OutputJSONSchema:
		pt.output = anthropic.OutputConfigParam{Format: anthropic.JSONOutputFormatParam{Schema: schemaMap}}
	default:
		pt.tools = []anthropic.ToolUnionParam{{OfTool: &anthropic.ToolParam{
			Name:        toolName,
			Description: anthropic.String(toolDescription),
			InputSchema: anthropic.ToolInputSchemaParam{
				Properties:  schemaProperties,
				Required:    schemaRequired,
				ExtraFields: map[string]any{"additionalProperties": false},
			},
		}}}
		pt.toolChoice = anthropic.ToolChoiceUnionParam{OfTool: &anthropic.ToolChoiceToolParam{
			Name:                   toolName,
			DisableParallelToolUse: anthropic.Bool(true),
		}}
	}
	return pt
}

func (d *Describer) messageParams(p prepared, model string) anthropic.MessageNewParams {
	pt := d.buildParts(p, model)
	return anthropic.MessageNewParams{
		Model:        anthropic.Model(model),
		MaxTokens:    d.cfg.MaxTokens,
		System:       pt.system,
		Messages:     pt.messages,
		Tools:        pt.tools,
		ToolChoice:   pt.toolChoice,
		OutputConfig: pt.output,
		Thinking:     pt.thinking,
	}
}

func (d *Describer) countParams(p prepared, model string) anthropic.MessageCountTokensParams {
	pt := d.buildParts(p, model)
	var tools []anthropic.MessageCountTokensToolUnionParam
	for _, t := range pt.tools {
		tools = append(tools, anthropic.MessageCountTokensToolUnionParam{OfTool: t.OfTool})
	}
	return anthropic.MessageCountTokensParams{
		Model:        anthropic.Model(model),
		System:       anthropic.MessageCountTokensParamsSystemUnion{OfTextBlockArray: pt.system},
		Messages:     pt.messages,
		Tools:        tools,
		ToolChoice:   pt.toolChoice,
		OutputConfig: pt.output,
		Thinking:     pt.thinking,
	}
}

func (d *Describer) batchParams(p prepared, model string) anthropic.MessageBatchNewParamsRequestParams {
	pt := d.buildParts(p, model)
	return anthropic.MessageBatchNewParamsRequestParams{
		Model:        anthropic.Model(model),
		MaxTokens:    d.cfg.MaxTokens,
		System:       pt.system,
		Messages:     pt.messages,
		Tools:        pt.tools,
		ToolChoice:   pt.toolChoice,
		OutputConfig: pt.output,
		Thinking:     pt.thinking,
	}
}

// answer extracts the structured answer from a message: the forced tool's
// input, or the JSON text of a native structured output. The reason is ""
// on success; refused reports a refusal.
func answer(msg *anthropic.Message, out OutputMode) (d Description, reason string, refused bool) {
	switch msg.StopReason {
	case anthropic.StopReasonRefusal:
		return Description{}, "refused", true
	case anthropic.StopReasonMaxTokens:
		return Description{}, "answer cut off at max_tokens", false
	}
	for _, block := range msg.Content {
		switch b := block.AsAny().(type) {
		case anthropic.ToolUseBlock:
			if out == OutputTool && b.Name == toolName {
				d, reason := parseAnswer(b.Input)
				return d, reason, false
			}
		case anthropic.TextBlock:
			if out == OutputJSONSchema {
				d, reason := parseAnswer([]byte(b.Text))
				return d, reason, false
			}
		}
	}
	if out == OutputTool {
		return Description{}, "no " + toolName + " tool call in the answer", false
	}
	return Description{}, "no JSON text in the answer", false
}

func usageOf(u anthropic.Usage) Usage {
	return Usage{
		InputTokens:              u.InputTokens,
		OutputTokens:             u.OutputTokens,
		CacheCreationInputTokens: u.CacheCreationInputTokens,
		CacheReadInputTokens:     u.CacheReadInputTokens,
	}
}
