-- Wakes idle workers: notifies channel `sophie_jobs` when a job is enqueued, and when one
-- becomes PENDING again (released by a stopping worker, rescued after its lease ran out, or
-- failed with a retry time). Workers LISTEN on the channel and claim at once instead of at
-- their next poll. The payload is empty, so the notifications of one transaction collapse
-- into one; a notification only says "look again", and workers still poll as a fallback.

CREATE FUNCTION sophie_notify_jobs() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM pg_notify('sophie_jobs', '');
    RETURN NULL;
END;
$$;

CREATE TRIGGER background_jobs_notify_insert
    AFTER INSERT ON background_jobs
    FOR EACH ROW WHEN (NEW.status = 'PENDING')
    EXECUTE FUNCTION sophie_notify_jobs();

-- Claims, heartbeats and completions do not match the condition: they notify nobody.
CREATE TRIGGER background_jobs_notify_pending
    AFTER UPDATE ON background_jobs
    FOR EACH ROW WHEN (NEW.status = 'PENDING' AND OLD.status IS DISTINCT FROM 'PENDING')
    EXECUTE FUNCTION sophie_notify_jobs();
