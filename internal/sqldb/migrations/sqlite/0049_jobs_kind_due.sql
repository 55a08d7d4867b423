-- The reserved worker of the job queue (jobs.Options.Reserved) claims the
-- oldest due job of a few kinds: the fan-out of events to the in-app
-- notifications and the clocks, which must not wait behind a backlog of
-- mail for a slow mail server. Each kind's first due job is at the start of
-- this index, whatever the backlog of other kinds.
CREATE INDEX jobs_kind_due ON jobs (kind, state, run_at, id);
