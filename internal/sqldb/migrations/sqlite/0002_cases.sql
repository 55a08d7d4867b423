-- Reports and their cases, the timeline, assessments, tasks, care actions,
-- evidence records, exclusions and the search index.
CREATE TABLE case_counters (
	org_id TEXT NOT NULL REFERENCES orgs (id),
	year INTEGER NOT NULL,
	next INTEGER NOT NULL,
	PRIMARY KEY (org_id, year)
);

CREATE TABLE cases (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL REFERENCES orgs (id),
	ref TEXT NOT NULL,
	reporter_id TEXT REFERENCES users (id),
	department_id TEXT REFERENCES departments (id),
	state TEXT NOT NULL CHECK (state IN ('new', 'acknowledged', 'in_progress', 'resolved', 'closed')),
	urgent BOOLEAN NOT NULL DEFAULT FALSE,
	consultation BOOLEAN NOT NULL DEFAULT FALSE,
	occurred_at TIMESTAMP NOT NULL,
	duration_minutes INTEGER NOT NULL DEFAULT 0,
	channel TEXT NOT NULL,
	location TEXT NOT NULL DEFAULT '',
	categories TEXT NOT NULL DEFAULT '',
	subtypes TEXT NOT NULL DEFAULT '',
	request_content TEXT NOT NULL DEFAULT '',
	conduct TEXT NOT NULL,
	harm TEXT NOT NULL DEFAULT '',
	wishes TEXT NOT NULL DEFAULT '',
	danger_ongoing BOOLEAN NOT NULL DEFAULT FALSE,
	witnesses TEXT NOT NULL DEFAULT '',
	customer_name TEXT NOT NULL DEFAULT '',
	customer_name_kana TEXT NOT NULL DEFAULT '',
	customer_phone TEXT NOT NULL DEFAULT '',
	customer_email TEXT NOT NULL DEFAULT '',
	customer_account TEXT NOT NULL DEFAULT '',
	customer_sns TEXT NOT NULL DEFAULT '',
	assignee_id TEXT REFERENCES users (id),
	second_id TEXT REFERENCES users (id),
	verdict TEXT NOT NULL DEFAULT '',
	acknowledge_by TIMESTAMP NOT NULL,
	feedback_by TIMESTAMP NOT NULL,
	acknowledged_at TIMESTAMP,
	resolved_at TIMESTAMP,
	closed_at TIMESTAMP,
	created_at TIMESTAMP NOT NULL,
	updated_at TIMESTAMP NOT NULL,
	UNIQUE (org_id, ref)
);
-- The desk's queue: an organisation's cases newest first, filtered by state,
-- department or handler; keyset pagination on (created_at, id).
CREATE INDEX cases_org_created ON cases (org_id, created_at DESC, id DESC);
CREATE INDEX cases_org_state_created ON cases (org_id, state, created_at DESC, id DESC);
CREATE INDEX cases_org_department_created ON cases (org_id, department_id, created_at DESC, id DESC);
CREATE INDEX cases_org_assignee_created ON cases (org_id, assignee_id, created_at DESC, id DESC);
CREATE INDEX cases_reporter_created ON cases (reporter_id, created_at DESC, id DESC);

CREATE TABLE case_categories (
	case_id TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
	category TEXT NOT NULL,
	PRIMARY KEY (case_id, category)
);
CREATE INDEX case_categories_category ON case_categories (category, case_id);

CREATE TABLE case_events (
	id TEXT PRIMARY KEY,
	case_id TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
	at TIMESTAMP NOT NULL,
	actor_id TEXT NOT NULL DEFAULT '',
	kind TEXT NOT NULL,
	body TEXT NOT NULL DEFAULT '',
	data TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX case_events_case ON case_events (case_id, at, id);

CREATE TABLE assessments (
	id TEXT PRIMARY KEY,
	case_id TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
	assessor_id TEXT NOT NULL REFERENCES users (id),
	request TEXT NOT NULL,
	manner TEXT NOT NULL,
	manner_reasons TEXT NOT NULL DEFAULT '',
	environment_impaired BOOLEAN NOT NULL,
	environment_how TEXT NOT NULL DEFAULT '',
	accommodation_request BOOLEAN NOT NULL,
	verdict TEXT NOT NULL,
	rationale TEXT NOT NULL,
	created_at TIMESTAMP NOT NULL
);
CREATE INDEX assessments_case ON assessments (case_id, created_at);

CREATE TABLE case_tasks (
	id TEXT PRIMARY KEY,
	case_id TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
	key TEXT NOT NULL DEFAULT '',
	title TEXT NOT NULL DEFAULT '',
	position INTEGER NOT NULL,
	done_at TIMESTAMP,
	done_by TEXT NOT NULL DEFAULT '',
	created_at TIMESTAMP NOT NULL
);
CREATE INDEX case_tasks_case ON case_tasks (case_id, position);

CREATE TABLE care_actions (
	id TEXT PRIMARY KEY,
	case_id TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
	kind TEXT NOT NULL,
	due_on TIMESTAMP,
	note TEXT NOT NULL DEFAULT '',
	done_at TIMESTAMP,
	done_by TEXT NOT NULL DEFAULT '',
	created_by TEXT NOT NULL,
	created_at TIMESTAMP NOT NULL
);
CREATE INDEX care_actions_case ON care_actions (case_id, created_at);

CREATE TABLE evidence (
	id TEXT PRIMARY KEY,
	case_id TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
	blob_id TEXT NOT NULL UNIQUE,
	filename TEXT NOT NULL,
	media_type TEXT NOT NULL,
	size INTEGER NOT NULL,
	sha256 TEXT NOT NULL,
	uploaded_by TEXT NOT NULL DEFAULT '',
	uploaded_at TIMESTAMP NOT NULL
);
CREATE INDEX evidence_case ON evidence (case_id, uploaded_at);

-- People implicated in a case, who must not see it.
CREATE TABLE case_exclusions (
	case_id TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
	user_id TEXT NOT NULL REFERENCES users (id),
	PRIMARY KEY (case_id, user_id)
);
CREATE INDEX case_exclusions_user ON case_exclusions (user_id, case_id);

-- Full-text search over bigram tokens (internal/search).
CREATE VIRTUAL TABLE case_search USING fts5 (case_id UNINDEXED, tokens, tokenize = 'unicode61');
