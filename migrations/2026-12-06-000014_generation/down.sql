DROP TABLE token_usage;
DROP TABLE generation_jobs;
DROP TYPE generation_kind;
ALTER TABLE documents DROP COLUMN summary;
ALTER TABLE study_guides DROP COLUMN sources;
ALTER TABLE questions DROP COLUMN sources;
ALTER TABLE flashcards DROP COLUMN sources;
