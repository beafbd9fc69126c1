-- A version of each student's search index, raised by every statement that changes the
-- student's chunks (written, replaced, deleted, cascades included) or moves one of the
-- student's documents or notes to another course. A server may keep the sign bits of a
-- student's chunks in memory: it knows them current while the version it read them at is the
-- version now.
--
-- Every student has a row from sign-up on (and every student of before this migration from
-- it), so raising a version updates a row: it never inserts one, whose foreign-key check
-- would lock the student's row inside statements that do not otherwise touch it (and could
-- deadlock with the student's deletion). A student with no row is at version 0.

CREATE TABLE search_index_versions (
    user_id uuid PRIMARY KEY,
    version bigint NOT NULL DEFAULT 0,
    CONSTRAINT search_index_versions_version_check CHECK (version >= 0),
    CONSTRAINT search_index_versions_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);

INSERT INTO search_index_versions (user_id) SELECT id FROM users;

CREATE FUNCTION sophie_add_search_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_index_versions (user_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
    RETURN NULL;
END;
$$;

CREATE TRIGGER users_search_version
    AFTER INSERT ON users
    FOR EACH ROW EXECUTE FUNCTION sophie_add_search_version();

-- Raises the versions of the students in the transition table `changed` (and, for an update,
-- `changed_from`: a chunk given to another student changes both indexes), in the order of
-- their ids, so that two statements raising the same students cannot deadlock.
CREATE FUNCTION sophie_raise_search_versions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        UPDATE search_index_versions v SET version = v.version + 1
        WHERE v.user_id IN (
            SELECT w.user_id FROM search_index_versions w
            WHERE w.user_id IN (SELECT user_id FROM changed UNION SELECT user_id FROM changed_from)
            ORDER BY w.user_id FOR NO KEY UPDATE
        );
    ELSE
        UPDATE search_index_versions v SET version = v.version + 1
        WHERE v.user_id IN (
            SELECT w.user_id FROM search_index_versions w
            WHERE w.user_id IN (SELECT user_id FROM changed)
            ORDER BY w.user_id FOR NO KEY UPDATE
        );
    END IF;
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
    REFERENCING OLD TABLE AS changed_from NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION sophie_raise_search_versions();

CREATE TRIGGER document_search_index_version_delete
    AFTER DELETE ON document_search_index
    REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION sophie_raise_search_versions();

-- A course filter reads a chunk's course from its document or note: moving one (or deleting
-- its course, which sets it to NULL) changes what the filter finds.
CREATE FUNCTION sophie_raise_search_version_of_owner() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE search_index_versions SET version = version + 1 WHERE user_id = NEW.user_id;
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
