package search

// Hint is something the search wants the person to know about their query,
// in plain words: never an empty page without a reason.
type Hint struct {
	// Code names the kind of hint, for clients that style or act on it.
	Code string `json:"code" enum:"stop_words,unknown_operator,bad_value,date_from_text,did_you_mean,no_match,exclusions_only"`
	// Message is the sentence to show.
	Message string `json:"message"`
	// Query, when set, is a query to offer instead (did you mean …).
	Query string `json:"query,omitempty"`
}

// The hint codes.
const (
	HintStopWords       = "stop_words"
	HintUnknownOperator = "unknown_operator"
	HintBadValue        = "bad_value"
	HintDateFromText    = "date_from_text"
	HintDidYouMean      = "did_you_mean"
	HintNoMatch         = "no_match"
	HintExclusionsOnly  = "exclusions_only"
)

// quoted lists words as “a”, “b” and “c”.
func quoted(ws []string) string { return joinQuoted(ws, " and ") }

// quotedOr lists words as “a”, “b” or “c”.
func quotedOr(ws []string) string { return joinQuoted(ws, " or ") }

func joinQuoted(ws []string, last string) string {
	out := ""
	for i, w := range ws {
		switch {
		case i == 0:
		case i == len(ws)-1:
			out += last
		default:
			out += ", "
		}
		out += "“" + w + "”"
	}
	return out
}

// stopWordsHint says which words were left out, and, when they were all
// the text there was, that the text alone finds nothing.
func stopWordsHint(stop []string, all bool) Hint {
	h := Hint{Code: HintStopWords}
	switch {
	case all && len(stop) == 1:
		h.Message = quoted(stop) + " is too common a word to search for: add words that describe the photo."
	case all:
		h.Message = quoted(stop) + " are too common to search for: add words that describe the photo."
	case len(stop) == 1:
		h.Message = "Left out " + quoted(stop) + ": too common a word to search for."
	default:
		h.Message = "Left out " + quoted(stop) + ": words too common to search for."
	}
	return h
}
