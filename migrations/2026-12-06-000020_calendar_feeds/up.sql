-- The calendar as an iCalendar feed: each event's SEQUENCE (raised on every change of it or of
-- one of its occurrences), each student's private feed token (stored hashed; a new one
-- replaces the old), and the version last served of each feed, so `Last-Modified` moves
-- whenever its content does (deletions included).
ALTER TABLE calendar_events
    ADD COLUMN sequence integer NOT NULL DEFAULT 0,
    ADD CONSTRAINT calendar_events_sequence_check CHECK (sequence >= 0);

CREATE TABLE calendar_feeds (
    user_id uuid NOT NULL,
    token_hash text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT calendar_feeds_pkey PRIMARY KEY (user_id),
    CONSTRAINT calendar_feeds_token_hash_key UNIQUE (token_hash),
    CONSTRAINT calendar_feeds_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES users (id) ON DELETE CASCADE
);

-- `scope` is the course of a feed filtered by course, the nil uuid for the whole calendar (a
-- course's deletion leaves its row, as small as it is, until the student's).
CREATE TABLE calendar_feed_versions (
    user_id uuid NOT NULL,
    scope uuid NOT NULL,
    etag text NOT NULL,
    modified_at timestamptz NOT NULL,
    CONSTRAINT calendar_feed_versions_pkey PRIMARY KEY (user_id, scope),
    CONSTRAINT calendar_feed_versions_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES users (id) ON DELETE CASCADE
);
