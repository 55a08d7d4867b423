-- Issue 20: how an organisation's letters and certificates write dates in
-- Japanese: 'western' (西暦, 2026年12月6日) or 'era' (和暦, 令和8年12月6日).
ALTER TABLE org_settings ADD COLUMN date_style TEXT NOT NULL DEFAULT 'western';
