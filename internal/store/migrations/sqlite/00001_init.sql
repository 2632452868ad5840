-- +goose Up
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL DEFAULT '',
    is_admin      INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL
);

CREATE TABLE sources (
    id             INTEGER PRIMARY KEY,
    user_id        INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind           TEXT NOT NULL,
    name           TEXT NOT NULL,
    path           TEXT NOT NULL DEFAULT '',
    token          BLOB,
    cursor         BLOB,
    status         TEXT NOT NULL DEFAULT 'ok',
    last_error     TEXT NOT NULL DEFAULT '',
    last_synced_at TEXT,
    settings       BLOB,
    created_at     TEXT NOT NULL,
    UNIQUE (user_id, kind, name)
);

CREATE TABLE albums (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    source_id  INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    key        TEXT NOT NULL,
    name       TEXT NOT NULL,
    web_url    TEXT NOT NULL DEFAULT '',
    updated_at TEXT,
    UNIQUE (source_id, key)
);
CREATE INDEX albums_user ON albums (user_id);

CREATE TABLE photos (
    id             INTEGER PRIMARY KEY,
    user_id        INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    source_id      INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    album_id       INTEGER REFERENCES albums(id) ON DELETE SET NULL,
    source_key     TEXT NOT NULL,
    file_name      TEXT NOT NULL DEFAULT '',
    title          TEXT NOT NULL DEFAULT '',
    caption        TEXT NOT NULL DEFAULT '',
    keywords       TEXT NOT NULL DEFAULT '[]',
    taken_at       TEXT,
    width          INTEGER NOT NULL DEFAULT 0,
    height         INTEGER NOT NULL DEFAULT 0,
    size           INTEGER NOT NULL DEFAULT 0,
    format         TEXT NOT NULL DEFAULT '',
    camera_make    TEXT NOT NULL DEFAULT '',
    camera_model   TEXT NOT NULL DEFAULT '',
    lens           TEXT NOT NULL DEFAULT '',
    exposure_time  TEXT NOT NULL DEFAULT '',
    f_number       REAL NOT NULL DEFAULT 0,
    iso            INTEGER NOT NULL DEFAULT 0,
    focal_length   REAL NOT NULL DEFAULT 0,
    gps_lat        REAL,
    gps_lon        REAL,
    content_hash   TEXT NOT NULL DEFAULT '',
    thumb_path     TEXT NOT NULL DEFAULT '',
    rendition_path TEXT NOT NULL DEFAULT '',
    web_url        TEXT NOT NULL DEFAULT '',
    remote_updated TEXT,
    status         TEXT NOT NULL DEFAULT 'pending',
    error          TEXT NOT NULL DEFAULT '',
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    UNIQUE (source_id, source_key)
);
CREATE INDEX photos_user_taken ON photos (user_id, taken_at);
CREATE INDEX photos_user_hash ON photos (user_id, content_hash);
CREATE INDEX photos_album ON photos (album_id);

CREATE TABLE ai_metadata (
    photo_id       INTEGER PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
    user_id        INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    model          TEXT NOT NULL,
    prompt_version TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    keywords       TEXT NOT NULL DEFAULT '[]',
    objects        TEXT NOT NULL DEFAULT '[]',
    scene          TEXT NOT NULL DEFAULT '',
    text_in_image  TEXT NOT NULL DEFAULT '',
    people_count   INTEGER NOT NULL DEFAULT 0,
    colors         TEXT NOT NULL DEFAULT '[]',
    input_tokens   INTEGER NOT NULL DEFAULT 0,
    output_tokens  INTEGER NOT NULL DEFAULT 0,
    cost_usd       REAL NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL
);

CREATE TABLE embeddings (
    photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
    model    TEXT NOT NULL,
    user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    dim      INTEGER NOT NULL,
    vec      BLOB NOT NULL,
    PRIMARY KEY (photo_id, model)
);
CREATE INDEX embeddings_user_model ON embeddings (user_id, model);

CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL DEFAULT '{}',
    dedupe_key   TEXT NOT NULL DEFAULT '',
    state        TEXT NOT NULL DEFAULT 'queued',
    priority     INTEGER NOT NULL DEFAULT 0,
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 5,
    run_at       TEXT NOT NULL,
    locked_by    TEXT NOT NULL DEFAULT '',
    locked_until TEXT,
    last_error   TEXT NOT NULL DEFAULT '',
    photo_id     INTEGER,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX jobs_ready ON jobs (state, run_at, priority);
CREATE INDEX jobs_user ON jobs (user_id, state);
CREATE UNIQUE INDEX jobs_dedupe ON jobs (dedupe_key) WHERE dedupe_key <> '' AND state IN ('queued', 'running');

-- The full-text document of each photo, kept in step by the store.
CREATE VIRTUAL TABLE photo_fts USING fts5(
    title, caption, keywords, description, file_name, album, camera,
    tokenize = 'porter unicode61 remove_diacritics 2'
);

-- +goose Down
DROP TABLE photo_fts;
DROP TABLE jobs;
DROP TABLE embeddings;
DROP TABLE ai_metadata;
DROP TABLE photos;
DROP TABLE albums;
DROP TABLE sources;
DROP TABLE users;
