-- +goose Up
-- The full-text rows get the same copy of their photo's filterable columns
-- as the embeddings (00009), so the text leg filters and ranks its matches
-- without looking up each matching photo (a common word matches thousands
-- in a library of a million photos). The copy functions are renamed for
-- what they now serve.
ALTER TABLE photo_search
    ADD COLUMN source_id BIGINT,
    ADD COLUMN album_id  BIGINT,
    ADD COLUMN taken_at  TIMESTAMPTZ,
    ADD COLUMN camera    TEXT NOT NULL DEFAULT '',
    ADD COLUMN has_gps   BOOLEAN NOT NULL DEFAULT FALSE;

UPDATE photo_search s SET source_id = p.source_id, album_id = p.album_id, taken_at = p.taken_at,
    camera = LOWER(p.camera_make || ' ' || p.camera_model), has_gps = p.gps_lat IS NOT NULL
FROM photos p WHERE p.id = s.photo_id;

-- An album is a few hundred photos: its text matches are found from the
-- album, not by ranking every match of the library.
CREATE INDEX photo_search_album ON photo_search (album_id);

ALTER FUNCTION embeddings_copy_photo() RENAME TO copy_photo_filters;
CREATE TRIGGER photo_search_copy_photo BEFORE INSERT OR UPDATE OF photo_id ON photo_search
    FOR EACH ROW EXECUTE FUNCTION copy_photo_filters();

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION photos_copy_to_embeddings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE embeddings SET source_id = NEW.source_id, album_id = NEW.album_id, taken_at = NEW.taken_at,
        camera = LOWER(NEW.camera_make || ' ' || NEW.camera_model), has_gps = NEW.gps_lat IS NOT NULL
    WHERE photo_id = NEW.id;
    UPDATE photo_search SET source_id = NEW.source_id, album_id = NEW.album_id, taken_at = NEW.taken_at,
        camera = LOWER(NEW.camera_make || ' ' || NEW.camera_model), has_gps = NEW.gps_lat IS NOT NULL
    WHERE photo_id = NEW.id;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
ALTER FUNCTION photos_copy_to_embeddings() RENAME TO photos_copy_filters;

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION photos_copy_filters() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE embeddings SET source_id = NEW.source_id, album_id = NEW.album_id, taken_at = NEW.taken_at,
        camera = LOWER(NEW.camera_make || ' ' || NEW.camera_model), has_gps = NEW.gps_lat IS NOT NULL
    WHERE photo_id = NEW.id;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
ALTER FUNCTION photos_copy_filters() RENAME TO photos_copy_to_embeddings;
DROP TRIGGER photo_search_copy_photo ON photo_search;
DROP INDEX photo_search_album;
ALTER FUNCTION copy_photo_filters() RENAME TO embeddings_copy_photo;
ALTER TABLE photo_search DROP COLUMN source_id, DROP COLUMN album_id, DROP COLUMN taken_at, DROP COLUMN camera, DROP COLUMN has_gps;
