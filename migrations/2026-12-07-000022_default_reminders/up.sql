-- A student's own default reminders: minutes before an event, given to an event made without
-- any; NULL for the defaults by priority.
ALTER TABLE users
    ADD COLUMN default_reminders integer[] NULL,
    ADD CONSTRAINT users_default_reminders_check
        CHECK (default_reminders IS NULL OR cardinality(default_reminders) <= 5);
