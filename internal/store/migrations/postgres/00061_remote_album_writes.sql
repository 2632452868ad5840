-- +goose Up
-- Creating albums on a SmugMug account from a selection of its photos is
-- a write of its own, off until the owner switches it on per source.
ALTER TABLE sources ADD COLUMN writeback_albums BOOLEAN NOT NULL DEFAULT FALSE;

-- Every album TargetVision created (or tried to) on a source: who, when,
-- the album, how many photos were asked for and collected, the result.
CREATE TABLE smugmug_album_writes (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    source_id   BIGINT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    actor       TEXT NOT NULL,
    name        TEXT NOT NULL,
    album_key   TEXT NOT NULL DEFAULT '',
    web_url     TEXT NOT NULL DEFAULT '',
    photo_count INTEGER NOT NULL,
    collected   INTEGER NOT NULL,
    result      TEXT NOT NULL,
    error       TEXT NOT NULL DEFAULT '',
    at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX smugmug_album_writes_source ON smugmug_album_writes (user_id, source_id, id);

-- +goose Down
DROP TABLE smugmug_album_writes;
ALTER TABLE sources DROP COLUMN writeback_albums;
