DROP INDEX flashcards_external_key_idx;
DROP INDEX flashcards_set_external_key_key;
DROP INDEX flashcard_sets_user_external_key_idx;
ALTER TABLE flashcards DROP COLUMN external_key;
ALTER TABLE flashcard_sets DROP COLUMN external_key;
