-- +goose Up
ALTER TABLE users ADD COLUMN session_version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';

-- +goose Down
ALTER TABLE users DROP COLUMN settings;
ALTER TABLE users DROP COLUMN session_version;
