-- iCalendar imports: each imported event keeps its UID (a second import of it changes it
-- instead of making another), and calendars imported from a URL are kept as subscriptions,
-- fetched again on a schedule, whose events go with them.
CREATE TABLE calendar_subscriptions (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    user_id uuid NOT NULL,
    url text NOT NULL,
    course_id uuid NULL,
    time_zone text NOT NULL DEFAULT 'UTC',
    event_count integer NOT NULL DEFAULT 0,
    refreshed_at timestamptz NULL,
    last_error text NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT calendar_subscriptions_event_count_check CHECK (event_count >= 0),
    CONSTRAINT calendar_subscriptions_user_id_url_key UNIQUE (user_id, url),
    CONSTRAINT calendar_subscriptions_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT calendar_subscriptions_course_id_fkey FOREIGN KEY (course_id)
        REFERENCES courses (id) ON DELETE SET NULL
);

CREATE INDEX calendar_subscriptions_course_id_idx ON calendar_subscriptions (course_id);
-- The refresh sweep: never fetched first, then the longest ago.
CREATE INDEX calendar_subscriptions_refreshed_at_idx
    ON calendar_subscriptions (refreshed_at NULLS FIRST, id);

CREATE TRIGGER calendar_subscriptions_set_updated_at
    BEFORE UPDATE ON calendar_subscriptions
    FOR EACH ROW EXECUTE FUNCTION sophie_set_updated_at();

ALTER TABLE calendar_events
    ADD COLUMN ical_uid text NULL,
    ADD COLUMN subscription_id uuid NULL,
    ADD CONSTRAINT calendar_events_user_id_ical_uid_key UNIQUE (user_id, ical_uid),
    ADD CONSTRAINT calendar_events_subscription_id_fkey FOREIGN KEY (subscription_id)
        REFERENCES calendar_subscriptions (id) ON DELETE CASCADE;

CREATE INDEX calendar_events_subscription_id_idx ON calendar_events (subscription_id);
