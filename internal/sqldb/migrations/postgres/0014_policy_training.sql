-- Policies (versioned, acknowledged), training courses, assignments,
-- attempts, reminders sent, lesson images and case studies.
CREATE TABLE policy_documents (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL REFERENCES orgs (id),
	kind TEXT NOT NULL CHECK (kind IN ('basic', 'internal')),
	group_wide BOOLEAN NOT NULL DEFAULT FALSE,
	created_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX policy_documents_one_basic ON policy_documents (org_id) WHERE kind = 'basic';
CREATE INDEX policy_documents_org ON policy_documents (org_id, created_at);

CREATE TABLE policy_versions (
	id TEXT PRIMARY KEY,
	document_id TEXT NOT NULL REFERENCES policy_documents (id),
	number INTEGER NOT NULL,
	title_ja TEXT NOT NULL,
	title_en TEXT NOT NULL DEFAULT '',
	body_ja TEXT NOT NULL,
	body_en TEXT NOT NULL DEFAULT '',
	created_by TEXT NOT NULL DEFAULT '',
	created_at TIMESTAMPTZ NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL,
	published_at TIMESTAMPTZ,
	UNIQUE (document_id, number)
);

CREATE TABLE policy_acks (
	version_id TEXT NOT NULL REFERENCES policy_versions (id),
	user_id TEXT NOT NULL REFERENCES users (id),
	org_id TEXT NOT NULL REFERENCES orgs (id),
	acknowledged_at TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (version_id, user_id)
);
CREATE INDEX policy_acks_user ON policy_acks (user_id);

CREATE TABLE courses (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL REFERENCES orgs (id),
	title_ja TEXT NOT NULL,
	title_en TEXT NOT NULL DEFAULT '',
	source_ja TEXT NOT NULL,
	source_en TEXT NOT NULL DEFAULT '',
	pass_mark INTEGER NOT NULL CHECK (pass_mark BETWEEN 1 AND 100),
	published BOOLEAN NOT NULL DEFAULT FALSE,
	created_at TIMESTAMPTZ NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX courses_org ON courses (org_id, created_at);

CREATE TABLE training_assignments (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL REFERENCES orgs (id),
	course_id TEXT NOT NULL REFERENCES courses (id),
	role TEXT NOT NULL DEFAULT '',
	department_id TEXT REFERENCES departments (id),
	first_due TEXT NOT NULL,
	every_months INTEGER NOT NULL DEFAULT 0,
	created_by TEXT NOT NULL DEFAULT '',
	created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX training_assignments_org ON training_assignments (org_id, course_id);

CREATE TABLE training_attempts (
	id TEXT PRIMARY KEY,
	course_id TEXT NOT NULL REFERENCES courses (id),
	user_id TEXT NOT NULL REFERENCES users (id),
	org_id TEXT NOT NULL REFERENCES orgs (id),
	lang TEXT NOT NULL,
	score INTEGER NOT NULL,
	passed BOOLEAN NOT NULL,
	created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX training_attempts_user ON training_attempts (user_id, course_id, created_at);
CREATE INDEX training_attempts_passes ON training_attempts (org_id, course_id, passed, user_id);

CREATE TABLE training_reminders (
	assignment_id TEXT NOT NULL REFERENCES training_assignments (id) ON DELETE CASCADE,
	user_id TEXT NOT NULL REFERENCES users (id),
	due TEXT NOT NULL,
	stage TEXT NOT NULL,
	sent_at TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (assignment_id, user_id, due, stage)
);

CREATE TABLE training_images (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL REFERENCES orgs (id),
	content_type TEXT NOT NULL,
	data BYTEA NOT NULL,
	created_by TEXT NOT NULL DEFAULT '',
	created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE case_studies (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL REFERENCES orgs (id),
	case_id TEXT REFERENCES cases (id) ON DELETE SET NULL,
	title TEXT NOT NULL,
	body TEXT NOT NULL,
	created_by TEXT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX case_studies_org ON case_studies (org_id, created_at DESC);
