-- Undoes 2026-11-25-000009_background_jobs.

DROP TRIGGER background_jobs_set_updated_at ON background_jobs;
DROP TABLE background_jobs;
