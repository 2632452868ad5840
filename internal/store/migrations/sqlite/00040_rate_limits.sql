-- +goose Up
-- Token buckets by key (see the Postgres migration): tat is the bucket's
-- theoretical arrival time in microseconds since the Unix epoch. A SQLite
-- server keeps its budgets in memory; the table is here so that the store
-- answers alike on both dialects.
CREATE TABLE rate_limits (
    key TEXT PRIMARY KEY,
    tat INTEGER NOT NULL
) WITHOUT ROWID;

-- +goose Down
DROP TABLE rate_limits;
