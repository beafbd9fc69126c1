-- Background jobs: the durable work queue behind every asynchronous operation (imports, AI
-- generation, calendar sync). Workers claim runnable PENDING rows by priority then run_at,
-- hold them under a lease (locked_by, locked_until, renewed by heartbeat) while PROCESSING,
-- and rescue rows whose lease expired.

CREATE TABLE background_jobs (
    id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
    kind text NOT NULL,
    payload jsonb NOT NULL DEFAULT '{}',
    status job_status NOT NULL DEFAULT 'PENDING',
    priority integer NOT NULL DEFAULT 0,
    attempts integer NOT NULL DEFAULT 0,
    max_attempts integer NOT NULL DEFAULT 5,
    run_at timestamptz NOT NULL DEFAULT now(),
    locked_by text NULL,
    locked_until timestamptz NULL,
    last_error text NULL,
    unique_key text NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT background_jobs_attempts_check CHECK (attempts >= 0),
    CONSTRAINT background_jobs_max_attempts_check CHECK (max_attempts >= 1)
);

-- At most one unfinished job per unique_key (deduplication); finished jobs free the key.
CREATE UNIQUE INDEX background_jobs_unique_key_idx ON background_jobs (unique_key)
    WHERE status IN ('PENDING', 'PROCESSING');

-- Claiming: the runnable rows, highest priority first, then earliest run_at.
CREATE INDEX background_jobs_claim_idx ON background_jobs (priority DESC, run_at)
    WHERE status = 'PENDING';

-- Rescue: PROCESSING rows whose lease (locked_until) has expired.
CREATE INDEX background_jobs_locked_until_idx ON background_jobs (locked_until)
    WHERE status = 'PROCESSING';

CREATE TRIGGER background_jobs_set_updated_at
    BEFORE UPDATE ON background_jobs
    FOR EACH ROW EXECUTE FUNCTION sophie_set_updated_at();
