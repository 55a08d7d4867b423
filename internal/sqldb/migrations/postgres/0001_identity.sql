-- Organisations, departments, users, memberships, API tokens, sessions and
-- the audit trail. Ids are UUIDv7 text; times are UTC.
CREATE TABLE orgs (
	id TEXT PRIMARY KEY,
	slug TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	parent_id TEXT REFERENCES orgs (id),
	created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX orgs_parent ON orgs (parent_id);

CREATE TABLE departments (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL REFERENCES orgs (id),
	name TEXT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL,
	UNIQUE (org_id, name)
);

CREATE TABLE users (
	id TEXT PRIMARY KEY,
	email TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	language TEXT NOT NULL DEFAULT '',
	disabled BOOLEAN NOT NULL DEFAULT FALSE,
	must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
	created_at TIMESTAMPTZ NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE memberships (
	user_id TEXT NOT NULL REFERENCES users (id),
	org_id TEXT NOT NULL REFERENCES orgs (id),
	role TEXT NOT NULL CHECK (role IN ('employee', 'supervisor', 'desk', 'legal', 'analyst', 'admin')),
	department_id TEXT REFERENCES departments (id),
	created_at TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (user_id, org_id)
);
CREATE INDEX memberships_org ON memberships (org_id);

CREATE TABLE api_tokens (
	id TEXT PRIMARY KEY,
	user_id TEXT NOT NULL REFERENCES users (id),
	label TEXT NOT NULL,
	token_hash TEXT NOT NULL UNIQUE,
	created_at TIMESTAMPTZ NOT NULL,
	last_used_at TIMESTAMPTZ,
	revoked_at TIMESTAMPTZ
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Server-side sessions. token_hash is the SHA-256 of the session id in the
-- cookie; the id itself is never stored.
CREATE TABLE sessions (
	token_hash TEXT PRIMARY KEY,
	data BYTEA NOT NULL,
	expiry TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expiry);

-- The audit trail: append-only, each entry chained to the previous by hash.
CREATE TABLE audit_entries (
	seq BIGINT PRIMARY KEY,
	at TIMESTAMPTZ NOT NULL,
	org_id TEXT NOT NULL DEFAULT '',
	actor_id TEXT NOT NULL DEFAULT '',
	actor_label TEXT NOT NULL DEFAULT '',
	action TEXT NOT NULL,
	object_type TEXT NOT NULL DEFAULT '',
	object_id TEXT NOT NULL DEFAULT '',
	detail TEXT NOT NULL DEFAULT '',
	prev_hash TEXT NOT NULL,
	hash TEXT NOT NULL
);
CREATE INDEX audit_entries_object ON audit_entries (object_type, object_id, seq);
CREATE INDEX audit_entries_org ON audit_entries (org_id, seq);

-- The last entry appended: catches entries deleted from the end.
CREATE TABLE audit_head (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	seq BIGINT NOT NULL,
	hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');

-- Append-only: the application never changes or removes an entry. Someone
-- with direct database access can drop this trigger; the hash chain still
-- exposes what they then change.
CREATE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'audit_entries is append-only';
END;
$$;
CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only();
