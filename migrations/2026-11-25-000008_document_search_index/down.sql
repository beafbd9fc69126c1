-- Undoes 2026-11-25-000008_document_search_index.

DROP TRIGGER document_search_index_set_updated_at ON document_search_index;
DROP TABLE document_search_index;
