-- Issue 20: letters a company lawyer would sign.
-- The customer as a letter addresses them: a company (御中) or a person (様),
-- the formal name and the postal address, when the desk has recorded them.
ALTER TABLE customers ADD COLUMN is_company BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE customers ADD COLUMN formal_name TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN postal_address TEXT NOT NULL DEFAULT '';
-- The premises a ban covers (stores, offices), recorded when it is proposed
-- and named by the ban letter.
ALTER TABLE measures ADD COLUMN premises TEXT NOT NULL DEFAULT '';
-- The employee's consent to being named in a removal request: who gave it,
-- when, and who recorded it. Without it a request does not name them.
ALTER TABLE online_posts ADD COLUMN consent_name TEXT NOT NULL DEFAULT '';
ALTER TABLE online_posts ADD COLUMN consent_at TIMESTAMP;
ALTER TABLE online_posts ADD COLUMN consent_recorded_by TEXT NOT NULL DEFAULT '';
-- A third letter kind, ban, with its own template. SQLite cannot change a
-- CHECK constraint: the table is rebuilt.
CREATE TABLE letter_templates_new (
	org_id TEXT NOT NULL REFERENCES orgs (id),
	kind TEXT NOT NULL CHECK (kind IN ('warning', 'discontinuation', 'ban')),
	lang TEXT NOT NULL CHECK (lang IN ('ja', 'en')),
	title TEXT NOT NULL,
	body TEXT NOT NULL,
	contact TEXT NOT NULL DEFAULT '',
	policy_ref TEXT NOT NULL DEFAULT '',
	updated_at TIMESTAMP NOT NULL,
	PRIMARY KEY (org_id, kind, lang)
);
INSERT INTO letter_templates_new (org_id, kind, lang, title, body, contact, policy_ref, updated_at)
	SELECT org_id, kind, lang, title, body, contact, policy_ref, updated_at FROM letter_templates;
DROP TABLE letter_templates;
ALTER TABLE letter_templates_new RENAME TO letter_templates;
-- A letter is kept once per measure, language and layout: the standard
-- layout, or the one for 内容証明郵便 (26 characters × 20 lines a page).
CREATE TABLE letters_new (
	id TEXT PRIMARY KEY,
	measure_id TEXT NOT NULL REFERENCES measures (id) ON DELETE CASCADE,
	lang TEXT NOT NULL,
	layout TEXT NOT NULL DEFAULT 'standard' CHECK (layout IN ('standard', 'certified')),
	sha256 TEXT NOT NULL,
	pdf BLOB NOT NULL,
	created_at TIMESTAMP NOT NULL,
	UNIQUE (measure_id, lang, layout)
);
INSERT INTO letters_new (id, measure_id, lang, sha256, pdf, created_at)
	SELECT id, measure_id, lang, sha256, pdf, created_at FROM letters;
DROP TABLE letters;
ALTER TABLE letters_new RENAME TO letters;
