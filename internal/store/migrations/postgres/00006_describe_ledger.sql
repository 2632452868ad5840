-- +goose Up
-- Every paid Claude answer, keyed by (content hash, model, prompt version):
-- a restart, a re-sync or a second copy of the same photo never pays twice.
CREATE TABLE describe_results (
    key        TEXT PRIMARY KEY,
    result     TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
-- Every dollar spent, per user, for the monthly cap and the usage page.
CREATE TABLE ai_spend (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id TEXT NOT NULL,
    at      TIMESTAMPTZ NOT NULL,
    usd     DOUBLE PRECISION NOT NULL
);
CREATE INDEX ai_spend_user_at ON ai_spend (user_id, at);
-- Submitted Message Batches not yet collected, so a killed process resumes
-- polling instead of paying for a new batch.
CREATE TABLE describe_batches (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL,
    submitted_at TIMESTAMPTZ NOT NULL,
    batch        TEXT NOT NULL,
    finished     BOOLEAN NOT NULL DEFAULT FALSE
);

-- +goose Down
DROP TABLE describe_batches;
DROP TABLE ai_spend;
DROP TABLE describe_results;
