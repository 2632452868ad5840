-- +goose Up
-- What the person changed in TargetVision wins over the files' words and
-- Claude's, and survives re-processing and re-describing: kept apart from
-- the columns syncs and descriptions write (NULL: not edited).
ALTER TABLE photos ADD COLUMN user_caption TEXT;
ALTER TABLE photos ADD COLUMN user_keywords TEXT;
ALTER TABLE photos ADD COLUMN user_rating INTEGER;
ALTER TABLE photos ADD COLUMN favorite INTEGER NOT NULL DEFAULT 0;
-- Capture dates in the future were a camera clock's mistake (the pipeline
-- now ignores them): unknown, instead of heading every listing.
UPDATE photos SET taken_at = NULL
WHERE taken_at > strftime('%Y-%m-%dT%H:%M:%S', 'now', '+2 days') || '.000000Z';

-- +goose Down
ALTER TABLE photos DROP COLUMN favorite;
ALTER TABLE photos DROP COLUMN user_rating;
ALTER TABLE photos DROP COLUMN user_keywords;
ALTER TABLE photos DROP COLUMN user_caption;
