-- AI-generated study materials: flashcard sets and their flashcards, quizzes with their
-- questions and the users' attempts (quiz_responses), and study guides. Each links back to
-- its optional source (course, note, document; SET NULL) and belongs to a user (CASCADE).

CREATE TABLE flashcard_sets (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    title text NOT NULL,
    description text NULL,
    difficulty difficulty NOT NULL,
    tags text[] NOT NULL DEFAULT '{}',
    color text NOT NULL DEFAULT 'blue',
    user_id uuid NOT NULL,
    course_id uuid NULL,
    note_id uuid NULL,
    document_id uuid NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT flashcard_sets_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT flashcard_sets_course_id_fkey FOREIGN KEY (course_id) REFERENCES courses (id) ON DELETE SET NULL,
    CONSTRAINT flashcard_sets_note_id_fkey FOREIGN KEY (note_id) REFERENCES notes (id) ON DELETE SET NULL,
    CONSTRAINT flashcard_sets_document_id_fkey FOREIGN KEY (document_id) REFERENCES documents (id) ON DELETE SET NULL
);

CREATE INDEX flashcard_sets_user_id_created_at_idx ON flashcard_sets (user_id, created_at, id);
CREATE INDEX flashcard_sets_course_id_idx ON flashcard_sets (course_id);
CREATE INDEX flashcard_sets_note_id_idx ON flashcard_sets (note_id);
CREATE INDEX flashcard_sets_document_id_idx ON flashcard_sets (document_id);
CREATE INDEX flashcard_sets_tags_idx ON flashcard_sets USING gin (tags);

CREATE TRIGGER flashcard_sets_set_updated_at
    BEFORE UPDATE ON flashcard_sets
    FOR EACH ROW EXECUTE FUNCTION sophie_set_updated_at();

CREATE TABLE flashcards (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    question text NOT NULL,
    answer text NOT NULL,
    hint text NULL,
    explanation text NULL,
    difficulty difficulty NOT NULL,
    flashcard_set_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT flashcards_flashcard_set_id_fkey FOREIGN KEY (flashcard_set_id) REFERENCES flashcard_sets (id) ON DELETE CASCADE
);

CREATE INDEX flashcards_flashcard_set_id_created_at_idx ON flashcards (flashcard_set_id, created_at, id);
CREATE INDEX flashcards_question_trgm_idx ON flashcards USING gin (question gin_trgm_ops);
CREATE INDEX flashcards_answer_trgm_idx ON flashcards USING gin (answer gin_trgm_ops);

CREATE TRIGGER flashcards_set_updated_at
    BEFORE UPDATE ON flashcards
    FOR EACH ROW EXECUTE FUNCTION sophie_set_updated_at();

CREATE TABLE quizzes (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    title text NOT NULL,
    description text NULL,
    difficulty difficulty NOT NULL,
    time_limit integer NULL,
    total_points integer NOT NULL,
    user_id uuid NOT NULL,
    course_id uuid NULL,
    note_id uuid NULL,
    document_id uuid NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT quizzes_time_limit_check CHECK (time_limit IS NULL OR time_limit > 0),
    CONSTRAINT quizzes_total_points_check CHECK (total_points >= 0),
    CONSTRAINT quizzes_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT quizzes_course_id_fkey FOREIGN KEY (course_id) REFERENCES courses (id) ON DELETE SET NULL,
    CONSTRAINT quizzes_note_id_fkey FOREIGN KEY (note_id) REFERENCES notes (id) ON DELETE SET NULL,
    CONSTRAINT quizzes_document_id_fkey FOREIGN KEY (document_id) REFERENCES documents (id) ON DELETE SET NULL
);

CREATE INDEX quizzes_user_id_created_at_idx ON quizzes (user_id, created_at, id);
CREATE INDEX quizzes_course_id_idx ON quizzes (course_id);
CREATE INDEX quizzes_note_id_idx ON quizzes (note_id);
CREATE INDEX quizzes_document_id_idx ON quizzes (document_id);

CREATE TRIGGER quizzes_set_updated_at
    BEFORE UPDATE ON quizzes
    FOR EACH ROW EXECUTE FUNCTION sophie_set_updated_at();

-- options: the seed's JSON-in-a-string, stored as jsonb.
CREATE TABLE questions (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    type question_type NOT NULL,
    question text NOT NULL,
    options jsonb NULL,
    correct_answer text NOT NULL,
    explanation text NULL,
    hint text NULL,
    difficulty difficulty NOT NULL,
    points integer NOT NULL,
    quiz_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT questions_points_check CHECK (points >= 1),
    CONSTRAINT questions_quiz_id_fkey FOREIGN KEY (quiz_id) REFERENCES quizzes (id) ON DELETE CASCADE
);

CREATE INDEX questions_quiz_id_created_at_idx ON questions (quiz_id, created_at, id);

CREATE TRIGGER questions_set_updated_at
    BEFORE UPDATE ON questions
    FOR EACH ROW EXECUTE FUNCTION sophie_set_updated_at();

-- One attempt at a quiz. answers: per question {questionId, answer, correct, pointsAwarded}.
CREATE TABLE quiz_responses (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    quiz_id uuid NOT NULL,
    user_id uuid NOT NULL,
    answers jsonb NOT NULL DEFAULT '[]',
    score integer NOT NULL,
    total_points integer NOT NULL,
    time_spent_seconds integer NULL,
    started_at timestamptz NULL,
    completed_at timestamptz NOT NULL DEFAULT now(),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT quiz_responses_score_check CHECK (score >= 0 AND score <= total_points),
    CONSTRAINT quiz_responses_total_points_check CHECK (total_points >= 0),
    CONSTRAINT quiz_responses_time_spent_seconds_check CHECK (time_spent_seconds IS NULL OR time_spent_seconds >= 0),
    CONSTRAINT quiz_responses_quiz_id_fkey FOREIGN KEY (quiz_id) REFERENCES quizzes (id) ON DELETE CASCADE,
    CONSTRAINT quiz_responses_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);

CREATE INDEX quiz_responses_user_id_created_at_idx ON quiz_responses (user_id, created_at, id);
CREATE INDEX quiz_responses_quiz_id_created_at_idx ON quiz_responses (quiz_id, created_at, id);

CREATE TRIGGER quiz_responses_set_updated_at
    BEFORE UPDATE ON quiz_responses
    FOR EACH ROW EXECUTE FUNCTION sophie_set_updated_at();

CREATE TABLE study_guides (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    title text NOT NULL,
    content text NOT NULL,
    note_id uuid NULL,
    course_id uuid NULL,
    document_id uuid NULL,
    user_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT study_guides_note_id_fkey FOREIGN KEY (note_id) REFERENCES notes (id) ON DELETE SET NULL,
    CONSTRAINT study_guides_course_id_fkey FOREIGN KEY (course_id) REFERENCES courses (id) ON DELETE SET NULL,
    CONSTRAINT study_guides_document_id_fkey FOREIGN KEY (document_id) REFERENCES documents (id) ON DELETE SET NULL,
    CONSTRAINT study_guides_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);

CREATE INDEX study_guides_user_id_created_at_idx ON study_guides (user_id, created_at, id);
CREATE INDEX study_guides_note_id_idx ON study_guides (note_id);
CREATE INDEX study_guides_course_id_idx ON study_guides (course_id);
CREATE INDEX study_guides_document_id_idx ON study_guides (document_id);

CREATE TRIGGER study_guides_set_updated_at
    BEFORE UPDATE ON study_guides
    FOR EACH ROW EXECUTE FUNCTION sophie_set_updated_at();
