-- Issue 20: a letter states each incident as fact. The proposer of a
-- measure writes, for each case it rests on, the conduct as the customer
-- reads it (a JSON object: the case's id to the text); the letter prints it
-- in place of the categories of conduct, which are the organisation's own
-- classification. Empty for measures from before.
ALTER TABLE measures ADD COLUMN incident_texts TEXT NOT NULL DEFAULT '';
