-- Source material: courses (organise content), notes (Markdown, with transcription and
-- full-text/trigram search) and documents (uploaded files; the bytes live in the blob store).

CREATE TABLE courses (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    name text NOT NULL,
    code text NULL,
    description text NULL,
    color text NOT NULL DEFAULT 'blue',
    term text NULL,
    instructor text NULL,
    user_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT courses_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);

CREATE INDEX courses_user_id_created_at_idx ON courses (user_id, created_at, id);

CREATE TRIGGER courses_set_updated_at
    BEFORE UPDATE ON courses
    FOR EACH ROW EXECUTE FUNCTION sophie_set_updated_at();

CREATE TABLE notes (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    title text NOT NULL,
    content text NOT NULL DEFAULT '',
    transcription text NULL,
    summary text NULL,
    source note_source NOT NULL DEFAULT 'MANUAL',
    source_url text NULL,
    duration_seconds integer NULL,
    tags text[] NOT NULL DEFAULT '{}',
    course_id uuid NULL,
    user_id uuid NOT NULL,
    content_tsv tsvector GENERATED ALWAYS AS (
        to_tsvector('english', coalesce(title, '') || ' ' || coalesce(content, ''))
    ) STORED,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT notes_duration_seconds_check CHECK (duration_seconds IS NULL OR duration_seconds >= 0),
    CONSTRAINT notes_course_id_fkey FOREIGN KEY (course_id) REFERENCES courses (id) ON DELETE SET NULL,
    CONSTRAINT notes_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);

CREATE INDEX notes_user_id_created_at_idx ON notes (user_id, created_at, id);
CREATE INDEX notes_course_id_idx ON notes (course_id);
CREATE INDEX notes_title_trgm_idx ON notes USING gin (title gin_trgm_ops);
CREATE INDEX notes_content_trgm_idx ON notes USING gin (content gin_trgm_ops);
CREATE INDEX notes_tags_idx ON notes USING gin (tags);
CREATE INDEX notes_content_tsv_idx ON notes USING gin (content_tsv);

CREATE TRIGGER notes_set_updated_at
    BEFORE UPDATE ON notes
    FOR EACH ROW EXECUTE FUNCTION sophie_set_updated_at();

CREATE TABLE documents (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    title text NOT NULL,
    file_name text NOT NULL,
    mime_type text NOT NULL,
    file_size bigint NOT NULL,
    storage_key text NOT NULL,
    checksum_sha256 text NOT NULL,
    status document_status NOT NULL DEFAULT 'PENDING',
    page_count integer NULL,
    error_message text NULL,
    course_id uuid NULL,
    user_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT documents_storage_key_key UNIQUE (storage_key),
    CONSTRAINT documents_file_size_check CHECK (file_size >= 0),
    CONSTRAINT documents_course_id_fkey FOREIGN KEY (course_id) REFERENCES courses (id) ON DELETE SET NULL,
    CONSTRAINT documents_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);

CREATE INDEX documents_user_id_created_at_idx ON documents (user_id, created_at, id);
CREATE INDEX documents_course_id_idx ON documents (course_id);

CREATE TRIGGER documents_set_updated_at
    BEFORE UPDATE ON documents
    FOR EACH ROW EXECUTE FUNCTION sophie_set_updated_at();
