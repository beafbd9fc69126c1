-- An enum value cannot be dropped: the type is made again without it, and the package
-- imports, which no longer have a source, are removed with it.
DELETE FROM import_jobs WHERE source = 'DECK';
ALTER TABLE import_jobs DROP COLUMN result;

ALTER TYPE import_source RENAME TO import_source_with_deck;
CREATE TYPE import_source AS ENUM ('FILE', 'YOUTUBE', 'AUDIO', 'URL');
ALTER TABLE import_jobs
    ALTER COLUMN source TYPE import_source USING source::text::import_source;
DROP TYPE import_source_with_deck;
