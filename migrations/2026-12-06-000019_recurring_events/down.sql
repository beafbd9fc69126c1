DROP TABLE calendar_event_exceptions;
ALTER TABLE calendar_events
    DROP COLUMN reminders,
    DROP COLUMN recurrence,
    DROP COLUMN all_day,
    DROP COLUMN time_zone;
