-- SQLite numbers each case for its search index (search_id); PostgreSQL
-- keeps the tokens in the case's own tsvector column and needs no number,
-- but has the column so that both engines share their SQL.
ALTER TABLE cases ADD COLUMN search_id BIGINT;
