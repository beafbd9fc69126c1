-- Undoes 2026-12-07-000025_search_index_versions.

DROP TRIGGER notes_search_version_course ON notes;
DROP TRIGGER documents_search_version_course ON documents;
DROP FUNCTION sophie_raise_search_version_of_owner();
DROP TRIGGER document_search_index_version_delete ON document_search_index;
DROP TRIGGER document_search_index_version_update ON document_search_index;
DROP TRIGGER document_search_index_version_insert ON document_search_index;
DROP FUNCTION sophie_raise_search_versions();
DROP TRIGGER users_search_version ON users;
DROP FUNCTION sophie_add_search_version();
DROP TABLE search_index_versions;
