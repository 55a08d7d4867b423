-- The organisation's editable text of a request to a platform to remove a post.
CREATE TABLE removal_templates (
	org_id TEXT NOT NULL REFERENCES orgs (id),
	lang TEXT NOT NULL CHECK (lang IN ('ja', 'en')),
	title TEXT NOT NULL,
	body TEXT NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (org_id, lang)
);
