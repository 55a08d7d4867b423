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
ALTER TABLE online_posts ADD COLUMN consent_at TIMESTAMPTZ;
ALTER TABLE online_posts ADD COLUMN consent_recorded_by TEXT NOT NULL DEFAULT '';
-- A third letter kind, ban, with its own template.
ALTER TABLE letter_templates DROP CONSTRAINT letter_templates_kind_check;
ALTER TABLE letter_templates ADD CONSTRAINT letter_templates_kind_check CHECK (kind IN ('warning', 'discontinuation', 'ban'));
-- A letter is kept once per measure, language and layout: the standard
-- layout, or the one for 内容証明郵便 (26 characters × 20 lines a page).
ALTER TABLE letters ADD COLUMN layout TEXT NOT NULL DEFAULT 'standard' CHECK (layout IN ('standard', 'certified'));
ALTER TABLE letters DROP CONSTRAINT letters_measure_id_lang_key;
ALTER TABLE letters ADD CONSTRAINT letters_measure_id_lang_layout_key UNIQUE (measure_id, lang, layout);
