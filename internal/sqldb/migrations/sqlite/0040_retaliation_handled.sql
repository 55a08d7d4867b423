-- Issue 22: legal records that a retaliation alarm was handled (when, by
-- whom, what was done), so that the compliance page counts the alarms
-- raised and handled and the legal home counts only those that wait.
ALTER TABLE retaliation_flags ADD COLUMN handled_at TIMESTAMP;
ALTER TABLE retaliation_flags ADD COLUMN handled_by TEXT REFERENCES users (id);
ALTER TABLE retaliation_flags ADD COLUMN handled_note TEXT NOT NULL DEFAULT '';
