-- Spaced repetition: each reviewed card's FSRS schedule, the log of its reviews (append-only
-- but for an undo of the last), and each student's settings for the scheduler. A card with no
-- schedule row was never reviewed: it is NEW, due from its creation.

CREATE TYPE card_state AS ENUM ('NEW', 'LEARNING', 'REVIEW', 'RELEARNING');
CREATE TYPE review_rating AS ENUM ('AGAIN', 'HARD', 'GOOD', 'EASY');

-- The owner is kept on the row so that a student's due cards are found by one index.
CREATE TABLE flashcard_schedules (
    flashcard_id uuid PRIMARY KEY,
    user_id uuid NOT NULL,
    state card_state NOT NULL,
    step integer NULL,
    stability double precision NULL,
    difficulty double precision NULL,
    due timestamptz NOT NULL,
    last_review timestamptz NULL,
    reps integer NOT NULL,
    lapses integer NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT flashcard_schedules_step_check CHECK (step >= 0),
    CONSTRAINT flashcard_schedules_stability_check CHECK (stability > 0),
    CONSTRAINT flashcard_schedules_difficulty_check CHECK (difficulty BETWEEN 1 AND 10),
    CONSTRAINT flashcard_schedules_counts_check CHECK (reps >= 0 AND lapses >= 0),
    CONSTRAINT flashcard_schedules_flashcard_id_fkey FOREIGN KEY (flashcard_id) REFERENCES flashcards (id) ON DELETE CASCADE,
    CONSTRAINT flashcard_schedules_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);

CREATE INDEX flashcard_schedules_user_id_due_idx ON flashcard_schedules (user_id, due);

-- Each review with the schedule it started from, which an undo gives back.
CREATE TABLE flashcard_reviews (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    flashcard_id uuid NOT NULL,
    user_id uuid NOT NULL,
    rating review_rating NOT NULL,
    state_before card_state NOT NULL,
    reviewed_at timestamptz NOT NULL,
    elapsed_days integer NOT NULL,
    duration_ms integer NULL,
    step_before integer NULL,
    stability_before double precision NULL,
    difficulty_before double precision NULL,
    due_before timestamptz NOT NULL,
    last_review_before timestamptz NULL,
    reps_before integer NOT NULL,
    lapses_before integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT flashcard_reviews_duration_ms_check CHECK (duration_ms >= 0),
    CONSTRAINT flashcard_reviews_flashcard_id_fkey FOREIGN KEY (flashcard_id) REFERENCES flashcards (id) ON DELETE CASCADE,
    CONSTRAINT flashcard_reviews_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);

CREATE INDEX flashcard_reviews_flashcard_id_reviewed_at_idx ON flashcard_reviews (flashcard_id, reviewed_at, created_at);
CREATE INDEX flashcard_reviews_user_id_reviewed_at_idx ON flashcard_reviews (user_id, reviewed_at);

CREATE TABLE review_settings (
    user_id uuid PRIMARY KEY,
    desired_retention double precision NOT NULL DEFAULT 0.9,
    new_cards_per_day integer NOT NULL DEFAULT 20,
    fuzz boolean NOT NULL DEFAULT true,
    -- The 21 FSRS-6 parameters fitted to the student's reviews; NULL: the defaults.
    parameters double precision[] NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT review_settings_desired_retention_check CHECK (desired_retention BETWEEN 0.7 AND 0.99),
    CONSTRAINT review_settings_new_cards_per_day_check CHECK (new_cards_per_day BETWEEN 0 AND 9999),
    CONSTRAINT review_settings_parameters_check CHECK (parameters IS NULL OR cardinality(parameters) = 21),
    CONSTRAINT review_settings_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);

CREATE TRIGGER flashcard_schedules_set_updated_at
    BEFORE UPDATE ON flashcard_schedules
    FOR EACH ROW EXECUTE FUNCTION sophie_set_updated_at();
CREATE TRIGGER review_settings_set_updated_at
    BEFORE UPDATE ON review_settings
    FOR EACH ROW EXECUTE FUNCTION sophie_set_updated_at();
