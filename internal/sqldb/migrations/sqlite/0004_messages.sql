-- Anonymous reports (a receipt is the only way back: a public lookup part
-- and an argon2id hash of the secret part), messages between the desk and
-- the reporter, confidentiality toward the supervisor, retaliation flags.
ALTER TABLE cases ADD COLUMN anonymous BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE cases ADD COLUMN receipt_lookup TEXT;
ALTER TABLE cases ADD COLUMN receipt_hash TEXT;
ALTER TABLE cases ADD COLUMN hide_from_supervisor BOOLEAN NOT NULL DEFAULT FALSE;
CREATE UNIQUE INDEX cases_receipt_lookup ON cases (receipt_lookup);

CREATE TABLE case_messages (
	id TEXT PRIMARY KEY,
	case_id TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
	author_id TEXT NOT NULL DEFAULT '',
	from_reporter BOOLEAN NOT NULL,
	body TEXT NOT NULL,
	created_at TIMESTAMP NOT NULL
);
CREATE INDEX case_messages_case ON case_messages (case_id, created_at, id);

CREATE TABLE retaliation_flags (
	id TEXT PRIMARY KEY,
	case_id TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
	org_id TEXT NOT NULL REFERENCES orgs (id),
	reporter_id TEXT NOT NULL REFERENCES users (id),
	body TEXT NOT NULL,
	created_at TIMESTAMP NOT NULL
);
CREATE INDEX retaliation_flags_org ON retaliation_flags (org_id, created_at DESC);
