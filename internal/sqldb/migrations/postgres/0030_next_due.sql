-- Issue 19: the queue sorted by the next deadline. next_due is when the
-- case's running clock runs out: acknowledge_by while new, feedback_by while
-- acknowledged or in progress, NULL once resolved or closed. A generated
-- column, so that no write path has to keep it, with the index the queue
-- walks in order of deadline (and the home's "due today" and "overdue"
-- counts read as a range).
ALTER TABLE cases ADD COLUMN next_due TIMESTAMPTZ GENERATED ALWAYS AS (
	CASE WHEN state = 'new' THEN acknowledge_by WHEN state IN ('acknowledged', 'in_progress') THEN feedback_by END) STORED;
CREATE INDEX cases_org_next_due ON cases (org_id, next_due, id);
-- The home's counts (store.CaseCounts) read the open cases of an
-- organisation from this index alone: their state, clock, second person and
-- reporter.
CREATE INDEX cases_org_open ON cases (org_id, state, next_due, second_id, reporter_id, id)
	WHERE state IN ('new', 'acknowledged', 'in_progress');
