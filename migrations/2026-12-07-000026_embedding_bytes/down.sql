-- Undoes 2026-12-07-000026_embedding_bytes: each four bytes read back as the IEEE 754 float4
-- they hold (sophie stores only finite values).

CREATE FUNCTION pg_temp.sophie_float4_array(bytes bytea) RETURNS real[]
LANGUAGE sql IMMUTABLE STRICT
RETURN (
    SELECT COALESCE(
        array_agg(
            ((1 - 2 * (w.u >> 31)) * CASE
                WHEN (w.u >> 23) & 255 = 0 THEN (w.u & 8388607) * power(2::float8, -149)
                ELSE (8388608 + (w.u & 8388607)) * power(2::float8, ((w.u >> 23) & 255) - 150)
            END)::real
            ORDER BY w.i
        ),
        '{}'::real[]
    )
    FROM (
        SELECT i, (get_byte(bytes, 4 * i)::int8 << 24) | (get_byte(bytes, 4 * i + 1) << 16)
               | (get_byte(bytes, 4 * i + 2) << 8) | get_byte(bytes, 4 * i + 3) AS u
        FROM generate_series(0, length(bytes) / 4 - 1) AS i
    ) w
);

ALTER TABLE document_search_index
    DROP CONSTRAINT document_search_index_embedding_check;
ALTER TABLE document_search_index
    ALTER COLUMN embedding TYPE real[] USING pg_temp.sophie_float4_array(embedding);
ALTER TABLE document_search_index
    ADD CONSTRAINT document_search_index_embedding_check CHECK (
        (embedding IS NULL AND embedding_model IS NULL AND embedding_bits IS NULL)
        OR (embedding IS NOT NULL AND embedding_model IS NOT NULL AND embedding_bits IS NOT NULL)
    );

DROP FUNCTION pg_temp.sophie_float4_array(bytea);

ALTER TABLE document_search_index RESET (toast_tuple_target);
