-- Embeddings as bytes: the float4 values of the vector back to back, each in network byte
-- order (big-endian, as `float4send` writes it). A vector search reads the full vectors of a
-- few hundred candidates; as `real[]`, PostgreSQL sent each of their values as an element
-- of its own (with a length before each), which cost more than finding the candidates. As
-- `bytea` a vector is sent as it is stored. The check below also holds every vector to the
-- length of its sign bits: four bytes a component.

-- The row keeps its vector: PostgreSQL moves a value out of the row (to the TOAST table) once
-- the row is over 2 kB, and a chunk of about a thousand characters with its full-text vector
-- and a 384-value embedding is about 3 kB. Each candidate's vector was then one more index
-- lookup away. Rows up to 8 kB now stay whole (larger ones, as with vectors of 1,536 values,
-- are still moved out).
ALTER TABLE document_search_index SET (toast_tuple_target = 8160);

-- sophie never writes an embedding with NULL elements, and reads one back as no embedding:
-- such a row loses its embedding, its model and its bits (processing the document again
-- embeds it anew).
UPDATE document_search_index
SET embedding = NULL, embedding_model = NULL, embedding_bits = NULL
WHERE array_position(embedding, NULL) IS NOT NULL;

CREATE FUNCTION pg_temp.sophie_float4_bytes(vector real[]) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT
RETURN (
    SELECT COALESCE(string_agg(float4send(v.value), ''::bytea ORDER BY v.i), ''::bytea)
    FROM unnest(vector) WITH ORDINALITY AS v(value, i)
);

ALTER TABLE document_search_index
    DROP CONSTRAINT document_search_index_embedding_check;
ALTER TABLE document_search_index
    ALTER COLUMN embedding TYPE bytea USING pg_temp.sophie_float4_bytes(embedding);
ALTER TABLE document_search_index
    ADD CONSTRAINT document_search_index_embedding_check CHECK (
        (embedding IS NULL AND embedding_model IS NULL AND embedding_bits IS NULL)
        OR (embedding IS NOT NULL AND embedding_model IS NOT NULL AND embedding_bits IS NOT NULL
            AND octet_length(embedding) = 4 * length(embedding_bits))
    );

DROP FUNCTION pg_temp.sophie_float4_bytes(real[]);
