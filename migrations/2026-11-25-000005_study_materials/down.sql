-- Undoes 2026-11-25-000005_study_materials, in reverse order.

DROP TRIGGER study_guides_set_updated_at ON study_guides;
DROP TABLE study_guides;

DROP TRIGGER quiz_responses_set_updated_at ON quiz_responses;
DROP TABLE quiz_responses;

DROP TRIGGER questions_set_updated_at ON questions;
DROP TABLE questions;

DROP TRIGGER quizzes_set_updated_at ON quizzes;
DROP TABLE quizzes;

DROP TRIGGER flashcards_set_updated_at ON flashcards;
DROP TABLE flashcards;

DROP TRIGGER flashcard_sets_set_updated_at ON flashcard_sets;
DROP TABLE flashcard_sets;
