-- The search index in separate fields, so that a search matches only what
-- its viewer may read (issue 16, finding 1): tokens (the report), notes
-- (notes and decisions), contacts (contact records) and care (care records
-- and desk↔reporter messages). FTS5 tables take no new columns: the table
-- is made again. The old tokens, which mixed every field, go into care,
-- which only the handlers search, and every case is queued in
-- search_rebuild; the store rebuilds them from the cases when it opens the
-- database (store.RebuildSearch).
CREATE TABLE case_search_old AS SELECT rowid AS rid, case_id, tokens FROM case_search;
DROP TABLE case_search;
CREATE VIRTUAL TABLE case_search USING fts5 (case_id UNINDEXED, tokens, notes, contacts, care, tokenize = 'unicode61');
INSERT INTO case_search (rowid, case_id, care) SELECT rid, case_id, tokens FROM case_search_old;
DROP TABLE case_search_old;
CREATE TABLE search_rebuild (case_id TEXT PRIMARY KEY);
INSERT INTO search_rebuild (case_id) SELECT id FROM cases;
