-- Issue 21: the desk's queue filtered by a category walked the
-- organisation's cases of the state (cases_org_state_created) and looked
-- each one's categories up: about three in-progress cases read for each one
-- of the category, and every case of the organisation for a category alone.
-- Each category row now carries its case's organisation, state and filing
-- time, so that the page walks only its own rows: by organisation,
-- category, state and date, or by organisation, category and date (with
-- the state, read from the index, for the open cases).
-- The organisation and the filing time never change; the state is kept by
-- the trigger below, whatever statement moves a case. The table is kept
-- WITHOUT ROWID: a report writes three b-trees for each of its categories,
-- as before, not four (the primary key is the table).
CREATE TABLE case_categories_0054 (
	case_id TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
	category TEXT NOT NULL,
	org_id TEXT NOT NULL,
	state TEXT NOT NULL,
	created_at TIMESTAMP NOT NULL,
	PRIMARY KEY (case_id, category)
) WITHOUT ROWID;
INSERT INTO case_categories_0054 (case_id, category, org_id, state, created_at)
SELECT cc.case_id, cc.category, c.org_id, c.state, c.created_at FROM case_categories cc JOIN cases c ON c.id = cc.case_id;
DROP TABLE case_categories;
ALTER TABLE case_categories_0054 RENAME TO case_categories;
CREATE INDEX case_categories_org_state ON case_categories (org_id, category, state, created_at DESC, case_id DESC);
CREATE INDEX case_categories_org_created ON case_categories (org_id, category, created_at DESC, case_id DESC, state);
CREATE TRIGGER case_categories_state AFTER UPDATE OF state ON cases WHEN NEW.state IS NOT OLD.state
BEGIN
	UPDATE case_categories SET state = NEW.state WHERE case_id = NEW.id;
END;
