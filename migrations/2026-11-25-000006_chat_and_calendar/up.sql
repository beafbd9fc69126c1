-- Chat and calendar: AI chat sessions with their messages, and calendar events (optionally
-- synced with Google Calendar, optionally generated from a document such as a syllabus).

CREATE TABLE chat_sessions (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    title text NOT NULL,
    course_id uuid NULL,
    user_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT chat_sessions_course_id_fkey FOREIGN KEY (course_id) REFERENCES courses (id) ON DELETE SET NULL,
    CONSTRAINT chat_sessions_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);

CREATE INDEX chat_sessions_user_id_created_at_idx ON chat_sessions (user_id, created_at, id);
CREATE INDEX chat_sessions_course_id_idx ON chat_sessions (course_id);

CREATE TRIGGER chat_sessions_set_updated_at
    BEFORE UPDATE ON chat_sessions
    FOR EACH ROW EXECUTE FUNCTION sophie_set_updated_at();

-- "references" is a reserved word: always quote it. Stored as jsonb (the seed's JSON string).
CREATE TABLE chat_messages (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    content text NOT NULL,
    message_type message_type NOT NULL,
    "references" jsonb NULL,
    chat_session_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT chat_messages_chat_session_id_fkey FOREIGN KEY (chat_session_id) REFERENCES chat_sessions (id) ON DELETE CASCADE
);

CREATE INDEX chat_messages_chat_session_id_created_at_idx ON chat_messages (chat_session_id, created_at, id);

CREATE TRIGGER chat_messages_set_updated_at
    BEFORE UPDATE ON chat_messages
    FOR EACH ROW EXECUTE FUNCTION sophie_set_updated_at();

CREATE TABLE calendar_events (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    title text NOT NULL,
    description text NULL,
    start_date timestamptz NOT NULL,
    end_date timestamptz NULL,
    event_type event_type NOT NULL,
    location text NULL,
    priority priority NULL,
    color text NOT NULL DEFAULT 'blue',
    google_event_id text NULL,
    google_calendar_id text NULL,
    course_id uuid NULL,
    document_id uuid NULL,
    user_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT calendar_events_end_date_check CHECK (end_date IS NULL OR end_date >= start_date),
    CONSTRAINT calendar_events_course_id_fkey FOREIGN KEY (course_id) REFERENCES courses (id) ON DELETE SET NULL,
    CONSTRAINT calendar_events_document_id_fkey FOREIGN KEY (document_id) REFERENCES documents (id) ON DELETE SET NULL,
    CONSTRAINT calendar_events_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);

CREATE INDEX calendar_events_user_id_created_at_idx ON calendar_events (user_id, created_at, id);
CREATE INDEX calendar_events_user_id_start_date_idx ON calendar_events (user_id, start_date, id);
CREATE INDEX calendar_events_course_id_idx ON calendar_events (course_id);
CREATE INDEX calendar_events_document_id_idx ON calendar_events (document_id);

CREATE TRIGGER calendar_events_set_updated_at
    BEFORE UPDATE ON calendar_events
    FOR EACH ROW EXECUTE FUNCTION sophie_set_updated_at();
