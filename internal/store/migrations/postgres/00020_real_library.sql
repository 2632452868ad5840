-- +goose Up
-- What a photographer's folder holds beyond one image per photo:
--   issue       why a photo has no pixels or failed: '' | no_preview |
--               corrupt | too_large | unsupported (the index summary,
--               the API and the Sources page count them);
--   companions  the other files of the photo: its RAW beside a JPEG of the
--               same name, its XMP sidecars, with size and time so that a
--               changed sidecar re-indexes the photo (JSON list);
--   rating      xmp:Rating: 1-5, -1 rejected, 0 none;
--   label       the colour label as written.
ALTER TABLE photos ADD COLUMN issue TEXT NOT NULL DEFAULT '';
ALTER TABLE photos ADD COLUMN companions TEXT NOT NULL DEFAULT '[]';
ALTER TABLE photos ADD COLUMN rating INTEGER NOT NULL DEFAULT 0;
ALTER TABLE photos ADD COLUMN label TEXT NOT NULL DEFAULT '';

-- Files a sync looked at and did not make photos of, with the reason
-- (unsupported, excluded), replaced by each sync of the source.
CREATE TABLE skipped_files (
    source_id BIGINT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    user_id   BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    path      TEXT NOT NULL,
    reason    TEXT NOT NULL,
    PRIMARY KEY (source_id, path)
);

-- +goose Down
DROP TABLE skipped_files;
ALTER TABLE photos DROP COLUMN label;
ALTER TABLE photos DROP COLUMN rating;
ALTER TABLE photos DROP COLUMN companions;
ALTER TABLE photos DROP COLUMN issue;
