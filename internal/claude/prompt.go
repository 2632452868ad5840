package claude

import "encoding/json"

// PromptVersion identifies the system prompt, the schema and the validation
// rules. Bump it whenever any of them changes: results are keyed by it, so a
// bump makes every photo eligible for a new description, and nothing else does.
const PromptVersion = "2026-11-27.1"

// toolName is the single tool Claude is forced to call.
const toolName = "record_photo"

// systemPrompt is written for search: it asks for the words a photographer
// would type to find the photo later, in a fixed order of concerns. It is
// short on purpose: every token here is paid on every photo.
const systemPrompt = `You catalogue a photographer's library so photos can be found by plain-language search. Look at the photo and call record_photo once.

- description: 1-3 plain sentences: main subject, what is happening, setting, light and time of day, mood. Say what kind of photo it is (portrait, landscape, street, macro, event, product, aerial, night, black-and-white...). Only state what is visible; do not guess names or places unless written in the image.
- keywords: 10-25 lower-case search terms a person would type: subjects, actions, setting, season, weather, light, colours, mood, style, composition. Single words or short phrases, no duplicates.
- objects: distinct visible things, lower-case nouns.
- scene: a short lower-case label such as "beach at sunset" or "indoor kitchen".
- text_in_image: legible text exactly as written, "" if none.
- people_count: number of people visible, 0 if none.
- colors: 1-6 dominant colours as simple lower-case names.`

// userText follows the image in the user turn (the docs advise image first).
const userText = "Describe this photo for search."

// schemaJSON is the tool's input schema. It is a fixed byte string, not a map,
// so the request prefix is identical on every call (a prompt-cache hit
// requires byte-identical tools and system blocks).
const schemaJSON = `{"type":"object","properties":{` +
	`"description":{"type":"string","description":"1-3 sentences"},` +
	`"keywords":{"type":"array","items":{"type":"string"},"description":"10-25 lower-case search terms"},` +
	`"objects":{"type":"array","items":{"type":"string"}},` +
	`"scene":{"type":"string"},` +
	`"text_in_image":{"type":"string"},` +
	`"people_count":{"type":"integer"},` +
	`"colors":{"type":"array","items":{"type":"string"}}},` +
	`"required":["description","keywords","objects","scene","text_in_image","people_count","colors"],` +
	`"additionalProperties":false}`

// schemaProperties and schemaRequired are schemaJSON split the way the SDK's
// ToolInputSchemaParam wants it.
var schemaProperties, schemaRequired, schemaMap = func() (json.RawMessage, []string, map[string]any) {
	var s struct {
		Properties json.RawMessage `json:"properties"`
		Required   []string        `json:"required"`
	}
	if err := json.Unmarshal([]byte(schemaJSON), &s); err != nil {
		panic("claude: bad schemaJSON: " + err.Error())
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(schemaJSON), &m); err != nil {
		panic("claude: bad schemaJSON: " + err.Error())
	}
	return s.Properties, s.Required, m
}()
