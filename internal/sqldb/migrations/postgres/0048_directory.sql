-- Issue 23: company sign-in with OpenID Connect and provisioning with SCIM.
-- One provider per organisation (its subsidiaries share it); the client
-- secret is sealed with the server's key (age, DATA/keys), never stored plain.
CREATE TABLE sso_settings (
	org_id TEXT PRIMARY KEY REFERENCES orgs (id),
	issuer TEXT NOT NULL DEFAULT '',
	client_id TEXT NOT NULL DEFAULT '',
	client_secret_sealed TEXT NOT NULL DEFAULT '',
	domains TEXT NOT NULL DEFAULT '',
	groups_claim TEXT NOT NULL DEFAULT 'groups',
	required BOOLEAN NOT NULL DEFAULT FALSE,
	updated_at TIMESTAMPTZ NOT NULL
);

-- A directory group gives its members a role (and a department) in the
-- organisation or one of its subsidiaries; the most specific mapping wins.
CREATE TABLE sso_group_roles (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL REFERENCES orgs (id),
	group_name TEXT NOT NULL,
	target_org_id TEXT NOT NULL REFERENCES orgs (id),
	role TEXT NOT NULL CHECK (role IN ('employee', 'supervisor', 'desk', 'legal', 'analyst', 'admin')),
	department_id TEXT REFERENCES departments (id),
	created_at TIMESTAMPTZ NOT NULL,
	UNIQUE (org_id, group_name, target_org_id)
);

-- A person as the directory knows them: the OpenID subject, per
-- organisation.
CREATE TABLE external_identities (
	org_id TEXT NOT NULL REFERENCES orgs (id),
	kind TEXT NOT NULL CHECK (kind IN ('oidc')),
	external_id TEXT NOT NULL,
	user_id TEXT NOT NULL REFERENCES users (id),
	created_at TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (org_id, kind, external_id)
);
CREATE INDEX external_identities_user ON external_identities (user_id);

-- SCIM bearer tokens: only their SHA-256 is stored.
CREATE TABLE scim_tokens (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL REFERENCES orgs (id),
	label TEXT NOT NULL,
	token_hash TEXT NOT NULL UNIQUE,
	created_at TIMESTAMPTZ NOT NULL,
	revoked_at TIMESTAMPTZ
);

-- People provisioned by SCIM: the user, and what the directory said of
-- them that Kasuhara does not keep elsewhere (the SCIM id is the user's id;
-- userName, lower-cased, may differ from the e-mail address they sign in with).
CREATE TABLE scim_users (
	org_id TEXT NOT NULL REFERENCES orgs (id),
	user_id TEXT NOT NULL REFERENCES users (id),
	user_name TEXT NOT NULL,
	external_id TEXT NOT NULL DEFAULT '',
	given_name TEXT NOT NULL DEFAULT '',
	family_name TEXT NOT NULL DEFAULT '',
	created_at TIMESTAMPTZ NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (org_id, user_id)
);
CREATE INDEX scim_users_external ON scim_users (org_id, external_id);
CREATE UNIQUE INDEX scim_users_name ON scim_users (org_id, user_name);

-- Groups pushed by SCIM, and their members.
CREATE TABLE scim_groups (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL REFERENCES orgs (id),
	display_name TEXT NOT NULL,
	external_id TEXT NOT NULL DEFAULT '',
	created_at TIMESTAMPTZ NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL,
	UNIQUE (org_id, display_name)
);
CREATE TABLE scim_group_members (
	group_id TEXT NOT NULL REFERENCES scim_groups (id) ON DELETE CASCADE,
	user_id TEXT NOT NULL REFERENCES users (id),
	PRIMARY KEY (group_id, user_id)
);

-- The emergency administrator signs in with a password even when the
-- organisation requires company sign-in.
ALTER TABLE users ADD COLUMN emergency_admin BOOLEAN NOT NULL DEFAULT FALSE;
