-- Issue 21: a report read its organisation's settings (for its clocks) in a
-- statement of its own. The store now keeps them in memory and checks them
-- in the case's INSERT against this version, which every change of the row
-- moves on (the trigger, so that no writer can forget it): a report filed
-- with settings another server changed meanwhile writes nothing and is filed
-- again with the settings read anew. No row is version 0.
ALTER TABLE org_settings ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
CREATE FUNCTION org_settings_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	NEW.version := OLD.version + 1;
	RETURN NEW;
END;
$$;
CREATE TRIGGER org_settings_version BEFORE UPDATE ON org_settings
FOR EACH ROW EXECUTE FUNCTION org_settings_version();
