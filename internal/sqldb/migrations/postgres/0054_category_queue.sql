-- Issue 21: the desk's queue filtered by a category walked the
-- organisation's cases of the state (cases_org_state_created) and looked
-- each one's categories up: about three in-progress cases read for each one
-- of the category, and every case of the organisation for a category alone.
-- Each category row now carries its case's organisation, state and filing
-- time, so that the page walks only its own rows: by organisation,
-- category, state and date, or by organisation, category and date (with
-- the state, read from the index, for the open cases).
-- The organisation and the filing time never change; the state is kept by
-- the trigger below, whatever statement moves a case.
ALTER TABLE case_categories ADD COLUMN org_id TEXT, ADD COLUMN state TEXT, ADD COLUMN created_at TIMESTAMPTZ;
UPDATE case_categories cc SET org_id = c.org_id, state = c.state, created_at = c.created_at FROM cases c WHERE c.id = cc.case_id;
ALTER TABLE case_categories ALTER COLUMN org_id SET NOT NULL, ALTER COLUMN state SET NOT NULL, ALTER COLUMN created_at SET NOT NULL;
DROP INDEX case_categories_category;
CREATE INDEX case_categories_org_state ON case_categories (org_id, category, state, created_at DESC, case_id DESC);
CREATE INDEX case_categories_org_created ON case_categories (org_id, category, created_at DESC, case_id DESC, state);
CREATE FUNCTION case_categories_state() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE case_categories SET state = NEW.state WHERE case_id = NEW.id;
	RETURN NULL;
END;
$$;
CREATE TRIGGER case_categories_state AFTER UPDATE OF state ON cases
FOR EACH ROW WHEN (NEW.state IS DISTINCT FROM OLD.state) EXECUTE FUNCTION case_categories_state();
