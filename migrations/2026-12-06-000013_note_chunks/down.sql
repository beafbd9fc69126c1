-- Notes' chunks cannot exist without the column: they are dropped (importing again indexes
-- the note anew).
DELETE FROM document_search_index WHERE note_id IS NOT NULL;

DROP INDEX document_search_index_user_id_embedding_model_idx;
CREATE INDEX document_search_index_user_id_embedding_model_idx
    ON document_search_index (user_id, embedding_model, document_id) INCLUDE (id, embedding_bits);

ALTER TABLE document_search_index
    DROP CONSTRAINT document_search_index_one_source_check,
    DROP CONSTRAINT document_search_index_note_id_chunk_index_key,
    DROP CONSTRAINT document_search_index_note_id_fkey,
    DROP COLUMN note_id,
    ALTER COLUMN document_id SET NOT NULL;
