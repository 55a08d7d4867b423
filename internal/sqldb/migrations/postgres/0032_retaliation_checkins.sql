-- Issue 22: retaliation check-ins. Some days after a named report
-- (org_settings.checkin_days, "30,90" by default, empty for none) its
-- reporter is asked whether they have been treated disadvantageously since;
-- a "yes" raises a retaliation alarm (flag_id). One row per case and day:
-- the daily job inserts it when it asks, so a restart asks nothing twice.
ALTER TABLE org_settings ADD COLUMN checkin_days TEXT NOT NULL DEFAULT '30,90';
CREATE TABLE retaliation_checkins (
	id TEXT PRIMARY KEY,
	case_id TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
	org_id TEXT NOT NULL REFERENCES orgs (id),
	reporter_id TEXT NOT NULL REFERENCES users (id),
	day INTEGER NOT NULL,
	asked_at TIMESTAMPTZ NOT NULL,
	answered_at TIMESTAMPTZ,
	answer TEXT CHECK (answer IN ('no', 'yes')),
	flag_id TEXT REFERENCES retaliation_flags (id) ON DELETE SET NULL,
	UNIQUE (case_id, day)
);
CREATE INDEX retaliation_checkins_org ON retaliation_checkins (org_id, asked_at);
