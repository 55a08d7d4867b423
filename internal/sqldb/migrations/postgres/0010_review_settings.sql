-- When repeat signals put a customer forward to the desk: this many
-- incidents within this many days (besides two or more reporters).
ALTER TABLE org_settings ADD COLUMN review_incidents INTEGER NOT NULL DEFAULT 3;
ALTER TABLE org_settings ADD COLUMN review_window_days INTEGER NOT NULL DEFAULT 90;
