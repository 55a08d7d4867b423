-- The search index is found by an integer: the FTS5 table's rowid is the
-- case's search_id. Before, a case's tokens were found by case_id, an
-- UNINDEXED column of the FTS table, so replacing them scanned the whole
-- index: every new report cost time in proportion to all the reports.
ALTER TABLE cases ADD COLUMN search_id INTEGER;
UPDATE cases SET search_id = rowid;
CREATE UNIQUE INDEX cases_search_id ON cases (search_id);
CREATE TABLE case_search_old AS SELECT case_id, tokens FROM case_search;
DELETE FROM case_search;
INSERT INTO case_search (rowid, case_id, tokens)
	SELECT c.search_id, o.case_id, o.tokens FROM case_search_old o JOIN cases c ON c.id = o.case_id;
DROP TABLE case_search_old;
