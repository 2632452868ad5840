-- +goose Up
-- TargetVision's own albums ("collections"), the person's, apart from the
-- albums a source has: a photo may be in any number of them. A collection
-- with a query is a saved search (a smart album): it holds no photos, its
-- query finds them.
CREATE TABLE collections (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    query      TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX collections_user_name ON collections (user_id, lower(name));

CREATE TABLE collection_photos (
    collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
    photo_id      INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL,
    added_at      TEXT NOT NULL,
    PRIMARY KEY (collection_id, photo_id)
);
CREATE INDEX collection_photos_photo ON collection_photos (photo_id);

-- +goose Down
DROP TABLE collection_photos;
DROP TABLE collections;
