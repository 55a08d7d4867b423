-- Issue 16, finding 2: granting the desk or legal role, and resetting the
-- password of a person who holds one, waits here for a second person (a
-- legal member, or while there is none a second admin).
CREATE TABLE grant_requests (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL REFERENCES orgs (id),
	user_id TEXT NOT NULL REFERENCES users (id),
	kind TEXT NOT NULL,
	role TEXT NOT NULL DEFAULT '',
	department_id TEXT,
	requested_by TEXT NOT NULL REFERENCES users (id),
	requested_at TIMESTAMPTZ NOT NULL,
	status TEXT NOT NULL DEFAULT 'pending',
	decided_by TEXT REFERENCES users (id),
	decided_at TIMESTAMPTZ,
	comment TEXT NOT NULL DEFAULT ''
);
CREATE INDEX grant_requests_org ON grant_requests (org_id, requested_at);
CREATE UNIQUE INDEX grant_requests_pending ON grant_requests (org_id, user_id) WHERE status = 'pending';

-- A link to set one's password, mailed to the person: only the SHA-256 of
-- its token is kept, made when the mail is sent.
CREATE TABLE password_links (
	id TEXT PRIMARY KEY,
	user_id TEXT NOT NULL REFERENCES users (id),
	token_hash TEXT UNIQUE,
	created_at TIMESTAMPTZ NOT NULL,
	expires_at TIMESTAMPTZ,
	used_at TIMESTAMPTZ
);
CREATE INDEX password_links_user ON password_links (user_id);
