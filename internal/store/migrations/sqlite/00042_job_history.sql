-- +goose Up
-- Finished jobs are pruned after the retention period and failures when
-- the user dismisses them; what the Activity page shows of them lives on as
-- one row per user, kind and day (UTC, 'YYYY-MM-DD'). See the Postgres
-- migration.
CREATE TABLE job_history (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind    TEXT NOT NULL,
    day     TEXT NOT NULL,
    done    INTEGER NOT NULL DEFAULT 0,
    failed  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, kind, day)
) WITHOUT ROWID;
CREATE INDEX jobs_done_updated ON jobs (updated_at) WHERE state = 'done';

-- +goose Down
DROP INDEX jobs_done_updated;
DROP TABLE job_history;
