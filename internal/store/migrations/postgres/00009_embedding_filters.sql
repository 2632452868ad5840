-- +goose Up
-- A copy of the photo's filterable columns beside each vector, so a
-- filtered nearest-neighbour query checks its filter on the row the HNSW
-- scan has already fetched instead of looking the photo up for every
-- candidate (a camera filter that passes one photo in five checks
-- thousands of candidates). Triggers keep the copy exact: an embedding
-- takes its photo's values when written, and a photo's change reaches its
-- embeddings in the same transaction.
ALTER TABLE embeddings
    ADD COLUMN source_id BIGINT,
    ADD COLUMN album_id  BIGINT,
    ADD COLUMN taken_at  TIMESTAMPTZ,
    ADD COLUMN camera    TEXT NOT NULL DEFAULT '',
    ADD COLUMN has_gps   BOOLEAN NOT NULL DEFAULT FALSE;

-- Filling the copy rewrites every embedding row. Row by row, each new
-- version would also be inserted into the HNSW graphs (slower than building
-- them, and it leaves them full of dead entries), so they are dropped and
-- built again afterwards, exactly as 00001 made them. The rewritten rows
-- also take the inline storage of 00008.
DROP INDEX IF EXISTS embeddings_hnsw_512;
DROP INDEX IF EXISTS embeddings_hnsw_768;
UPDATE embeddings e SET source_id = p.source_id, album_id = p.album_id, taken_at = p.taken_at,
    camera = LOWER(p.camera_make || ' ' || p.camera_model), has_gps = p.gps_lat IS NOT NULL
FROM photos p WHERE p.id = e.photo_id;
CREATE INDEX embeddings_hnsw_512 ON embeddings USING hnsw ((vec::vector(512)) vector_cosine_ops) WHERE dim = 512;
CREATE INDEX embeddings_hnsw_768 ON embeddings USING hnsw ((vec::vector(768)) vector_cosine_ops) WHERE dim = 768;

-- +goose StatementBegin
CREATE FUNCTION embeddings_copy_photo() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT p.source_id, p.album_id, p.taken_at, LOWER(p.camera_make || ' ' || p.camera_model), p.gps_lat IS NOT NULL
    INTO NEW.source_id, NEW.album_id, NEW.taken_at, NEW.camera, NEW.has_gps
    FROM photos p WHERE p.id = NEW.photo_id;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER embeddings_copy_photo BEFORE INSERT OR UPDATE OF photo_id ON embeddings
    FOR EACH ROW EXECUTE FUNCTION embeddings_copy_photo();

-- +goose StatementBegin
CREATE FUNCTION photos_copy_to_embeddings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE embeddings SET source_id = NEW.source_id, album_id = NEW.album_id, taken_at = NEW.taken_at,
        camera = LOWER(NEW.camera_make || ' ' || NEW.camera_model), has_gps = NEW.gps_lat IS NOT NULL
    WHERE photo_id = NEW.id;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER photos_copy_to_embeddings AFTER UPDATE OF source_id, album_id, taken_at, camera_make, camera_model, gps_lat ON photos
    FOR EACH ROW
    WHEN ((OLD.source_id, OLD.album_id, OLD.taken_at, OLD.camera_make, OLD.camera_model, OLD.gps_lat IS NULL)
        IS DISTINCT FROM (NEW.source_id, NEW.album_id, NEW.taken_at, NEW.camera_make, NEW.camera_model, NEW.gps_lat IS NULL))
    EXECUTE FUNCTION photos_copy_to_embeddings();

-- +goose Down
DROP TRIGGER photos_copy_to_embeddings ON photos;
DROP FUNCTION photos_copy_to_embeddings();
DROP TRIGGER embeddings_copy_photo ON embeddings;
DROP FUNCTION embeddings_copy_photo();
ALTER TABLE embeddings DROP COLUMN source_id, DROP COLUMN album_id, DROP COLUMN taken_at, DROP COLUMN camera, DROP COLUMN has_gps;
