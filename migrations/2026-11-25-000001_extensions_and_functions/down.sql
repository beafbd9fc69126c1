-- Undoes 2026-11-25-000001_extensions_and_functions, in reverse order.

DROP FUNCTION sophie_set_updated_at();
DROP EXTENSION IF EXISTS pg_trgm;
DROP EXTENSION IF EXISTS "uuid-ossp";
