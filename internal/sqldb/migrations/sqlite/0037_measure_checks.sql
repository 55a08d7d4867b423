-- Issue 22: the checks before a measure. A measure above caution (warned,
-- discontinued, banned) is proposed with a note for each thing its
-- proposer confirms was considered: the two axes, a request for reasonable
-- accommodation, a legal duty to serve. A measure from before has none.
-- The organisation lists its legal duties to serve (utilities, medical
-- care, public transport and the like) in its settings.
ALTER TABLE measures ADD COLUMN check_axes TEXT NOT NULL DEFAULT '';
ALTER TABLE measures ADD COLUMN check_accommodation TEXT NOT NULL DEFAULT '';
ALTER TABLE measures ADD COLUMN check_duty TEXT NOT NULL DEFAULT '';
ALTER TABLE org_settings ADD COLUMN service_duties TEXT NOT NULL DEFAULT '';
