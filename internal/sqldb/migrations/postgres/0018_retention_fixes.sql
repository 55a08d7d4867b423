-- Evidence files of purged cases waiting to be overwritten (written in the
-- purge's transaction, removed once the file is gone); the counts of
-- purged cases, so that a rebuild of the statistics still counts them;
-- and the index that lets a purge find a case's notifications.
CREATE TABLE pending_blob_deletes (
	blob_id TEXT PRIMARY KEY,
	created_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE case_stats_purged (
	org_id TEXT NOT NULL REFERENCES orgs (id),
	month TEXT NOT NULL,
	dim TEXT NOT NULL,
	key TEXT NOT NULL,
	n INTEGER NOT NULL,
	PRIMARY KEY (org_id, dim, month, key)
);
CREATE INDEX notifications_case ON notifications (case_id);
