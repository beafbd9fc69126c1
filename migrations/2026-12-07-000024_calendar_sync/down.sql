DROP INDEX calendar_events_google_event_idx;
ALTER TABLE calendar_events DROP COLUMN google_synced_sequence;
DROP TABLE calendar_sync_deletions;
DROP TABLE calendar_syncs;
