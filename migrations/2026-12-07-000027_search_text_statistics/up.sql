-- No planner statistics for the text that search matches with `ILIKE '%word%'`. To estimate
-- such a pattern, PostgreSQL runs it against every value of the column's histogram and most
-- common values: a hundred texts of up to a thousand characters, for every word and column
-- of a search, at every planning. That was most of a search's planning time (2.5 of 2.8 ms
-- for two words, on the search benchmark's data), and bought nothing: long, nearly unique
-- texts say little of which words they hold. Without statistics the planner estimates a
-- pattern from its length, and still serves it from the trigram index.
--
-- ANALYZE does not remove statistics it gathered before: on a database analyzed before this
-- migration they stay until the column is rewritten, or a superuser deletes them from
-- pg_statistic.

ALTER TABLE notes
    ALTER COLUMN title SET STATISTICS 0,
    ALTER COLUMN content SET STATISTICS 0;
ALTER TABLE flashcards
    ALTER COLUMN question SET STATISTICS 0,
    ALTER COLUMN answer SET STATISTICS 0;
ALTER TABLE document_search_index
    ALTER COLUMN content SET STATISTICS 0;
