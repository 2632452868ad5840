-- +goose Up
-- Jobs by user, kind and state, kept by triggers (see the Postgres
-- migration), so the Activity page reads a handful of rows instead of
-- counting the jobs table. SQLite has one writer at a time, so a counter row
-- per key costs no contention.
CREATE TABLE job_counts (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind    TEXT NOT NULL,
    state   TEXT NOT NULL,
    n       INTEGER NOT NULL,
    PRIMARY KEY (user_id, kind, state)
) WITHOUT ROWID;
INSERT INTO job_counts (user_id, kind, state, n)
    SELECT user_id, kind, state, COUNT(*) FROM jobs GROUP BY user_id, kind, state;

-- +goose StatementBegin
CREATE TRIGGER jobs_count_insert AFTER INSERT ON jobs BEGIN
    INSERT INTO job_counts (user_id, kind, state, n) VALUES (NEW.user_id, NEW.kind, NEW.state, 1)
        ON CONFLICT (user_id, kind, state) DO UPDATE SET n = n + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER jobs_count_update AFTER UPDATE OF state ON jobs WHEN OLD.state <> NEW.state BEGIN
    UPDATE job_counts SET n = n - 1 WHERE user_id = OLD.user_id AND kind = OLD.kind AND state = OLD.state;
    INSERT INTO job_counts (user_id, kind, state, n) VALUES (NEW.user_id, NEW.kind, NEW.state, 1)
        ON CONFLICT (user_id, kind, state) DO UPDATE SET n = n + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER jobs_count_delete AFTER DELETE ON jobs BEGIN
    UPDATE job_counts SET n = n - 1 WHERE user_id = OLD.user_id AND kind = OLD.kind AND state = OLD.state;
END;
-- +goose StatementEnd

-- The Activity page lists a user's most recently updated jobs, all or of
-- one state: both walk an index in order instead of sorting every job.
CREATE INDEX jobs_user_updated ON jobs (user_id, updated_at DESC, id DESC);
CREATE INDEX jobs_user_state_updated ON jobs (user_id, state, updated_at DESC, id DESC);
DROP INDEX jobs_user;

-- +goose Down
CREATE INDEX jobs_user ON jobs (user_id, state);
DROP INDEX jobs_user_state_updated;
DROP INDEX jobs_user_updated;
DROP TRIGGER jobs_count_delete;
DROP TRIGGER jobs_count_update;
DROP TRIGGER jobs_count_insert;
DROP TABLE job_counts;
