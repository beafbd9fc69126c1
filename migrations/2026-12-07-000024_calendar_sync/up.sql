-- Two-way sync with Google Calendar: each student's sync (the linked account it acts through,
-- the remote calendar it keeps in step, its sync token and how its runs went), the remote ids
-- of synced events the student deleted (pushed as deletions at the next run), and each event's
-- revision when it was last in step with Google.

-- One sync per student; it goes with the student, and with the account it acts through.
CREATE TABLE calendar_syncs (
    user_id uuid NOT NULL,
    account_id uuid NOT NULL,
    calendar_id text NULL,
    sync_token text NULL,
    state text NOT NULL DEFAULT 'IDLE',
    last_error text NULL,
    last_attempt_at timestamptz NULL,
    last_synced_at timestamptz NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT calendar_syncs_pkey PRIMARY KEY (user_id),
    CONSTRAINT calendar_syncs_state_check
        CHECK (state IN ('IDLE', 'SYNCING', 'FAILED', 'NEEDS_RECONNECTION')),
    CONSTRAINT calendar_syncs_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT calendar_syncs_account_id_fkey FOREIGN KEY (account_id)
        REFERENCES accounts (id) ON DELETE CASCADE
);

-- The foreign key's index, for the cascade.
CREATE INDEX calendar_syncs_account_id_idx ON calendar_syncs (account_id);

CREATE TRIGGER calendar_syncs_set_updated_at
    BEFORE UPDATE ON calendar_syncs
    FOR EACH ROW EXECUTE FUNCTION sophie_set_updated_at();

-- A synced event deleted in sophie, by its remote id in the sync's calendar, until the
-- deletion reaches Google.
CREATE TABLE calendar_sync_deletions (
    user_id uuid NOT NULL,
    calendar_id text NOT NULL,
    remote_id text NOT NULL,
    deleted_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT calendar_sync_deletions_pkey PRIMARY KEY (user_id, calendar_id, remote_id),
    CONSTRAINT calendar_sync_deletions_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES users (id) ON DELETE CASCADE
);

-- The event's `sequence` when it was last in step with Google (NULL: never pushed, or
-- cleared with its ids); an event whose sequence is another is pushed again.
ALTER TABLE calendar_events
    ADD COLUMN google_synced_sequence integer NULL;

-- Events by their remote id, when a pull matches what it lists.
CREATE INDEX calendar_events_google_event_idx
    ON calendar_events (user_id, google_calendar_id, google_event_id)
    WHERE google_event_id IS NOT NULL;
