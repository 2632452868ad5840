// Package claude has Claude write a search-oriented description and keywords
// for each photo, through the official Anthropic Go SDK.
//
// A [Describer] scales the photo to the cost-optimal size, asks for structured
// output through a forced tool call, validates and normalises the answer, and
// returns a [Result] that carries its own token counts and dollar cost. Two
// modes exist: direct ([Describer.Describe], [Describer.DescribeMany]) and the
// half-price Message Batches API ([Describer.DescribeBatch]).
//
// Money is guarded twice. A [Ledger], implemented by the store, records every
// result under an [IdempotencyKey] (content hash, model, prompt version) so a
// restart, a re-sync or a second source holding the same photo never pays
// twice, and remembers submitted batches so a crash after submission resumes
// polling instead of submitting again. A run cap and a monthly cap stop
// spending with [ErrBudgetExceeded] before a call is made.
//
// Retries are done here, not in the SDK (the SDK's own retries are switched
// off): our loop honours retry-after, uses exponential backoff with jitter for
// 529/5xx, is bounded by the caller's context, logs each wait, and can be
// tested without sleeping.
package claude
