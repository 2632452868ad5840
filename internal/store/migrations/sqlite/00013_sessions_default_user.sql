-- +goose Up
-- The CLI's user is a flag, not an e-mail: an account signed up with the
-- reserved address must never become the command line's user, and the
-- account that claims the default user keeps being it. An unclaimed default
-- user is marked; a library whose default user was claimed already marks
-- its oldest administrator (the claim kept the id and made it admin).
ALTER TABLE users ADD COLUMN is_default INTEGER NOT NULL DEFAULT 0;
UPDATE users SET is_default = 1 WHERE id = COALESCE(
    (SELECT id FROM users WHERE email = 'local@targetvision.invalid' AND password_hash = ''),
    (SELECT MIN(id) FROM users WHERE is_admin <> 0));
CREATE UNIQUE INDEX users_one_default ON users (is_default) WHERE is_default = 1;

-- Sessions live on the server, so signing out, a password change or "sign
-- out everywhere" ends them; the signed cookie only names its row.
CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    user_agent   TEXT NOT NULL DEFAULT '',
    ip           TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id, last_seen_at);
ALTER TABLE users DROP COLUMN session_version;

-- +goose Down
ALTER TABLE users ADD COLUMN session_version INTEGER NOT NULL DEFAULT 1;
DROP TABLE sessions;
DROP INDEX users_one_default;
ALTER TABLE users DROP COLUMN is_default;
