-- Imports and notifications: import_jobs (the user-facing record of an import; the work
-- itself runs as a background job carrying the import job's id) and user notifications.

-- An import produces at most one note or one document (note_id / document_id, each UNIQUE;
-- the unique constraints also serve as the foreign-key indexes).
CREATE TABLE import_jobs (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    source import_source NOT NULL,
    source_url text NULL,
    title text NULL,
    status job_status NOT NULL DEFAULT 'PENDING',
    progress integer NOT NULL DEFAULT 0,
    error_message text NULL,
    completed_at timestamptz NULL,
    user_id uuid NOT NULL,
    note_id uuid NULL,
    document_id uuid NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT import_jobs_note_id_key UNIQUE (note_id),
    CONSTRAINT import_jobs_document_id_key UNIQUE (document_id),
    CONSTRAINT import_jobs_progress_check CHECK (progress BETWEEN 0 AND 100),
    CONSTRAINT import_jobs_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT import_jobs_note_id_fkey FOREIGN KEY (note_id) REFERENCES notes (id) ON DELETE SET NULL,
    CONSTRAINT import_jobs_document_id_fkey FOREIGN KEY (document_id) REFERENCES documents (id) ON DELETE SET NULL
);

CREATE INDEX import_jobs_user_id_created_at_idx ON import_jobs (user_id, created_at, id);

CREATE TRIGGER import_jobs_set_updated_at
    BEFORE UPDATE ON import_jobs
    FOR EACH ROW EXECUTE FUNCTION sophie_set_updated_at();

CREATE TABLE notifications (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    type notification_type NOT NULL,
    title text NOT NULL,
    message text NOT NULL,
    read boolean NOT NULL DEFAULT false,
    link text NULL,
    user_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT notifications_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);

CREATE INDEX notifications_user_id_created_at_idx ON notifications (user_id, created_at, id);
CREATE INDEX notifications_user_id_read_created_at_idx ON notifications (user_id, read, created_at, id);

CREATE TRIGGER notifications_set_updated_at
    BEFORE UPDATE ON notifications
    FOR EACH ROW EXECUTE FUNCTION sophie_set_updated_at();
