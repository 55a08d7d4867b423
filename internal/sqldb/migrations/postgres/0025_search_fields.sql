-- The search index in separate fields, so that a search matches only what
-- its viewer may read (issue 16, finding 1): the case's tsvector keeps each
-- field in its own weight, A the report, B notes and decisions, C contact
-- records, D care records and desk↔reporter messages. The old vectors, all
-- of weight D (the default), are found only by the handlers until the store
-- rebuilds every case queued here from the cases when it opens the database
-- (store.RebuildSearch).
CREATE TABLE search_rebuild (case_id TEXT PRIMARY KEY);
INSERT INTO search_rebuild (case_id) SELECT id FROM cases;
