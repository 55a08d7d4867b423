-- Issue 22: cooperation between employers (Art. 33(3)). The register of
-- requests received from and sent to other employers, numbered per
-- organisation and year (CO-2026-00001), with a deadline and the reminders
-- sent about it (reminded_soon_at, reminded_overdue_at: each once per
-- deadline), the history of each request, and the redacted summaries
-- shared with the PDF kept and its SHA-256. A shared summary holds case
-- contents: it goes with its case when the case is purged.
CREATE TABLE cooperation_counters (
	org_id TEXT NOT NULL REFERENCES orgs (id),
	year INTEGER NOT NULL,
	next INTEGER NOT NULL,
	PRIMARY KEY (org_id, year)
);
CREATE TABLE cooperation_requests (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL REFERENCES orgs (id),
	ref TEXT NOT NULL,
	direction TEXT NOT NULL CHECK (direction IN ('received', 'sent')),
	employer TEXT NOT NULL,
	contact_person TEXT NOT NULL DEFAULT '',
	contact_phone TEXT NOT NULL DEFAULT '',
	contact_email TEXT NOT NULL DEFAULT '',
	case_id TEXT REFERENCES cases (id) ON DELETE SET NULL,
	asked TEXT NOT NULL,
	answer TEXT NOT NULL DEFAULT '',
	reason TEXT NOT NULL DEFAULT '',
	state TEXT NOT NULL CHECK (state IN ('open', 'answered', 'declined', 'closed')),
	requested_at TIMESTAMPTZ NOT NULL,
	due_at TIMESTAMPTZ NOT NULL,
	handler_id TEXT NOT NULL REFERENCES users (id),
	answered_at TIMESTAMPTZ,
	answered_by TEXT NOT NULL DEFAULT '',
	closed_at TIMESTAMPTZ,
	reminded_soon_at TIMESTAMPTZ,
	reminded_overdue_at TIMESTAMPTZ,
	created_by TEXT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL,
	UNIQUE (org_id, ref)
);
CREATE INDEX cooperation_requests_org ON cooperation_requests (org_id, state, due_at);
CREATE TABLE cooperation_events (
	id TEXT PRIMARY KEY,
	request_id TEXT NOT NULL REFERENCES cooperation_requests (id) ON DELETE CASCADE,
	at TIMESTAMPTZ NOT NULL,
	actor_id TEXT NOT NULL,
	kind TEXT NOT NULL,
	note TEXT NOT NULL DEFAULT '',
	due_at TIMESTAMPTZ
);
CREATE INDEX cooperation_events_request ON cooperation_events (request_id, at);
CREATE TABLE cooperation_shares (
	id TEXT PRIMARY KEY,
	request_id TEXT NOT NULL REFERENCES cooperation_requests (id) ON DELETE CASCADE,
	case_id TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
	fields TEXT NOT NULL,
	consent_at TIMESTAMPTZ,
	consent_by TEXT NOT NULL DEFAULT '',
	sha256 TEXT NOT NULL,
	size INTEGER NOT NULL,
	pdf BYTEA NOT NULL,
	created_by TEXT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX cooperation_shares_request ON cooperation_shares (request_id, created_at);
