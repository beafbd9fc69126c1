-- Undoes 2026-12-05-000010_chunk_vectors (the models and sign bits are lost; the embeddings
-- stay).

DROP INDEX document_search_index_user_id_embedding_model_idx;
ALTER TABLE document_search_index
    DROP CONSTRAINT document_search_index_embedding_check,
    DROP CONSTRAINT document_search_index_user_id_fkey,
    DROP COLUMN embedding_bits,
    DROP COLUMN embedding_model,
    DROP COLUMN user_id;
