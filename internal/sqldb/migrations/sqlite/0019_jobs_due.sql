-- The claim of the next due job walks this index to its first entry: with
-- (state, run_at) alone the claim's OR of pending and expired running jobs
-- read every job and sorted them, which at tens of thousands of jobs (six
-- reminders per report) cost seconds per claim.
CREATE INDEX jobs_due ON jobs (state, run_at, id);
DROP INDEX jobs_claim;
