-- Ingestion: notifications sent once per key (a job that runs twice after a crash notifies
-- once), and the index the periodic requeue of stranded documents reads.

ALTER TABLE notifications ADD COLUMN dedup_key text NULL;
-- NULL keys never clash, so ordinary notifications are unaffected.
ALTER TABLE notifications
    ADD CONSTRAINT notifications_user_id_dedup_key_key UNIQUE (user_id, dedup_key);

-- Documents still waiting for, or in, processing, oldest change first.
CREATE INDEX documents_unfinished_idx ON documents (updated_at, id)
    WHERE status IN ('PENDING', 'PROCESSING');
