-- Repeating events in real time zones: each event's IANA zone, whether it takes whole days,
-- its RFC 5545 recurrence lines and its reminders; and the changed or cancelled occurrences
-- of repeating events (iCalendar overrides, keyed by their RECURRENCE-ID in UTC).
ALTER TABLE calendar_events
    ADD COLUMN time_zone text NOT NULL DEFAULT 'UTC',
    ADD COLUMN all_day boolean NOT NULL DEFAULT false,
    ADD COLUMN recurrence text[] NOT NULL DEFAULT '{}',
    ADD COLUMN reminders integer[] NOT NULL DEFAULT '{}';

-- The primary key (event_id, original_start) also serves the foreign key.
CREATE TABLE calendar_event_exceptions (
    event_id uuid NOT NULL,
    original_start timestamptz NOT NULL,
    cancelled boolean NOT NULL DEFAULT false,
    start_date timestamptz NOT NULL,
    end_date timestamptz NULL,
    title text NULL,
    location text NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT calendar_event_exceptions_pkey PRIMARY KEY (event_id, original_start),
    CONSTRAINT calendar_event_exceptions_event_id_fkey FOREIGN KEY (event_id)
        REFERENCES calendar_events (id) ON DELETE CASCADE,
    CONSTRAINT calendar_event_exceptions_end_date_check
        CHECK (end_date IS NULL OR end_date >= start_date)
);

CREATE TRIGGER calendar_event_exceptions_set_updated_at
    BEFORE UPDATE ON calendar_event_exceptions
    FOR EACH ROW EXECUTE FUNCTION sophie_set_updated_at();
