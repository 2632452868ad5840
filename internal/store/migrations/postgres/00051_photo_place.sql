-- +goose Up
-- Where a photo was taken, named from its GPS position by package place
-- ("Berlin, Germany"): shown on the photo page, searched as text and by
-- place:. NULL is "not named yet": the store names those photos after
-- migrating (fillPlaces), in Go, where the place data is.
ALTER TABLE photos ADD COLUMN place TEXT;

-- +goose Down
ALTER TABLE photos DROP COLUMN place;
