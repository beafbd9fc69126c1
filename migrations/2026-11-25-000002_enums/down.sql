-- Undoes 2026-11-25-000002_enums, in reverse order.

DROP TYPE notification_type;
DROP TYPE document_status;
DROP TYPE note_source;
DROP TYPE job_status;
DROP TYPE import_source;
DROP TYPE priority;
DROP TYPE event_type;
DROP TYPE message_type;
DROP TYPE question_type;
DROP TYPE difficulty;
