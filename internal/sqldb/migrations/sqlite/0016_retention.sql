-- Retention rules, legal holds, and the indexes that find expired cases.
CREATE TABLE retention_rules (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL REFERENCES orgs (id),
	state TEXT NOT NULL CHECK (state IN ('resolved', 'closed')),
	verdict TEXT NOT NULL DEFAULT '',
	keep_months INTEGER NOT NULL CHECK (keep_months BETWEEN 1 AND 1200),
	created_by TEXT NOT NULL DEFAULT '',
	created_at TIMESTAMP NOT NULL,
	UNIQUE (org_id, state, verdict)
);

CREATE TABLE legal_holds (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL REFERENCES orgs (id),
	case_id TEXT REFERENCES cases (id),
	customer_id TEXT REFERENCES customers (id),
	reason TEXT NOT NULL,
	created_by TEXT NOT NULL,
	created_at TIMESTAMP NOT NULL,
	CHECK ((case_id IS NULL) <> (customer_id IS NULL))
);
CREATE INDEX legal_holds_org ON legal_holds (org_id, created_at);
CREATE INDEX legal_holds_case ON legal_holds (case_id);
CREATE INDEX legal_holds_customer ON legal_holds (customer_id);

CREATE INDEX cases_org_state_closed ON cases (org_id, state, closed_at);
CREATE INDEX cases_org_state_resolved ON cases (org_id, state, resolved_at);
