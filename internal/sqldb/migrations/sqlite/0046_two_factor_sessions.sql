-- Issue 23: TOTP two-factor sign-in and sessions a company controls.

-- A user's TOTP key, sealed with the secrets key (credential.Sealer): a copy
-- of the database alone does not give it. confirmed_at is NULL until the
-- first code was typed back; last_step is the newest time step accepted,
-- so a code is never taken twice.
CREATE TABLE user_totp (
	user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	secret TEXT NOT NULL,
	created_at TIMESTAMP NOT NULL,
	confirmed_at TIMESTAMP,
	last_step BIGINT NOT NULL DEFAULT 0
);

-- The ten recovery codes, shown once: only their SHA-256 (80 random bits
-- each). used_at is set when one is used; it is never used again.
CREATE TABLE totp_recovery_codes (
	user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	code_hash TEXT NOT NULL,
	used_at TIMESTAMP,
	PRIMARY KEY (user_id, code_hash)
);

-- Which roles must sign in with a second factor (comma-separated; empty:
-- none), and the organisation's session lifetimes.
ALTER TABLE org_settings ADD COLUMN two_factor_roles TEXT NOT NULL DEFAULT 'desk,legal,admin';
ALTER TABLE org_settings ADD COLUMN session_idle_minutes INTEGER NOT NULL DEFAULT 30;
ALTER TABLE org_settings ADD COLUMN session_lifetime_hours INTEGER NOT NULL DEFAULT 12;

-- A session's owner, when it signed in, when it was last seen and the
-- device in words (from the User-Agent, no address), for the list of a
-- person's own sessions and for ending them.
ALTER TABLE sessions ADD COLUMN user_id TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN signed_in_at TIMESTAMP;
ALTER TABLE sessions ADD COLUMN last_seen TIMESTAMP;
ALTER TABLE sessions ADD COLUMN device TEXT NOT NULL DEFAULT '';
CREATE INDEX sessions_user ON sessions (user_id);
