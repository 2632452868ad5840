-- +goose Up
-- Finished jobs are pruned after the retention period
-- (TARGETVISION_JOB_RETENTION) and failures when the user dismisses them;
-- what the Activity page shows of them lives on as one row per user, kind
-- and day (UTC). Claude's costs are in the describe ledger, which pruning
-- leaves alone.
CREATE TABLE job_history (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind    TEXT NOT NULL,
    day     DATE NOT NULL,
    done    BIGINT NOT NULL DEFAULT 0,
    failed  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, kind, day)
);
-- Pruning walks the oldest finished jobs.
CREATE INDEX jobs_done_updated ON jobs (updated_at) WHERE state = 'done';

-- +goose Down
DROP INDEX jobs_done_updated;
DROP TABLE job_history;
