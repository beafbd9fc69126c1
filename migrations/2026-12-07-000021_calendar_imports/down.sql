ALTER TABLE calendar_events DROP COLUMN subscription_id, DROP COLUMN ical_uid;
DROP TABLE calendar_subscriptions;
