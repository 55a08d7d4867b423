-- Issue 22: the desk's hours (受付時間) beside its name and telephone, on the
-- public policy page and in the letters' contact box; the compliance page's
-- desk row asks for contact details and hours published.
ALTER TABLE org_settings ADD COLUMN contact_hours TEXT NOT NULL DEFAULT '';
