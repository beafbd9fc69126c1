ALTER TABLE users DROP COLUMN default_reminders;
