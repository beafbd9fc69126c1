-- Undoes 2026-12-07-000027_search_text_statistics: the default statistics target again.

ALTER TABLE document_search_index
    ALTER COLUMN content SET STATISTICS -1;
ALTER TABLE flashcards
    ALTER COLUMN question SET STATISTICS -1,
    ALTER COLUMN answer SET STATISTICS -1;
ALTER TABLE notes
    ALTER COLUMN title SET STATISTICS -1,
    ALTER COLUMN content SET STATISTICS -1;
