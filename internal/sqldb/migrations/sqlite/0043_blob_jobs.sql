-- Issue 24: the long runs over every evidence file — moving them between
-- the local disk and an S3-compatible bucket (kasuhara blob migrate) and
-- re-encrypting them to a new key (kasuhara key rotate) — keep their
-- progress here, so that a run interrupted at any point (a kill, a reboot)
-- continues where it stopped, and so that kasuhara key status shows it.
-- job names the run: "move s3://bucket/prefix" or "rotate age1…" (a public
-- key); blob_job_files the files done, removed when the run finishes.
CREATE TABLE blob_jobs (
	job TEXT PRIMARY KEY,
	kind TEXT NOT NULL CHECK (kind IN ('move', 'rotate')),
	started_at TIMESTAMP NOT NULL,
	finished_at TIMESTAMP,
	total INTEGER NOT NULL DEFAULT 0,
	done INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE blob_job_files (
	job TEXT NOT NULL REFERENCES blob_jobs (job) ON DELETE CASCADE,
	blob_id TEXT NOT NULL,
	PRIMARY KEY (job, blob_id)
);
