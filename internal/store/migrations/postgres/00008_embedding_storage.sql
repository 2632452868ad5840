-- +goose Up
-- Keep vectors in the row. A 512-float vector is 2,056 bytes, just over
-- the 2 kB TOAST threshold, so with pgvector's default (EXTERNAL) storage
-- every vector lived out of line and each distance the search computes for
-- a returned or filtered row cost a TOAST lookup of two chunks. MAIN keeps
-- it inline whenever the row fits on a page (up to about 2,000
-- dimensions) and moves it out only as a last resort. Existing rows keep
-- their storage until they are rewritten.
ALTER TABLE embeddings ALTER COLUMN vec SET STORAGE MAIN;

-- +goose Down
ALTER TABLE embeddings ALTER COLUMN vec SET STORAGE EXTERNAL;
