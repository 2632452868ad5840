-- +goose Up
-- API tokens for scripts: only the SHA-256 digest of a token is kept (the
-- token itself is shown once), with a read-only or read-write scope and
-- when it was last used. Accounts can be disabled: a disabled account
-- cannot sign in, and its sessions and tokens stop working at once.
CREATE TABLE api_tokens (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    digest       TEXT NOT NULL UNIQUE,
    hint         TEXT NOT NULL,
    read_only    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at   TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ
);
CREATE INDEX api_tokens_user ON api_tokens (user_id, id);

ALTER TABLE users ADD COLUMN disabled_at TIMESTAMPTZ;

-- +goose Down
ALTER TABLE users DROP COLUMN disabled_at;
DROP TABLE api_tokens;
