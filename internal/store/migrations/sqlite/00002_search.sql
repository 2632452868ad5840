-- +goose Up
-- A change log of the embeddings table, written by triggers, so the search
-- package's in-process vector index can catch up with writes from any
-- connection or process (the pipeline, a CLI run beside `serve`) by reading
-- the entries after the last one it applied. AUTOINCREMENT keeps seq
-- increasing even after the newest entries are deleted.
CREATE TABLE embedding_log (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    model    TEXT NOT NULL,
    photo_id INTEGER NOT NULL
);
CREATE INDEX embedding_log_model_seq ON embedding_log (model, seq);

-- +goose StatementBegin
CREATE TRIGGER embeddings_log_insert AFTER INSERT ON embeddings BEGIN
    INSERT INTO embedding_log (model, photo_id) VALUES (NEW.model, NEW.photo_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER embeddings_log_update AFTER UPDATE ON embeddings BEGIN
    INSERT INTO embedding_log (model, photo_id) VALUES (NEW.model, NEW.photo_id);
    INSERT INTO embedding_log (model, photo_id) SELECT OLD.model, OLD.photo_id
        WHERE OLD.model <> NEW.model OR OLD.photo_id <> NEW.photo_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER embeddings_log_delete AFTER DELETE ON embeddings BEGIN
    INSERT INTO embedding_log (model, photo_id) VALUES (OLD.model, OLD.photo_id);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER embeddings_log_delete;
DROP TRIGGER embeddings_log_update;
DROP TRIGGER embeddings_log_insert;
DROP TABLE embedding_log;
