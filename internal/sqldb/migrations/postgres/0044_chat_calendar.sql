-- Issue 25: chat notifications and the calendar feed.
--
-- A chat destination is where events are posted besides mail: the
-- organisation's channel (user_id NULL, set by its administrator) or a
-- person's own (user_id set). target_sealed is the webhook URL or the LINE
-- WORKS user or channel id, sealed with the server's secrets key
-- (DATA/keys/secrets.key, AES-256-GCM, the row's id as associated data):
-- the URL holds the channel's token. hint is what the pages show of it.
CREATE TABLE chat_destinations (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL REFERENCES orgs (id),
	user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
	kind TEXT NOT NULL CHECK (kind IN ('slack', 'teams', 'teams_workflow', 'lineworks_user', 'lineworks_channel')),
	label TEXT NOT NULL DEFAULT '',
	target_sealed TEXT NOT NULL,
	hint TEXT NOT NULL,
	lang TEXT NOT NULL DEFAULT 'ja',
	created_by TEXT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL,
	last_ok_at TIMESTAMPTZ,
	last_error_at TIMESTAMPTZ,
	last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX chat_destinations_org ON chat_destinations (org_id, user_id);
CREATE INDEX chat_destinations_user ON chat_destinations (user_id);

-- A person's calendar feed: only the SHA-256 of its secret token is kept;
-- renewing replaces it, so the old address stops working at once.
CREATE TABLE calendar_feeds (
	user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	token_hash TEXT NOT NULL UNIQUE,
	created_at TIMESTAMPTZ NOT NULL
);
