-- The state of the records each audited change left (issue 16, finding 6):
-- an entry's record_hash (part of its chain hash) covers the rows of
-- record_states with its seq; kind '' marks a group of records (a case, a
-- measure, a user's memberships) as snapshotted, even when it is empty.
ALTER TABLE audit_entries ADD COLUMN record_hash TEXT NOT NULL DEFAULT '';

CREATE TABLE record_states (
	seq BIGINT NOT NULL,
	scope TEXT NOT NULL,
	kind TEXT NOT NULL,
	id TEXT NOT NULL,
	hash TEXT NOT NULL,
	PRIMARY KEY (scope, seq, kind, id)
);
CREATE INDEX record_states_seq ON record_states (seq);
