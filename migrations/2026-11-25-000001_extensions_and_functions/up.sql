-- Extensions and shared functions: uuid-ossp (uuid_generate_v4() for id defaults), pg_trgm
-- (trigram indexes for fuzzy text search) and the trigger function that keeps every table's
-- updated_at current.

CREATE EXTENSION IF NOT EXISTS "uuid-ossp";
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- BEFORE UPDATE trigger function, attached to every table (one way for all tables).
--
-- Sets NEW.updated_at to now() on every UPDATE, unless the statement changed updated_at itself
-- (NEW.updated_at differs from OLD.updated_at): an explicit value wins, so data imports and
-- tests can set a precise timestamp. The bump happens even when no other column changed
-- (an UPDATE is taken as a touch). now() is the transaction's start time, so rows updated in
-- one transaction share one updated_at.
CREATE FUNCTION sophie_set_updated_at() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END;
$$;
