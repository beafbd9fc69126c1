-- Generated study material: what each card, question and guide section rests on, the
-- generation jobs a student follows, and the tokens a model spent for each student per day.

-- Each source is {documentId | noteId, chunkId, pageNumber, quote} (and, for a guide, the
-- section it supports); hand-written items have none.
ALTER TABLE flashcards ADD COLUMN sources jsonb NOT NULL DEFAULT '[]'::jsonb;
ALTER TABLE questions ADD COLUMN sources jsonb NOT NULL DEFAULT '[]'::jsonb;
ALTER TABLE study_guides ADD COLUMN sources jsonb NOT NULL DEFAULT '[]'::jsonb;

-- A document's summary, as a note has one.
ALTER TABLE documents ADD COLUMN summary text NULL;

CREATE TYPE generation_kind AS ENUM ('FLASHCARDS', 'QUIZ', 'STUDY_GUIDE');

-- A generation made from exactly one source (a note, a document, or a whole course), ending
-- with at most one result. The source's deletion takes the job with it; the result's leaves
-- the job, its result gone.
CREATE TABLE generation_jobs (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    kind generation_kind NOT NULL,
    status job_status NOT NULL DEFAULT 'PENDING',
    progress integer NOT NULL DEFAULT 0,
    options jsonb NOT NULL,
    error_message text NULL,
    model text NULL,
    prompt_tokens integer NOT NULL DEFAULT 0,
    completion_tokens integer NOT NULL DEFAULT 0,
    completed_at timestamptz NULL,
    user_id uuid NOT NULL,
    course_id uuid NULL,
    note_id uuid NULL,
    document_id uuid NULL,
    flashcard_set_id uuid NULL,
    quiz_id uuid NULL,
    study_guide_id uuid NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT generation_jobs_progress_check CHECK (progress BETWEEN 0 AND 100),
    CONSTRAINT generation_jobs_tokens_check CHECK (prompt_tokens >= 0 AND completion_tokens >= 0),
    CONSTRAINT generation_jobs_one_source_check CHECK (num_nonnulls(course_id, note_id, document_id) = 1),
    CONSTRAINT generation_jobs_one_result_check CHECK (num_nonnulls(flashcard_set_id, quiz_id, study_guide_id) <= 1),
    CONSTRAINT generation_jobs_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT generation_jobs_course_id_fkey FOREIGN KEY (course_id) REFERENCES courses (id) ON DELETE CASCADE,
    CONSTRAINT generation_jobs_note_id_fkey FOREIGN KEY (note_id) REFERENCES notes (id) ON DELETE CASCADE,
    CONSTRAINT generation_jobs_document_id_fkey FOREIGN KEY (document_id) REFERENCES documents (id) ON DELETE CASCADE,
    CONSTRAINT generation_jobs_flashcard_set_id_fkey FOREIGN KEY (flashcard_set_id) REFERENCES flashcard_sets (id) ON DELETE SET NULL,
    CONSTRAINT generation_jobs_quiz_id_fkey FOREIGN KEY (quiz_id) REFERENCES quizzes (id) ON DELETE SET NULL,
    CONSTRAINT generation_jobs_study_guide_id_fkey FOREIGN KEY (study_guide_id) REFERENCES study_guides (id) ON DELETE SET NULL
);

CREATE INDEX generation_jobs_user_id_created_at_idx ON generation_jobs (user_id, created_at, id);
-- The foreign keys' indexes, for the cascades: most rows leave most of them empty.
CREATE INDEX generation_jobs_course_id_idx ON generation_jobs (course_id) WHERE course_id IS NOT NULL;
CREATE INDEX generation_jobs_note_id_idx ON generation_jobs (note_id) WHERE note_id IS NOT NULL;
CREATE INDEX generation_jobs_document_id_idx ON generation_jobs (document_id) WHERE document_id IS NOT NULL;
CREATE INDEX generation_jobs_flashcard_set_id_idx ON generation_jobs (flashcard_set_id) WHERE flashcard_set_id IS NOT NULL;
CREATE INDEX generation_jobs_quiz_id_idx ON generation_jobs (quiz_id) WHERE quiz_id IS NOT NULL;
CREATE INDEX generation_jobs_study_guide_id_idx ON generation_jobs (study_guide_id) WHERE study_guide_id IS NOT NULL;

CREATE TRIGGER generation_jobs_set_updated_at
    BEFORE UPDATE ON generation_jobs
    FOR EACH ROW EXECUTE FUNCTION sophie_set_updated_at();

-- Tokens a model spent for a student, per UTC day: the daily budget is checked against it.
CREATE TABLE token_usage (
    user_id uuid NOT NULL,
    day date NOT NULL,
    prompt_tokens bigint NOT NULL DEFAULT 0,
    completion_tokens bigint NOT NULL DEFAULT 0,
    CONSTRAINT token_usage_pkey PRIMARY KEY (user_id, day),
    CONSTRAINT token_usage_tokens_check CHECK (prompt_tokens >= 0 AND completion_tokens >= 0),
    CONSTRAINT token_usage_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
