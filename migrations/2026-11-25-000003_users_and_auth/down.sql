-- Undoes 2026-11-25-000003_users_and_auth, in reverse order.

DROP TRIGGER verifications_set_updated_at ON verifications;
DROP TABLE verifications;

DROP TRIGGER accounts_set_updated_at ON accounts;
DROP TABLE accounts;

DROP TRIGGER sessions_set_updated_at ON sessions;
DROP TABLE sessions;

DROP TRIGGER users_set_updated_at ON users;
DROP TABLE users;
