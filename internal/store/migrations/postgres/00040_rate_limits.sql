-- +goose Up
-- Token buckets every process on this database shares (the SmugMug
-- per-account budget, sign-in and API budgets), one row per key: tat is the
-- bucket's theoretical arrival time (GCRA) in microseconds since the Unix
-- epoch, and a row whose tat has passed is a full bucket, the same as no
-- row. Unlogged: a bucket is worth no WAL, and a crash that empties the
-- table only refills every bucket. Half-full pages keep the updates HOT.
CREATE UNLOGGED TABLE rate_limits (
    key TEXT PRIMARY KEY,
    tat BIGINT NOT NULL
) WITH (fillfactor = 50);

-- +goose Down
DROP TABLE rate_limits;
