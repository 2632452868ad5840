// Package search is TargetVision's hybrid photo search: one Engine serves the
// command line, the JSON API and the web UI.
//
// A query is parsed (ParseQuery) into plain words, phrases, exclusions and
// filter operators. Two legs then rank the user's photos independently:
//
//   - the text leg: the store's full-text search (FTS5 bm25 on SQLite,
//     weighted tsvector plus trigram similarity on Postgres) over titles,
//     captions, keywords, descriptions, file and album names;
//   - the vector leg: the query's CLIP text embedding against the photos'
//     CLIP image embeddings of the same model (pgvector HNSW on Postgres, an
//     exact in-process scan on SQLite).
//
// Reciprocal rank fusion (k = 60) merges the two ranked lists; every result
// says why it was found (its rank in each leg and the query words it
// contains). Filters apply to both legs; every query is scoped to one user.
package search
