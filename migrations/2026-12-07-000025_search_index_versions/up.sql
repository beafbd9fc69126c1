-- A version of each student's search index, raised by every statement that changes the
-- student's chunks (written, replaced, deleted, cascades included) or moves one of the
-- student's documents or notes to another course. A server may keep the sign bits of a
-- student's chunks in memory: it knows them current while the version it read them at is the
-- version now. A student with no row is at version 0.

CREATE TABLE search_index_versions (
    user_id uuid PRIMARY KEY,
    version bigint NOT NULL,
    CONSTRAINT search_index_versions_version_check CHECK (version > 0),
    CONSTRAINT search_index_versions_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);

-- Raises the versions of the students in the transition table `changed`. A student being
-- deleted (whose row the statement no longer sees) has nothing left to version.
CREATE FUNCTION sophie_raise_search_versions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_index_versions AS v (user_id, version)
    SELECT DISTINCT c.user_id, 1 FROM changed c
    WHERE EXISTS (SELECT 1 FROM users u WHERE u.id = c.user_id)
    ORDER BY c.user_id
    ON CONFLICT (user_id) DO UPDATE SET version = v.version + 1;
    RETURN NULL;
END;
$$;

-- PostgreSQL allows a transition table on a trigger of one event only: one trigger each.
CREATE TRIGGER document_search_index_version_insert
    AFTER INSERT ON document_search_index
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION sophie_raise_search_versions();

CREATE TRIGGER document_search_index_version_update
    AFTER UPDATE ON document_search_index
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION sophie_raise_search_versions();

CREATE TRIGGER document_search_index_version_delete
    AFTER DELETE ON document_search_index
    REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION sophie_raise_search_versions();

-- A course filter reads a chunk's course from its document or note: moving one (or deleting
-- its course, which sets it to NULL) changes what the filter finds.
CREATE FUNCTION sophie_raise_search_version_of_owner() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_index_versions AS v (user_id, version)
    SELECT NEW.user_id, 1
    WHERE EXISTS (SELECT 1 FROM users u WHERE u.id = NEW.user_id)
    ON CONFLICT (user_id) DO UPDATE SET version = v.version + 1;
    RETURN NULL;
END;
$$;

CREATE TRIGGER documents_search_version_course
    AFTER UPDATE OF course_id ON documents
    FOR EACH ROW WHEN (OLD.course_id IS DISTINCT FROM NEW.course_id)
    EXECUTE FUNCTION sophie_raise_search_version_of_owner();

CREATE TRIGGER notes_search_version_course
    AFTER UPDATE OF course_id ON notes
    FOR EACH ROW WHEN (OLD.course_id IS DISTINCT FROM NEW.course_id)
    EXECUTE FUNCTION sophie_raise_search_version_of_owner();
