-- Document search index: the chunks of each document's text, searchable by trigram
-- similarity (content) and full text (content_tsv), with an optional embedding (real[], no
-- pgvector).

CREATE TABLE document_search_index (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    document_id uuid NOT NULL,
    content text NOT NULL,
    page_number integer NULL,
    chunk_index integer NOT NULL,
    embedding real[] NULL,
    content_tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', content)) STORED,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    -- Also the index on the document_id foreign key.
    CONSTRAINT document_search_index_document_id_chunk_index_key UNIQUE (document_id, chunk_index),
    CONSTRAINT document_search_index_chunk_index_check CHECK (chunk_index >= 0),
    CONSTRAINT document_search_index_document_id_fkey FOREIGN KEY (document_id) REFERENCES documents (id) ON DELETE CASCADE
);

CREATE INDEX document_search_index_content_trgm_idx ON document_search_index USING gin (content gin_trgm_ops);
CREATE INDEX document_search_index_content_tsv_idx ON document_search_index USING gin (content_tsv);

CREATE TRIGGER document_search_index_set_updated_at
    BEFORE UPDATE ON document_search_index
    FOR EACH ROW EXECUTE FUNCTION sophie_set_updated_at();
