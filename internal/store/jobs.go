package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Job states. A job is queued, claimed (running) by one worker under a lease,
// then done, or queued again with a later run_at after a failure, or failed
// for good after MaxAttempts. A running job whose lease ran out (its worker
// died) is claimable again.
const (
	JobQueued  = "queued"
	JobRunning = "running"
	JobDone    = "done"
	JobFailed  = "failed"
)

// Job is a durable unit of background work.
type Job struct {
	ID          int64
	UserID      int64
	Kind        string
	Payload     []byte // JSON owned by the job kind
	DedupeKey   string // at most one queued-or-running job per non-empty key
	State       string
	Priority    int // higher runs first
	Attempts    int
	MaxAttempts int
	RunAt       time.Time
	LockedBy    string
	LockedUntil time.Time
	LastError   string
	PhotoID     int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

const jobCols = `id, user_id, kind, payload, dedupe_key, state, priority, attempts, max_attempts, run_at, locked_by,
	locked_until, last_error, COALESCE(photo_id, 0), created_at, updated_at`

func scanJob(row interface{ Scan(...any) error }, j *Job) error {
	var payload string
	err := row.Scan(&j.ID, &j.UserID, &j.Kind, &payload, &j.DedupeKey, &j.State, &j.Priority, &j.Attempts, &j.MaxAttempts,
		tm(&j.RunAt), &j.LockedBy, tm(&j.LockedUntil), &j.LastError, &j.PhotoID, tm(&j.CreatedAt), tm(&j.UpdatedAt))
	j.Payload = []byte(payload)
	return err
}

// Enqueue adds a job. If a job with the same non-empty DedupeKey is already
// queued or running, nothing is added and created is false.
func (s *DB) Enqueue(ctx context.Context, j Job) (out Job, created bool, err error) {
	if j.MaxAttempts <= 0 {
		j.MaxAttempts = 5
	}
	if len(j.Payload) == 0 {
		j.Payload = []byte("{}")
	}
	now := s.now()
	if j.RunAt.IsZero() {
		j.RunAt = now
	}
	rows, err := s.db.QueryContext(ctx, `INSERT INTO jobs (user_id, kind, payload, dedupe_key, state, priority, max_attempts, run_at, photo_id, created_at, updated_at)
		VALUES ($1, $2, $3, $4, 'queued', $5, $6, $7, $8, $9, $9)
		ON CONFLICT (dedupe_key) WHERE dedupe_key <> '' AND state IN ('queued', 'running') DO NOTHING
		RETURNING `+jobCols,
		j.UserID, j.Kind, string(j.Payload), j.DedupeKey, j.Priority, j.MaxAttempts, s.ts(j.RunAt), nullInt(j.PhotoID), s.ts(now))
	if err != nil {
		return Job{}, false, fmt.Errorf("store: enqueue %s: %w", j.Kind, err)
	}
	defer rows.Close()
	if !rows.Next() {
		return Job{}, false, rows.Err()
	}
	if err := scanJob(rows, &out); err != nil {
		return Job{}, false, fmt.Errorf("store: enqueue %s: %w", j.Kind, err)
	}
	if err := rows.Close(); err != nil {
		return Job{}, false, fmt.Errorf("store: enqueue %s: %w", j.Kind, err)
	}
	s.jobsChanged(out.UserID)
	return out, true, nil
}

// Claim takes the next ready job of one of the kinds for worker, holding it
// for lease. Ready means queued with run_at reached, or running with an
// expired lease. Several processes may claim concurrently: Postgres uses
// FOR UPDATE SKIP LOCKED, SQLite serialises writers. ErrNoJob when idle.
func (s *DB) Claim(ctx context.Context, worker string, kinds []string, lease time.Duration) (Job, error) {
	if len(kinds) == 0 {
		return Job{}, ErrNoJob
	}
	now := s.now()
	args := []any{worker, s.ts(now.Add(lease)), s.ts(now)}
	for _, k := range kinds {
		args = append(args, k)
	}
	lock := ""
	if s.dialect == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var j Job
	err := scanJob(s.db.QueryRowContext(ctx, `UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_by = $1,
		locked_until = $2, updated_at = $3
		WHERE id = (SELECT id FROM jobs
			WHERE ((state = 'queued' AND run_at <= $3) OR (state = 'running' AND locked_until < $3))
			  AND kind IN (`+placeholders(4, len(kinds))+`)
			ORDER BY priority DESC, run_at, id LIMIT 1`+lock+`)
		RETURNING `+jobCols, args...), &j)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return Job{}, ErrNoJob
		}
		return Job{}, fmt.Errorf("store: claim: %w", err)
	}
	s.jobsChanged(j.UserID)
	return j, nil
}

// Heartbeat extends the lease of a job the worker still holds.
func (s *DB) Heartbeat(ctx context.Context, id int64, worker string, lease time.Duration) error {
	res, err := s.db.ExecContext(ctx, "UPDATE jobs SET locked_until = $1 WHERE id = $2 AND locked_by = $3 AND state = 'running'",
		s.ts(s.now().Add(lease)), id, worker)
	return affected(res, err, fmt.Sprintf("heartbeat job %d", id))
}

// Complete marks a job the worker holds as done.
func (s *DB) Complete(ctx context.Context, id int64, worker string) error {
	return s.settleJob(ctx, fmt.Sprintf("complete job %d", id), `UPDATE jobs SET state = 'done', locked_by = '', locked_until = NULL, last_error = '', updated_at = $1
		WHERE id = $2 AND locked_by = $3 AND state = 'running' RETURNING user_id`, s.ts(s.now()), id, worker)
}

// settleJob runs a statement that changes one held job's state and
// returns its user, and tells this process's listeners (ListenJobs) whose
// jobs changed. No row means the worker no longer holds the job.
func (s *DB) settleJob(ctx context.Context, what, query string, args ...any) error {
	var uid int64
	if err := s.db.QueryRowContext(ctx, query, args...).Scan(&uid); err != nil {
		return notFound(what, err)
	}
	s.jobsChanged(uid)
	return nil
}

// Fail records a failed attempt. The job runs again after backoff unless it
// is permanent or out of attempts, in which case it is failed for good.
func (s *DB) Fail(ctx context.Context, id int64, worker, reason string, backoff time.Duration, permanent bool) error {
	now := s.now()
	return s.settleJob(ctx, fmt.Sprintf("fail job %d", id), `UPDATE jobs SET
		state = CASE WHEN $1 OR attempts >= max_attempts THEN 'failed' ELSE 'queued' END,
		run_at = $2, last_error = $3, locked_by = '', locked_until = NULL, updated_at = $4
		WHERE id = $5 AND locked_by = $6 AND state = 'running' RETURNING user_id`,
		permanent, s.ts(now.Add(backoff)), reason, s.ts(now), id, worker)
}

// Snooze puts a held job back without counting the attempt, to run after
// delay: for waits that are not the job's fault (a budget pause, a missing
// API key, a rate limit).
func (s *DB) Snooze(ctx context.Context, id int64, worker, reason string, delay time.Duration) error {
	now := s.now()
	return s.settleJob(ctx, fmt.Sprintf("snooze job %d", id), `UPDATE jobs SET state = 'queued', attempts = attempts - 1, run_at = $1, last_error = $2,
		locked_by = '', locked_until = NULL, updated_at = $3
		WHERE id = $4 AND locked_by = $5 AND state = 'running' RETURNING user_id`, s.ts(now.Add(delay)), reason, s.ts(now), id, worker)
}

// ReleaseWorker returns every job the worker holds to the queue without
// counting the attempt: graceful shutdown hands in-flight work back.
func (s *DB) ReleaseWorker(ctx context.Context, worker string) (int, error) {
	uids, err := queryIDs(ctx, s.db, `UPDATE jobs SET state = 'queued', attempts = attempts - 1, locked_by = '', locked_until = NULL, updated_at = $1
		WHERE locked_by = $2 AND state = 'running' RETURNING user_id`, s.ts(s.now()), worker)
	if err != nil {
		return 0, fmt.Errorf("store: release worker %s: %w", worker, err)
	}
	s.jobsChanged(uids...)
	return len(uids), nil
}

// RetryJob puts one of the user's failed jobs back in the queue with fresh attempts.
func (s *DB) RetryJob(ctx context.Context, userID, id int64) error {
	res, err := s.db.ExecContext(ctx, `UPDATE jobs SET state = 'queued', attempts = 0, run_at = $1, updated_at = $1
		WHERE user_id = $2 AND id = $3 AND state = 'failed'`, s.ts(s.now()), userID, id)
	if err := affected(res, err, fmt.Sprintf("retry job %d", id)); err != nil {
		return err
	}
	s.jobsChanged(userID)
	return nil
}

// Job returns one of the user's jobs.
func (s *DB) Job(ctx context.Context, userID, id int64) (Job, error) {
	var j Job
	if err := scanJob(s.db.QueryRowContext(ctx, "SELECT "+jobCols+" FROM jobs WHERE user_id = $1 AND id = $2", userID, id), &j); err != nil {
		return Job{}, notFound(fmt.Sprintf("job %d", id), err)
	}
	return j, nil
}

// Jobs lists the user's jobs in a state ("" for all), most recently updated
// first, walking an index in that order (the Activity page at 3M jobs).
func (s *DB) Jobs(ctx context.Context, userID int64, state string, limit int) ([]Job, error) {
	if limit <= 0 {
		limit = 100
	}
	// Two statements, not one with ($2 = '' OR state = $2): a plan made
	// for both cases could use neither index.
	q, args := "SELECT "+jobCols+` FROM jobs WHERE user_id = $1 ORDER BY updated_at DESC, id DESC LIMIT $2`, []any{userID, limit}
	if state != "" {
		q, args = "SELECT "+jobCols+` FROM jobs WHERE user_id = $1 AND state = $2 ORDER BY updated_at DESC, id DESC LIMIT $3`, []any{userID, state, limit}
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list jobs: %w", err)
	}
	defer rows.Close()
	var out []Job
	for rows.Next() {
		var j Job
		if err := scanJob(rows, &j); err != nil {
			return nil, fmt.Errorf("store: list jobs: %w", err)
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// JobCounts counts the user's jobs by state (userID 0 counts everyone's, for
// metrics), from the counters the jobs table's triggers keep (job_counts):
// a few rows per user, however many jobs there are. Done includes the
// jobs pruned after the retention period (job_history).
func (s *DB) JobCounts(ctx context.Context, userID int64) (map[string]int, error) {
	q, args := `SELECT state, SUM(n) FROM (
			SELECT state, n FROM job_counts WHERE user_id = $1
			UNION ALL SELECT 'done', done FROM job_history WHERE user_id = $1) c
		GROUP BY state`, []any{userID}
	if userID == 0 {
		q, args = `SELECT state, SUM(n) FROM (
				SELECT state, n FROM job_counts UNION ALL SELECT 'done', done FROM job_history) c
			GROUP BY state`, nil
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: count jobs: %w", err)
	}
	defer rows.Close()
	out := map[string]int{JobQueued: 0, JobRunning: 0, JobDone: 0, JobFailed: 0}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, fmt.Errorf("store: count jobs: %w", err)
		}
		out[st] = n
	}
	return out, rows.Err()
}

// CountJobs counts the user's jobs of a kind in a state that are still in
// the jobs table (from the counters; pruned jobs are not counted).
func (s *DB) CountJobs(ctx context.Context, userID int64, kind, state string) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, "SELECT COALESCE(SUM(n), 0) FROM job_counts WHERE user_id = $1 AND kind = $2 AND state = $3",
		userID, kind, state).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count jobs: %w", err)
	}
	return n, nil
}

// RunningWorkers lists the worker ids holding running jobs.
func (s *DB) RunningWorkers(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT DISTINCT locked_by FROM jobs WHERE state = 'running' AND locked_by <> ''")
	if err != nil {
		return nil, fmt.Errorf("store: running workers: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var w string
		if err := rows.Scan(&w); err != nil {
			return nil, fmt.Errorf("store: running workers: %w", err)
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// PruneJobs deletes up to limit of the jobs that finished (done) before
// before, oldest first, and adds them to the users' job history (one row
// per user, kind and day), in one transaction: the Activity page's done
// count is unchanged, the jobs table stays bounded. It returns how many it
// pruned; call it until that is less than limit. Several processes may
// prune at once.
func (s *DB) PruneJobs(ctx context.Context, before time.Time, limit int) (int, error) {
	if limit <= 0 {
		limit = 10000
	}
	var n int
	var err error
	if s.dialect == Postgres {
		// One statement: the batch is locked as it is picked (another
		// pruner skips it) and counted into the history as it goes.
		err = s.db.QueryRowContext(ctx, `WITH gone AS (
				DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE state = 'done' AND updated_at < $1
					ORDER BY updated_at LIMIT $2 FOR UPDATE SKIP LOCKED)
				RETURNING user_id, kind, (updated_at AT TIME ZONE 'UTC')::date AS day),
			sums AS (SELECT user_id, kind, day, COUNT(*) AS n FROM gone GROUP BY user_id, kind, day),
			kept AS (INSERT INTO job_history AS h (user_id, kind, day, done)
				SELECT user_id, kind, day, n FROM sums ORDER BY user_id, kind, day
				ON CONFLICT (user_id, kind, day) DO UPDATE SET done = h.done + EXCLUDED.done)
			SELECT COALESCE(SUM(n), 0) FROM sums`, s.ts(before), limit).Scan(&n)
	} else {
		batch := `SELECT id FROM jobs WHERE state = 'done' AND updated_at < $1 ORDER BY updated_at LIMIT $2`
		err = s.inTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO job_history (user_id, kind, day, done)
				SELECT user_id, kind, substr(updated_at, 1, 10), COUNT(*) FROM jobs WHERE id IN (`+batch+`)
				GROUP BY user_id, kind, substr(updated_at, 1, 10)
				ON CONFLICT (user_id, kind, day) DO UPDATE SET done = done + excluded.done`, s.ts(before), limit); err != nil {
				return err
			}
			res, err := tx.ExecContext(ctx, "DELETE FROM jobs WHERE id IN ("+batch+")", s.ts(before), limit)
			if err != nil {
				return err
			}
			deleted, err := res.RowsAffected()
			n = int(deleted)
			return err
		})
	}
	if err != nil {
		return 0, fmt.Errorf("store: prune jobs: %w", err)
	}
	return n, nil
}

// DismissJob removes one of the user's failed jobs from the list of
// failures, counting it in the user's job history: failures stay until
// the user retries or dismisses them, however old.
func (s *DB) DismissJob(ctx context.Context, userID, id int64) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var kind string
		var updated time.Time
		err := tx.QueryRowContext(ctx, "DELETE FROM jobs WHERE user_id = $1 AND id = $2 AND state = 'failed' RETURNING kind, updated_at",
			userID, id).Scan(&kind, tm(&updated))
		if err != nil {
			return notFound(fmt.Sprintf("dismiss job %d", id), err)
		}
		day := updated.UTC().Format(time.DateOnly)
		if _, err := tx.ExecContext(ctx, `INSERT INTO job_history (user_id, kind, day, failed) VALUES ($1, $2, $3, 1)
			ON CONFLICT (user_id, kind, day) DO UPDATE SET failed = job_history.failed + 1`, userID, kind, day); err != nil {
			return fmt.Errorf("store: dismiss job %d: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.jobsChanged(userID)
	return nil
}
