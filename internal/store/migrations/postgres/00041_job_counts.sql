-- +goose Up
-- Jobs by user, kind and state, kept by triggers in the statement that
-- changes a job, so the Activity page and its event streams read a handful
-- of rows instead of counting the jobs table (3M rows at 1M photos). The
-- triggers are per statement (transition tables), so a statement that
-- changes many jobs updates each counter once, in key order (no deadlock
-- between two statements), and publish each user whose jobs changed state
-- on channel targetvision_jobs (payload: the user id) — delivered at
-- commit, once per user per transaction — for every process's streams.
CREATE TABLE job_counts (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind    TEXT NOT NULL,
    state   TEXT NOT NULL,
    n       BIGINT NOT NULL,
    PRIMARY KEY (user_id, kind, state)
);
INSERT INTO job_counts (user_id, kind, state, n)
    SELECT user_id, kind, state, COUNT(*) FROM jobs GROUP BY user_id, kind, state;

-- +goose StatementBegin
CREATE FUNCTION job_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO job_counts AS c (user_id, kind, state, n)
            SELECT user_id, kind, state, COUNT(*) FROM new_jobs
            GROUP BY user_id, kind, state ORDER BY user_id, kind, state
            ON CONFLICT (user_id, kind, state) DO UPDATE SET n = c.n + EXCLUDED.n;
        PERFORM pg_notify('targetvision_jobs', user_id::text) FROM (SELECT DISTINCT user_id FROM new_jobs) u;
    ELSIF TG_OP = 'DELETE' THEN
        -- Jobs deleted with their user (ON DELETE CASCADE) leave no
        -- counter behind: the user's row is gone by then.
        INSERT INTO job_counts AS c (user_id, kind, state, n)
            SELECT user_id, kind, state, -COUNT(*) FROM old_jobs o
            WHERE EXISTS (SELECT 1 FROM users u WHERE u.id = o.user_id)
            GROUP BY user_id, kind, state ORDER BY user_id, kind, state
            ON CONFLICT (user_id, kind, state) DO UPDATE SET n = c.n + EXCLUDED.n;
        PERFORM pg_notify('targetvision_jobs', user_id::text) FROM (SELECT DISTINCT user_id FROM old_jobs) u;
    ELSE
        -- Only a change of state counts (a heartbeat changes none).
        INSERT INTO job_counts AS c (user_id, kind, state, n)
            SELECT user_id, kind, state, SUM(n) FROM (
                SELECT o.user_id, o.kind, o.state, -1 AS n FROM old_jobs o JOIN new_jobs j ON j.id = o.id WHERE o.state <> j.state
                UNION ALL
                SELECT j.user_id, j.kind, j.state, 1 FROM old_jobs o JOIN new_jobs j ON j.id = o.id WHERE o.state <> j.state
            ) d
            GROUP BY user_id, kind, state HAVING SUM(n) <> 0 ORDER BY user_id, kind, state
            ON CONFLICT (user_id, kind, state) DO UPDATE SET n = c.n + EXCLUDED.n;
        PERFORM pg_notify('targetvision_jobs', user_id::text)
            FROM (SELECT DISTINCT j.user_id FROM old_jobs o JOIN new_jobs j ON j.id = o.id WHERE o.state <> j.state) u;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER jobs_count_insert AFTER INSERT ON jobs
    REFERENCING NEW TABLE AS new_jobs FOR EACH STATEMENT EXECUTE FUNCTION job_counts_apply();
CREATE TRIGGER jobs_count_update AFTER UPDATE ON jobs
    REFERENCING OLD TABLE AS old_jobs NEW TABLE AS new_jobs FOR EACH STATEMENT EXECUTE FUNCTION job_counts_apply();
CREATE TRIGGER jobs_count_delete AFTER DELETE ON jobs
    REFERENCING OLD TABLE AS old_jobs FOR EACH STATEMENT EXECUTE FUNCTION job_counts_apply();

-- The Activity page lists a user's most recently updated jobs, all or of
-- one state: both walk an index in order instead of sorting every job.
CREATE INDEX jobs_user_updated ON jobs (user_id, updated_at DESC, id DESC);
CREATE INDEX jobs_user_state_updated ON jobs (user_id, state, updated_at DESC, id DESC);
DROP INDEX jobs_user;

-- +goose Down
CREATE INDEX jobs_user ON jobs (user_id, state);
DROP INDEX jobs_user_state_updated;
DROP INDEX jobs_user_updated;
DROP TRIGGER jobs_count_delete ON jobs;
DROP TRIGGER jobs_count_update ON jobs;
DROP TRIGGER jobs_count_insert ON jobs;
DROP FUNCTION job_counts_apply();
DROP TABLE job_counts;
