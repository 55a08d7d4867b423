-- The customer registry: customers recognised across reports by their
-- normalised identifiers, the cases they appear in, and the graduated
-- measures against them with their letters.
CREATE TABLE customers (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL REFERENCES orgs (id),
	display_name TEXT NOT NULL DEFAULT '',
	created_at TIMESTAMP NOT NULL,
	updated_at TIMESTAMP NOT NULL
);
CREATE INDEX customers_org ON customers (org_id, updated_at DESC);

CREATE TABLE customer_identifiers (
	id TEXT PRIMARY KEY,
	customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
	org_id TEXT NOT NULL REFERENCES orgs (id),
	kind TEXT NOT NULL CHECK (kind IN ('phone', 'email', 'name', 'name_kana', 'account', 'handle')),
	value TEXT NOT NULL,
	match_key TEXT NOT NULL,
	created_at TIMESTAMP NOT NULL,
	UNIQUE (customer_id, kind, match_key)
);
CREATE INDEX customer_identifiers_key ON customer_identifiers (org_id, kind, match_key);

CREATE TABLE case_customers (
	case_id TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
	customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
	PRIMARY KEY (case_id, customer_id)
);
CREATE INDEX case_customers_customer ON case_customers (customer_id, case_id);

CREATE TABLE measures (
	id TEXT PRIMARY KEY,
	customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
	org_id TEXT NOT NULL REFERENCES orgs (id),
	level TEXT NOT NULL CHECK (level IN ('watch', 'caution', 'warned', 'discontinued', 'banned')),
	reason TEXT NOT NULL,
	case_ids TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL CHECK (status IN ('proposed', 'active', 'lifted', 'rejected')),
	effective_at TIMESTAMP,
	review_at TIMESTAMP NOT NULL,
	proposed_by TEXT NOT NULL,
	approved_by TEXT NOT NULL DEFAULT '',
	approved_at TIMESTAMP,
	lifted_by TEXT NOT NULL DEFAULT '',
	lifted_at TIMESTAMP,
	lift_reason TEXT NOT NULL DEFAULT '',
	customer_response TEXT NOT NULL DEFAULT '',
	created_at TIMESTAMP NOT NULL
);
CREATE INDEX measures_customer ON measures (customer_id, created_at DESC);
CREATE INDEX measures_org_status ON measures (org_id, status, review_at);

CREATE TABLE letters (
	id TEXT PRIMARY KEY,
	measure_id TEXT NOT NULL REFERENCES measures (id) ON DELETE CASCADE,
	lang TEXT NOT NULL,
	sha256 TEXT NOT NULL,
	pdf BLOB NOT NULL,
	created_at TIMESTAMP NOT NULL,
	UNIQUE (measure_id, lang)
);
