-- Editable letter templates per organisation, kind and language.
CREATE TABLE letter_templates (
	org_id TEXT NOT NULL REFERENCES orgs (id),
	kind TEXT NOT NULL CHECK (kind IN ('warning', 'discontinuation')),
	lang TEXT NOT NULL CHECK (lang IN ('ja', 'en')),
	title TEXT NOT NULL,
	body TEXT NOT NULL,
	contact TEXT NOT NULL DEFAULT '',
	policy_ref TEXT NOT NULL DEFAULT '',
	updated_at TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (org_id, kind, lang)
);
