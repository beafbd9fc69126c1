-- The index the periodic requeue of stranded generations reads: generations still waiting
-- for, or in, a run, oldest change first.
CREATE INDEX generation_jobs_unfinished_idx ON generation_jobs (updated_at, id)
    WHERE status IN ('PENDING', 'PROCESSING');
