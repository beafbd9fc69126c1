-- Chunk vectors that can be searched fast without pgvector: each chunk records its owner
-- (so a user's chunks are found without a join), the model that made its embedding (vectors
-- of different models are never compared) and the sign bits of the embedding (bit i is 1
-- when component i is positive). Vector search takes the chunks nearest by Hamming distance
-- between sign bits, `bit_count(embedding_bits # query_bits)`, read from the covering index
-- below without touching the table, then ranks only those by exact cosine on `embedding`.
-- The application writes user_id (always the document's owner), the model and the bits.

ALTER TABLE document_search_index
    ADD COLUMN user_id uuid NULL,
    ADD COLUMN embedding_model text NULL,
    ADD COLUMN embedding_bits bit varying NULL;

UPDATE document_search_index c
SET user_id = d.user_id
FROM documents d
WHERE d.id = c.document_id;

-- An embedding stored before models were recorded cannot be compared with any query: it is
-- dropped (processing the document again embeds it anew).
UPDATE document_search_index SET embedding = NULL WHERE embedding IS NOT NULL;

ALTER TABLE document_search_index
    ALTER COLUMN user_id SET NOT NULL,
    ADD CONSTRAINT document_search_index_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    ADD CONSTRAINT document_search_index_embedding_check CHECK (
        (embedding IS NULL AND embedding_model IS NULL AND embedding_bits IS NULL)
        OR (embedding IS NOT NULL AND embedding_model IS NOT NULL AND embedding_bits IS NOT NULL)
    );

-- `WHERE user_id = $1 AND embedding_model = $2` (and optionally `AND document_id = $3`),
-- covering the ids and sign bits, so the Hamming scan reads this index alone (an index-only
-- scan). Also the index on the user_id foreign key.
CREATE INDEX document_search_index_user_id_embedding_model_idx
    ON document_search_index (user_id, embedding_model, document_id) INCLUDE (id, embedding_bits);
