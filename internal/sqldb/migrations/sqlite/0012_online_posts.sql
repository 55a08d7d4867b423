-- Posts online that name or show staff, threaten, or bomb reviews: their
-- capture, the removal and disclosure workflow, screenshots, and the
-- editable removal-request template.
CREATE TABLE online_posts (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL REFERENCES orgs (id),
	case_id TEXT REFERENCES cases (id) ON DELETE SET NULL,
	customer_id TEXT REFERENCES customers (id) ON DELETE SET NULL,
	url TEXT NOT NULL,
	platform TEXT NOT NULL DEFAULT '',
	author_handle TEXT NOT NULL DEFAULT '',
	posted_at TIMESTAMP,
	captured_at TIMESTAMP NOT NULL,
	captured_text TEXT NOT NULL DEFAULT '',
	employees_named TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL CHECK (status IN ('monitoring', 'removal_requested', 'removed', 'disclosure_requested', 'disclosed', 'litigation', 'closed')),
	due_at TIMESTAMP,
	created_by TEXT NOT NULL,
	created_at TIMESTAMP NOT NULL,
	updated_at TIMESTAMP NOT NULL
);
CREATE INDEX online_posts_org ON online_posts (org_id, status, updated_at DESC);

CREATE TABLE online_post_files (
	id TEXT PRIMARY KEY,
	post_id TEXT NOT NULL REFERENCES online_posts (id) ON DELETE CASCADE,
	blob_id TEXT NOT NULL UNIQUE,
	filename TEXT NOT NULL,
	media_type TEXT NOT NULL,
	size INTEGER NOT NULL,
	sha256 TEXT NOT NULL,
	created_by TEXT NOT NULL,
	created_at TIMESTAMP NOT NULL
);
CREATE INDEX online_post_files_post ON online_post_files (post_id, created_at);
