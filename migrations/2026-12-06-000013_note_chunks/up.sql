-- Notes indexed for search: an imported lecture, page or video is cut into chunks and
-- embedded like a document, so vector search finds it by meaning. A chunk belongs to exactly
-- one document or one note, and goes with it.

ALTER TABLE document_search_index
    ALTER COLUMN document_id DROP NOT NULL,
    ADD COLUMN note_id uuid NULL,
    ADD CONSTRAINT document_search_index_note_id_fkey FOREIGN KEY (note_id) REFERENCES notes (id) ON DELETE CASCADE,
    -- Also the index on the note_id foreign key.
    ADD CONSTRAINT document_search_index_note_id_chunk_index_key UNIQUE (note_id, chunk_index),
    ADD CONSTRAINT document_search_index_one_source_check CHECK (num_nonnulls(document_id, note_id) = 1);

-- The vector scan's covering index, now also telling a note's chunk from a document's
-- without touching the table (a search filtered by course or kind).
DROP INDEX document_search_index_user_id_embedding_model_idx;
CREATE INDEX document_search_index_user_id_embedding_model_idx
    ON document_search_index (user_id, embedding_model, document_id) INCLUDE (id, note_id, embedding_bits);
