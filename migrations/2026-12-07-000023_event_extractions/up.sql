-- Syllabus to events: a student's locale and time zone, and the extractions of dated items
-- from a document or a note, each with its proposals until the student accepts them.

-- The order of day and month in numeric dates (`en-US`, `de-DE`), and the zone a syllabus's
-- times are read in; NULL for `en-US` and UTC.
ALTER TABLE users
    ADD COLUMN locale text NULL,
    ADD COLUMN time_zone text NULL;

-- An extraction reads exactly one source, a document or a note; its deletion takes the
-- extraction with it. The proposals are kept as JSON, each
-- {id, title, type, start, end, allDay, timeZone, location, source {pageNumber, quote}, uid,
-- eventId}: they are written once, when the extraction ends, and then only marked accepted.
CREATE TABLE event_extractions (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    status job_status NOT NULL DEFAULT 'PENDING',
    progress integer NOT NULL DEFAULT 0,
    time_zone text NOT NULL,
    locale text NOT NULL,
    proposals jsonb NOT NULL DEFAULT '[]'::jsonb,
    error_message text NULL,
    model text NULL,
    completed_at timestamptz NULL,
    user_id uuid NOT NULL,
    document_id uuid NULL,
    note_id uuid NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT event_extractions_progress_check CHECK (progress BETWEEN 0 AND 100),
    CONSTRAINT event_extractions_one_source_check CHECK (num_nonnulls(document_id, note_id) = 1),
    CONSTRAINT event_extractions_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT event_extractions_document_id_fkey FOREIGN KEY (document_id) REFERENCES documents (id) ON DELETE CASCADE,
    CONSTRAINT event_extractions_note_id_fkey FOREIGN KEY (note_id) REFERENCES notes (id) ON DELETE CASCADE
);

CREATE INDEX event_extractions_user_id_idx ON event_extractions (user_id);
-- The foreign keys' indexes, for the cascades.
CREATE INDEX event_extractions_document_id_idx ON event_extractions (document_id) WHERE document_id IS NOT NULL;
CREATE INDEX event_extractions_note_id_idx ON event_extractions (note_id) WHERE note_id IS NOT NULL;

CREATE TRIGGER event_extractions_set_updated_at
    BEFORE UPDATE ON event_extractions
    FOR EACH ROW EXECUTE FUNCTION sophie_set_updated_at();
