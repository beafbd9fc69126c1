DROP INDEX documents_unfinished_idx;
ALTER TABLE notifications DROP CONSTRAINT notifications_user_id_dedup_key_key;
ALTER TABLE notifications DROP COLUMN dedup_key;
