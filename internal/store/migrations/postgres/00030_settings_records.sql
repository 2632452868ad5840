-- +goose Up
-- A user's settings become one typed record (user_settings) instead of a
-- JSON text decoded in several places; what a user left empty or zero
-- takes the deployment's value when read. Write-back moves to the source
-- it writes to (typed columns, off by default), where it was only ever
-- copied anyway.
CREATE TABLE user_settings (
    user_id            BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    claude_model       TEXT NOT NULL DEFAULT '',
    monthly_budget_usd DOUBLE PRECISION NOT NULL DEFAULT 0 CHECK (monthly_budget_usd >= 0),
    updated_at         TIMESTAMPTZ NOT NULL
);
INSERT INTO user_settings (user_id, claude_model, monthly_budget_usd, updated_at)
SELECT id,
       COALESCE(settings::jsonb->>'claude_model', ''),
       GREATEST(COALESCE((settings::jsonb->>'monthly_budget_usd')::double precision, 0), 0),
       now()
FROM users WHERE settings <> '{}';
ALTER TABLE users DROP COLUMN settings;

ALTER TABLE sources ADD COLUMN writeback_keywords BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE sources ADD COLUMN writeback_captions BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE sources ADD COLUMN writeback_dry_run BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE sources SET
    writeback_keywords = COALESCE((convert_from(settings, 'UTF8')::jsonb->>'writeback_keywords')::boolean, FALSE),
    writeback_captions = COALESCE((convert_from(settings, 'UTF8')::jsonb->>'writeback_captions')::boolean, FALSE),
    writeback_dry_run  = COALESCE((convert_from(settings, 'UTF8')::jsonb->>'dry_run')::boolean, FALSE),
    settings = convert_to((convert_from(settings, 'UTF8')::jsonb - 'writeback_keywords' - 'writeback_captions' - 'dry_run')::text, 'UTF8')
WHERE settings IS NOT NULL AND length(settings) > 0;

-- +goose Down
ALTER TABLE sources DROP COLUMN writeback_dry_run;
ALTER TABLE sources DROP COLUMN writeback_captions;
ALTER TABLE sources DROP COLUMN writeback_keywords;
ALTER TABLE users ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';
UPDATE users SET settings = json_build_object('claude_model', s.claude_model, 'monthly_budget_usd', s.monthly_budget_usd)::text
FROM user_settings s WHERE s.user_id = users.id;
DROP TABLE user_settings;
