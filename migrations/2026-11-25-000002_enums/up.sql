-- Enum types of the data model (DATA-MODEL.md, "Enums"): snake_case type names, values in
-- UPPER_SNAKE exactly as listed there.

CREATE TYPE difficulty AS ENUM ('EASY', 'MEDIUM', 'HARD');

CREATE TYPE question_type AS ENUM ('MULTIPLE_CHOICE', 'TRUE_FALSE', 'SHORT_ANSWER', 'FILL_IN_THE_BLANK');

CREATE TYPE message_type AS ENUM ('USER', 'ASSISTANT', 'SYSTEM');

CREATE TYPE event_type AS ENUM (
    'ASSIGNMENT',
    'EXAM',
    'QUIZ',
    'LECTURE',
    'LAB',
    'OFFICE_HOURS',
    'STUDY_SESSION',
    'DEADLINE',
    'OTHER'
);

CREATE TYPE priority AS ENUM ('LOW', 'MEDIUM', 'HIGH', 'URGENT');

CREATE TYPE import_source AS ENUM ('FILE', 'YOUTUBE', 'AUDIO', 'URL');

CREATE TYPE job_status AS ENUM ('PENDING', 'PROCESSING', 'COMPLETED', 'FAILED', 'CANCELLED');

CREATE TYPE note_source AS ENUM ('MANUAL', 'FILE', 'YOUTUBE', 'AUDIO', 'URL');

CREATE TYPE document_status AS ENUM ('PENDING', 'PROCESSING', 'READY', 'FAILED');

CREATE TYPE notification_type AS ENUM (
    'IMPORT_COMPLETED',
    'IMPORT_FAILED',
    'GENERATION_COMPLETED',
    'GENERATION_FAILED',
    'EVENT_REMINDER',
    'CALENDAR_SYNC',
    'SYSTEM'
);
