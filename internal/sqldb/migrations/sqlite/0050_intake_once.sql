-- Issue 25: each intake happens once, even when two people or two servers
-- do it at the same moment. Both tables came with migrations 0045 and 0047
-- of the same release, so no database holds duplicates to clean first.
--
-- A ledger file is imported once per organisation: the second of two
-- concurrent imports of the same file fails at its commit (the store
-- answers "this file was imported already").
CREATE UNIQUE INDEX case_imports_once ON case_imports (org_id, sha256) WHERE imported_at IS NOT NULL;
-- A mail is taken once per organisation: a sender's server that delivers
-- again (it did not see our reply, it retries) adds no second item.
CREATE UNIQUE INDEX intake_items_message ON intake_items (org_id, message_id) WHERE message_id <> '';
-- The mails one address left in an organisation's mailbox in the last
-- hour, counted at each delivery (the mailbox's flood limit).
CREATE INDEX intake_items_sender ON intake_items (org_id, from_address, received_at);
