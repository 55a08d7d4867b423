-- Departments as a hierarchy (head office → area → store): a department
-- may belong to another of the same organisation. The queue's department
-- filter takes a department with everything under it.
ALTER TABLE departments ADD COLUMN parent_id TEXT REFERENCES departments (id);
CREATE INDEX departments_parent ON departments (parent_id);
