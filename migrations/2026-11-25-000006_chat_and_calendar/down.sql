-- Undoes 2026-11-25-000006_chat_and_calendar, in reverse order.

DROP TRIGGER calendar_events_set_updated_at ON calendar_events;
DROP TABLE calendar_events;

DROP TRIGGER chat_messages_set_updated_at ON chat_messages;
DROP TABLE chat_messages;

DROP TRIGGER chat_sessions_set_updated_at ON chat_sessions;
DROP TABLE chat_sessions;
