-- Issue 16: a desk member's proposal to exclude a person from a case waits
-- here until a second handler or legal confirms it (finding 4).
CREATE TABLE case_exclusion_requests (
	case_id TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
	user_id TEXT NOT NULL REFERENCES users (id),
	proposed_by TEXT NOT NULL REFERENCES users (id),
	created_at TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (case_id, user_id)
);
-- The reporter's consent that the supervisor of their department reads the
-- care record and the desk's messages (findings 15 and 16): off until the
-- reporter gives it, revocable.
ALTER TABLE cases ADD COLUMN care_to_supervisor BOOLEAN NOT NULL DEFAULT FALSE;
