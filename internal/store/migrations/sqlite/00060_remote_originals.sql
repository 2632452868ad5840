-- +goose Up
-- The address of each remote image's untouched original (SmugMug's
-- ArchivedUri), so the viewer and zips can stream it through the server
-- with the owner's token. NULL: the image was listed before this column
-- existed (the next listing of its album records it); '': the service
-- offered no original to this connection.
ALTER TABLE smugmug_images ADD COLUMN original_url TEXT;

-- +goose Down
ALTER TABLE smugmug_images DROP COLUMN original_url;
