-- Maintained statistics: per organisation and month of report, how many
-- cases fall under each group (dim, key). Changes to a case adjust them in
-- the transaction of the change, so figures never need a scan of cases.
CREATE TABLE case_stats (
	org_id TEXT NOT NULL REFERENCES orgs (id),
	month TEXT NOT NULL,
	dim TEXT NOT NULL,
	key TEXT NOT NULL,
	n INTEGER NOT NULL,
	PRIMARY KEY (org_id, dim, month, key)
);
