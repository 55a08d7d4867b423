-- In-app notifications: what needs a person's attention, with a link to
-- the case; never a narrative, a customer's identity or a receipt.
CREATE TABLE notifications (
	id TEXT PRIMARY KEY,
	user_id TEXT NOT NULL REFERENCES users (id),
	org_id TEXT NOT NULL REFERENCES orgs (id),
	type TEXT NOT NULL,
	case_id TEXT NOT NULL,
	case_ref TEXT NOT NULL,
	urgent BOOLEAN NOT NULL DEFAULT FALSE,
	created_at TIMESTAMPTZ NOT NULL,
	read_at TIMESTAMPTZ
);
CREATE INDEX notifications_user ON notifications (user_id, created_at DESC);
