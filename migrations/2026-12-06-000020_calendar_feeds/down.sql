DROP TABLE calendar_feed_versions;
DROP TABLE calendar_feeds;
ALTER TABLE calendar_events DROP COLUMN sequence;
