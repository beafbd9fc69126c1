-- Undoes 2026-11-25-000004_courses_notes_documents, in reverse order.

DROP TRIGGER documents_set_updated_at ON documents;
DROP TABLE documents;

DROP TRIGGER notes_set_updated_at ON notes;
DROP TABLE notes;

DROP TRIGGER courses_set_updated_at ON courses;
DROP TABLE courses;
