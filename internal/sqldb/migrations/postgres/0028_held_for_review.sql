-- Issue 16, finding 8: past the anonymous channel's hourly budget, new
-- anonymous reports are still taken but held for the desk's review (no
-- notification each), instead of being refused.
ALTER TABLE cases ADD COLUMN held_for_review BOOLEAN NOT NULL DEFAULT FALSE;
