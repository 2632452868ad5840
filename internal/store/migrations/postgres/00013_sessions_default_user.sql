-- +goose Up
-- The CLI's user is a flag, not an e-mail: an account signed up with the
-- reserved address must never become the command line's user, and the
-- account that claims the default user keeps being it. An unclaimed default
-- user is marked; a library whose default user was claimed already marks
-- its oldest administrator (the claim kept the id and made it admin).
ALTER TABLE users ADD COLUMN is_default BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE users SET is_default = TRUE WHERE id = COALESCE(
    (SELECT id FROM users WHERE email = 'local@targetvision.invalid' AND password_hash = ''),
    (SELECT MIN(id) FROM users WHERE is_admin));
CREATE UNIQUE INDEX users_one_default ON users (is_default) WHERE is_default;

-- Sessions live on the server, so signing out, a password change or "sign
-- out everywhere" ends them; the signed cookie only names its row.
CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    user_agent   TEXT NOT NULL DEFAULT '',
    ip           TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id, last_seen_at);
ALTER TABLE users DROP COLUMN session_version;

-- +goose Down
ALTER TABLE users ADD COLUMN session_version BIGINT NOT NULL DEFAULT 1;
DROP TABLE sessions;
DROP INDEX users_one_default;
ALTER TABLE users DROP COLUMN is_default;
