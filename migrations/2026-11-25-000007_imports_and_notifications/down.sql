-- Undoes 2026-11-25-000007_imports_and_notifications, in reverse order.

DROP TRIGGER notifications_set_updated_at ON notifications;
DROP TABLE notifications;

DROP TRIGGER import_jobs_set_updated_at ON import_jobs;
DROP TABLE import_jobs;
