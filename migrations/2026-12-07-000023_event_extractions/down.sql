DROP TABLE event_extractions;
ALTER TABLE users DROP COLUMN locale, DROP COLUMN time_zone;
