-- The durable job queue (internal/jobs): work that must happen after a
-- transaction commits, at least once, such as notifications. A job is
-- enqueued in the same transaction as the event it belongs to.
-- dedupe_key makes enqueueing the same event twice a no-op; last_error
-- never holds personal data.
CREATE TABLE jobs (
	id TEXT PRIMARY KEY,
	kind TEXT NOT NULL,
	payload TEXT NOT NULL,
	dedupe_key TEXT UNIQUE,
	state TEXT NOT NULL CHECK (state IN ('pending', 'running', 'done', 'failed')),
	attempts INTEGER NOT NULL DEFAULT 0,
	max_attempts INTEGER NOT NULL CHECK (max_attempts > 0),
	run_at TIMESTAMPTZ NOT NULL,
	locked_until TIMESTAMPTZ,
	last_error TEXT NOT NULL DEFAULT '',
	created_at TIMESTAMPTZ NOT NULL,
	finished_at TIMESTAMPTZ
);
-- Claiming: due pending jobs by run_at, and running jobs (few) whose lock
-- has expired.
CREATE INDEX jobs_claim ON jobs (state, run_at);
