-- Flashcard packages (Anki's .apkg and .colpkg) imported in the background: a new import
-- source, and the counts a finished package import came to, kept on its record.
ALTER TYPE import_source ADD VALUE 'DECK';

ALTER TABLE import_jobs ADD COLUMN result jsonb NULL;
