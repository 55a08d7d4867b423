-- Police, lawyers and other specialists: the organisation's directory and
-- the referrals of cases to them.
CREATE TABLE specialists (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL REFERENCES orgs (id),
	kind TEXT NOT NULL CHECK (kind IN ('police', 'lawyer', 'counsellor', 'other')),
	name TEXT NOT NULL,
	contact TEXT NOT NULL DEFAULT '',
	notes TEXT NOT NULL DEFAULT '',
	created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX specialists_org ON specialists (org_id, kind, name);

CREATE TABLE referrals (
	id TEXT PRIMARY KEY,
	case_id TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
	kind TEXT NOT NULL CHECK (kind IN ('police', 'lawyer', 'counsellor', 'other')),
	organisation TEXT NOT NULL,
	contact TEXT NOT NULL DEFAULT '',
	reference TEXT NOT NULL DEFAULT '',
	note TEXT NOT NULL DEFAULT '',
	outcome TEXT NOT NULL DEFAULT '',
	referred_at TIMESTAMPTZ NOT NULL,
	created_by TEXT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX referrals_case ON referrals (case_id, referred_at);
