-- +goose Up
CREATE EXTENSION IF NOT EXISTS vector;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL DEFAULT '',
    is_admin      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE sources (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id        BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind           TEXT NOT NULL,
    name           TEXT NOT NULL,
    path           TEXT NOT NULL DEFAULT '',
    token          BYTEA,
    cursor         BYTEA,
    status         TEXT NOT NULL DEFAULT 'ok',
    last_error     TEXT NOT NULL DEFAULT '',
    last_synced_at TIMESTAMPTZ,
    settings       BYTEA,
    created_at     TIMESTAMPTZ NOT NULL,
    UNIQUE (user_id, kind, name)
);

CREATE TABLE albums (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    source_id  BIGINT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    key        TEXT NOT NULL,
    name       TEXT NOT NULL,
    web_url    TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMPTZ,
    UNIQUE (source_id, key)
);
CREATE INDEX albums_user ON albums (user_id);

CREATE TABLE photos (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id        BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    source_id      BIGINT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    album_id       BIGINT REFERENCES albums(id) ON DELETE SET NULL,
    source_key     TEXT NOT NULL,
    file_name      TEXT NOT NULL DEFAULT '',
    title          TEXT NOT NULL DEFAULT '',
    caption        TEXT NOT NULL DEFAULT '',
    keywords       TEXT NOT NULL DEFAULT '[]',
    taken_at       TIMESTAMPTZ,
    width          INTEGER NOT NULL DEFAULT 0,
    height         INTEGER NOT NULL DEFAULT 0,
    size           BIGINT NOT NULL DEFAULT 0,
    format         TEXT NOT NULL DEFAULT '',
    camera_make    TEXT NOT NULL DEFAULT '',
    camera_model   TEXT NOT NULL DEFAULT '',
    lens           TEXT NOT NULL DEFAULT '',
    exposure_time  TEXT NOT NULL DEFAULT '',
    f_number       DOUBLE PRECISION NOT NULL DEFAULT 0,
    iso            INTEGER NOT NULL DEFAULT 0,
    focal_length   DOUBLE PRECISION NOT NULL DEFAULT 0,
    gps_lat        DOUBLE PRECISION,
    gps_lon        DOUBLE PRECISION,
    content_hash   TEXT NOT NULL DEFAULT '',
    thumb_path     TEXT NOT NULL DEFAULT '',
    rendition_path TEXT NOT NULL DEFAULT '',
    web_url        TEXT NOT NULL DEFAULT '',
    remote_updated TIMESTAMPTZ,
    status         TEXT NOT NULL DEFAULT 'pending',
    error          TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    UNIQUE (source_id, source_key)
);
CREATE INDEX photos_user_taken ON photos (user_id, taken_at);
CREATE INDEX photos_user_hash ON photos (user_id, content_hash);
CREATE INDEX photos_album ON photos (album_id);

CREATE TABLE ai_metadata (
    photo_id       BIGINT PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
    user_id        BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
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
    cost_usd       DOUBLE PRECISION NOT NULL DEFAULT 0,
    created_at     TIMESTAMPTZ NOT NULL
);

-- vec is dimension-free so several CLIP models can live side by side; each
-- model dimension gets a partial HNSW index on a cast (pgvector's documented
-- way to index mixed dimensions).
CREATE TABLE embeddings (
    photo_id BIGINT NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
    model    TEXT NOT NULL,
    user_id  BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    dim      INTEGER NOT NULL,
    vec      vector NOT NULL,
    PRIMARY KEY (photo_id, model)
);
CREATE INDEX embeddings_user_model ON embeddings (user_id, model);
CREATE INDEX embeddings_hnsw_512 ON embeddings USING hnsw ((vec::vector(512)) vector_cosine_ops) WHERE dim = 512;
CREATE INDEX embeddings_hnsw_768 ON embeddings USING hnsw ((vec::vector(768)) vector_cosine_ops) WHERE dim = 768;

CREATE TABLE jobs (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL DEFAULT '{}',
    dedupe_key   TEXT NOT NULL DEFAULT '',
    state        TEXT NOT NULL DEFAULT 'queued',
    priority     INTEGER NOT NULL DEFAULT 0,
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 5,
    run_at       TIMESTAMPTZ NOT NULL,
    locked_by    TEXT NOT NULL DEFAULT '',
    locked_until TIMESTAMPTZ,
    last_error   TEXT NOT NULL DEFAULT '',
    photo_id     BIGINT,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX jobs_ready ON jobs (state, run_at, priority);
CREATE INDEX jobs_user ON jobs (user_id, state);
CREATE UNIQUE INDEX jobs_dedupe ON jobs (dedupe_key) WHERE dedupe_key <> '' AND state IN ('queued', 'running');

-- The full-text document of each photo, kept in step by the store: weighted
-- tsvector for ranking, plain text for trigram (typo and partial-word) matches.
CREATE TABLE photo_search (
    photo_id BIGINT PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
    user_id  BIGINT NOT NULL,
    doc      TEXT NOT NULL,
    tsv      tsvector NOT NULL
);
CREATE INDEX photo_search_tsv ON photo_search USING gin (tsv);
CREATE INDEX photo_search_trgm ON photo_search USING gin (doc gin_trgm_ops);
CREATE INDEX photo_search_user ON photo_search (user_id);

-- +goose Down
DROP TABLE photo_search;
DROP TABLE jobs;
DROP TABLE embeddings;
DROP TABLE ai_metadata;
DROP TABLE photos;
DROP TABLE albums;
DROP TABLE sources;
DROP TABLE users;
