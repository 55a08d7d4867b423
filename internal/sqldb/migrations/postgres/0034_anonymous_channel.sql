-- The anonymous channel can be switched off: the organisation then receives
-- named reports only (receipts already given keep working). On by default,
-- as before; anonymous_chosen records that an administrator saved a choice
-- (the setup checklist's item).
ALTER TABLE org_settings ADD COLUMN anonymous_channel BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE org_settings ADD COLUMN anonymous_chosen BOOLEAN NOT NULL DEFAULT FALSE;
