-- Issue 25: reports taken on behalf, and the old spreadsheet.
-- A report taken on behalf keeps who recorded it (recorded_by) and how the
-- consultation reached them (received_via: in_person, phone, letter); its
-- reporter is the named employee, or nobody for an employee who does not
-- want to be named (unnamed_reporter). The employee may say they did not
-- make it (disowned_at, which alerts legal).
ALTER TABLE cases ADD COLUMN recorded_by TEXT REFERENCES users (id);
ALTER TABLE cases ADD COLUMN received_via TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN unnamed_reporter BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE cases ADD COLUMN disowned_at TIMESTAMPTZ;
-- A case imported from the old ledger points to its import.
ALTER TABLE cases ADD COLUMN import_id TEXT;
CREATE INDEX cases_recorded_by ON cases (recorded_by, created_at DESC, id DESC) WHERE recorded_by IS NOT NULL;
-- An uploaded ledger between its dry run and its import: the cells as read
-- (JSON), emptied once imported; an upload left for a day is removed.
CREATE TABLE case_imports (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL REFERENCES orgs (id),
	user_id TEXT REFERENCES users (id), -- NULL for the command line
	file_name TEXT NOT NULL,
	sha256 TEXT NOT NULL,
	sheet TEXT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL,
	imported_at TIMESTAMPTZ,
	cases INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX case_imports_org ON case_imports (org_id, created_at);
-- The column mappings an organisation saved, by name.
CREATE TABLE case_import_mappings (
	org_id TEXT NOT NULL REFERENCES orgs (id),
	name TEXT NOT NULL,
	mapping TEXT NOT NULL,
	updated_by TEXT REFERENCES users (id),
	updated_at TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (org_id, name)
);
