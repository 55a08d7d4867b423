-- Issue 25: the desk's mailbox and phone systems. A mail to the desk's
-- address becomes an intake item that waits for a person's decision: filed
-- as a case, attached to one, or discarded with a reason. Its attachments
-- passed the evidence checks and are stored encrypted (blob ids); what was
-- refused is named in refused (file name and reason, JSON), nothing of it
-- kept. The desk's replies go back by mail, threaded. An item is case
-- contents: it goes with its case when the case is purged.
CREATE TABLE intake_items (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL REFERENCES orgs (id),
	received_at TIMESTAMP NOT NULL,
	from_address TEXT NOT NULL,
	from_name TEXT NOT NULL DEFAULT '',
	subject TEXT NOT NULL DEFAULT '',
	body TEXT NOT NULL DEFAULT '',
	message_id TEXT NOT NULL DEFAULT '',
	refs TEXT NOT NULL DEFAULT '',
	spf TEXT NOT NULL DEFAULT '',
	dkim TEXT NOT NULL DEFAULT '',
	dmarc TEXT NOT NULL DEFAULT '',
	sender_user_id TEXT REFERENCES users (id),
	refused TEXT NOT NULL DEFAULT '',
	state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'filed', 'attached', 'discarded')),
	case_id TEXT REFERENCES cases (id) ON DELETE CASCADE,
	reason TEXT NOT NULL DEFAULT '',
	decided_by TEXT REFERENCES users (id),
	decided_at TIMESTAMP
);
CREATE INDEX intake_items_queue ON intake_items (org_id, state, received_at);
CREATE TABLE intake_attachments (
	id TEXT PRIMARY KEY,
	item_id TEXT NOT NULL REFERENCES intake_items (id) ON DELETE CASCADE,
	position INTEGER NOT NULL,
	blob_id TEXT NOT NULL UNIQUE,
	filename TEXT NOT NULL,
	media_type TEXT NOT NULL,
	size INTEGER NOT NULL,
	sha256 TEXT NOT NULL
);
CREATE INDEX intake_attachments_item ON intake_attachments (item_id, position);
CREATE TABLE intake_replies (
	id TEXT PRIMARY KEY,
	item_id TEXT NOT NULL REFERENCES intake_items (id) ON DELETE CASCADE,
	author_id TEXT NOT NULL REFERENCES users (id),
	body TEXT NOT NULL,
	created_at TIMESTAMP NOT NULL
);
CREATE INDEX intake_replies_item ON intake_replies (item_id, created_at);
-- A call from the organisation's phone system: who called, which agent
-- took it, how long, the recording (its address, or the file itself,
-- stored encrypted). An ended call is a draft report for its agent until
-- they file it (case_id) or set it aside.
CREATE TABLE call_drafts (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL REFERENCES orgs (id),
	source TEXT NOT NULL,
	call_id TEXT NOT NULL,
	caller TEXT NOT NULL DEFAULT '',
	agent_id TEXT NOT NULL REFERENCES users (id),
	started_at TIMESTAMP NOT NULL,
	duration_seconds INTEGER NOT NULL DEFAULT 0,
	recording_url TEXT NOT NULL DEFAULT '',
	recording_blob_id TEXT UNIQUE,
	recording_media_type TEXT NOT NULL DEFAULT '',
	recording_size INTEGER NOT NULL DEFAULT 0,
	recording_sha256 TEXT NOT NULL DEFAULT '',
	state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'filed', 'dismissed')),
	case_id TEXT REFERENCES cases (id) ON DELETE CASCADE,
	created_at TIMESTAMP NOT NULL,
	UNIQUE (org_id, source, call_id)
);
CREATE INDEX call_drafts_agent ON call_drafts (agent_id, state, created_at);
-- The secret each phone system signs its events with (Twilio's auth
-- token; the HMAC key of the Amazon Connect Lambda and of a PBX), per
-- organisation. Kept as given: an HMAC needs the key itself.
CREATE TABLE call_secrets (
	org_id TEXT NOT NULL REFERENCES orgs (id),
	source TEXT NOT NULL CHECK (source IN ('twilio', 'connect', 'sip')),
	secret TEXT NOT NULL,
	created_at TIMESTAMP NOT NULL,
	PRIMARY KEY (org_id, source)
);
