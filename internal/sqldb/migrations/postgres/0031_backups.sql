-- Issue 19: the administrator's setup checklist asks whether a backup was
-- taken. kasuhara backup records each copy it writes (copy), and
-- kasuhara backup --mark one taken otherwise, such as with pg_dump
-- (external). Only the time and the kind: no path.
CREATE TABLE backups (
	at TIMESTAMPTZ NOT NULL,
	kind TEXT NOT NULL CHECK (kind IN ('copy', 'external'))
);
CREATE INDEX backups_at ON backups (at);
