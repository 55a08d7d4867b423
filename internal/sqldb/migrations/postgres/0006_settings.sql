-- Per-organisation settings: the case clocks and their working calendar,
-- the time limit of a call or visit, and the webhook for notifications.
CREATE TABLE org_settings (
	org_id TEXT PRIMARY KEY REFERENCES orgs (id),
	acknowledge TEXT NOT NULL DEFAULT '1bd',
	feedback TEXT NOT NULL DEFAULT '7d',
	public_holidays BOOLEAN NOT NULL DEFAULT TRUE,
	year_end_closure BOOLEAN NOT NULL DEFAULT FALSE,
	contact_limit_minutes INTEGER NOT NULL DEFAULT 30,
	webhook_url TEXT NOT NULL DEFAULT '',
	webhook_secret TEXT NOT NULL DEFAULT '',
	updated_at TIMESTAMPTZ NOT NULL
);
