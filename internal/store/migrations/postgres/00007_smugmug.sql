-- +goose Up
-- What the SmugMug sync knows about each image of a source, beside the photo
-- row: the album it is in, its deleted mark (a sync deletes softly and the
-- photo row goes when the sync completes, so a move seen as delete-then-add
-- keeps the photo, its description and its embedding), and the fields that
-- decide whether the photo must be analysed again (Serial, MD5) or only its
-- text refreshed (LastUpdated). pending is '' , 'process' (new or changed
-- content, to be queued) or 'removed' (photo row to delete) until the sync
-- that set it completes.
CREATE TABLE smugmug_images (
    source_id    BIGINT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    image_key    TEXT NOT NULL,
    user_id      BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    album_key    TEXT NOT NULL,
    photo_id     BIGINT NOT NULL DEFAULT 0,
    deleted      BOOLEAN NOT NULL DEFAULT FALSE,
    serial       INTEGER NOT NULL DEFAULT 0,
    md5          TEXT NOT NULL DEFAULT '',
    last_updated TIMESTAMPTZ,
    uri          TEXT NOT NULL DEFAULT '',
    analysis_url TEXT NOT NULL DEFAULT '',
    pending      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (source_id, image_key)
);
CREATE INDEX smugmug_images_album ON smugmug_images (source_id, album_key);
CREATE INDEX smugmug_images_pending ON smugmug_images (source_id, pending) WHERE pending <> '';

-- Web sign-ins in progress: the request token's secret (sealed) stays on the
-- server between the redirect to SmugMug and the callback.
CREATE TABLE smugmug_auth (
    request_token TEXT PRIMARY KEY,
    user_id       BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    secret        BYTEA NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL
);

-- Every write-back (and dry run) so the owner can review what was changed.
CREATE TABLE smugmug_writes (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id   BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    source_id BIGINT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    photo_id  BIGINT NOT NULL,
    image_key TEXT NOT NULL,
    before    TEXT NOT NULL,
    after     TEXT NOT NULL,
    fields    TEXT NOT NULL DEFAULT '{}',
    dry_run   BOOLEAN NOT NULL,
    written   BOOLEAN NOT NULL,
    at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX smugmug_writes_source ON smugmug_writes (user_id, source_id, id);

-- +goose Down
DROP TABLE smugmug_writes;
DROP TABLE smugmug_auth;
DROP TABLE smugmug_images;
