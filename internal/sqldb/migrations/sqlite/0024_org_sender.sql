-- How an organisation signs its letters: legal name, address,
-- representative and the contact point (telephone, desk). Empty until
-- an administrator fills them in.
ALTER TABLE org_settings ADD COLUMN legal_name TEXT NOT NULL DEFAULT '';
ALTER TABLE org_settings ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE org_settings ADD COLUMN representative TEXT NOT NULL DEFAULT '';
ALTER TABLE org_settings ADD COLUMN contact_phone TEXT NOT NULL DEFAULT '';
ALTER TABLE org_settings ADD COLUMN contact_desk TEXT NOT NULL DEFAULT '';
