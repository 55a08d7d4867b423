-- A measure's reason has two texts: reason, internal and never printed,
-- and customer_text, what the customer reads in the letter. Existing
-- measures keep their reason as internal only; their letters print a
-- neutral text.
ALTER TABLE measures ADD COLUMN customer_text TEXT NOT NULL DEFAULT '';
