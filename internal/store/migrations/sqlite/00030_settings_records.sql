-- +goose Up
-- A user's settings become one typed record (user_settings) instead of a
-- JSON text decoded in several places; what a user left empty or zero
-- takes the deployment's value when read. Write-back moves to the source
-- it writes to (typed columns, off by default), where it was only ever
-- copied anyway.
CREATE TABLE user_settings (
    user_id            INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    claude_model       TEXT NOT NULL DEFAULT '',
    monthly_budget_usd REAL NOT NULL DEFAULT 0 CHECK (monthly_budget_usd >= 0),
    updated_at         TEXT NOT NULL
);
INSERT INTO user_settings (user_id, claude_model, monthly_budget_usd, updated_at)
SELECT id,
       COALESCE(CAST(json_extract(settings, '$.claude_model') AS TEXT), ''),
       MAX(COALESCE(CAST(json_extract(settings, '$.monthly_budget_usd') AS REAL), 0), 0),
       strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
FROM users WHERE json_valid(settings) AND settings <> '{}';
ALTER TABLE users DROP COLUMN settings;

ALTER TABLE sources ADD COLUMN writeback_keywords INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sources ADD COLUMN writeback_captions INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sources ADD COLUMN writeback_dry_run INTEGER NOT NULL DEFAULT 0;
UPDATE sources SET
    writeback_keywords = COALESCE(json_extract(CAST(settings AS TEXT), '$.writeback_keywords'), 0) IN (1, 'true'),
    writeback_captions = COALESCE(json_extract(CAST(settings AS TEXT), '$.writeback_captions'), 0) IN (1, 'true'),
    writeback_dry_run  = COALESCE(json_extract(CAST(settings AS TEXT), '$.dry_run'), 0) IN (1, 'true'),
    settings = CAST(json_remove(CAST(settings AS TEXT), '$.writeback_keywords', '$.writeback_captions', '$.dry_run') AS BLOB)
WHERE settings IS NOT NULL AND json_valid(CAST(settings AS TEXT));

-- +goose Down
ALTER TABLE sources DROP COLUMN writeback_dry_run;
ALTER TABLE sources DROP COLUMN writeback_captions;
ALTER TABLE sources DROP COLUMN writeback_keywords;
ALTER TABLE users ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';
UPDATE users SET settings = (SELECT json_object('claude_model', claude_model, 'monthly_budget_usd', monthly_budget_usd)
    FROM user_settings WHERE user_settings.user_id = users.id)
WHERE id IN (SELECT user_id FROM user_settings);
DROP TABLE user_settings;
