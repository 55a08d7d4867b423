-- Issue 22: the compliance page. An administrator may mark a measure of
-- the law not applicable to the organisation, with a reason (audited as
-- compliance.not_applicable); every other status is computed. Removing
-- the row makes the measure applicable again.
CREATE TABLE compliance_na (
	org_id TEXT NOT NULL REFERENCES orgs (id),
	measure TEXT NOT NULL,
	reason TEXT NOT NULL,
	set_by TEXT NOT NULL,
	set_at TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (org_id, measure)
);
-- Each run of kasuhara audit verify: when, how many entries, and whether
-- the chain was intact. The compliance page shows the last one.
CREATE TABLE audit_verifications (
	at TIMESTAMPTZ NOT NULL,
	entries BIGINT NOT NULL,
	intact BOOLEAN NOT NULL
);
CREATE INDEX audit_verifications_at ON audit_verifications (at);
