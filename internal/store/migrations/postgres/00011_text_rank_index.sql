-- +goose Up
-- A GIN index finds the photos a word matches but knows nothing of rank, so
-- the text leg read and ranked every match: a common word in a library of a
-- million photos is thousands of random heap reads per query. The rum
-- extension's index keeps each word's positions and weights and returns
-- matches best first (ORDER BY tsv <=> query), so a query reads only the
-- rows it returns. Where the server has rum (Debian: postgresql-15-rum) it
-- replaces the GIN index; where it has not, or the role may not create the
-- extension, nothing changes and the text leg ranks every match as before
-- (README: "Large libraries on Postgres").
-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'rum') THEN
        BEGIN
            CREATE EXTENSION IF NOT EXISTS rum;
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE NOTICE 'rum is available but this role may not create it: full-text search keeps its GIN index';
            RETURN;
        END;
        CREATE INDEX IF NOT EXISTS photo_search_rum ON photo_search USING rum (tsv rum_tsvector_ops);
        DROP INDEX IF EXISTS photo_search_tsv;
    END IF;
END $$;
-- +goose StatementEnd

-- +goose Down
CREATE INDEX IF NOT EXISTS photo_search_tsv ON photo_search USING gin (tsv);
DROP INDEX IF EXISTS photo_search_rum;
