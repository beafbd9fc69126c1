-- Undoes 2026-12-05-000011_job_notify.

DROP TRIGGER background_jobs_notify_pending ON background_jobs;
DROP TRIGGER background_jobs_notify_insert ON background_jobs;
DROP FUNCTION sophie_notify_jobs();
