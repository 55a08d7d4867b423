-- The idempotency keys of requests that create something (issue 18): a
-- report form submitted twice, or an API request retried, files once. Only
-- a digest of the key is kept; result is what the first request created
-- (a case id, or the anonymous receipt encrypted with the key itself).
-- Keys are forgotten after a day.
CREATE TABLE idempotency_keys (
	scope TEXT NOT NULL,
	key_hash TEXT NOT NULL,
	request_hash TEXT NOT NULL,
	result TEXT NOT NULL DEFAULT '',
	created_at TIMESTAMP NOT NULL,
	PRIMARY KEY (scope, key_hash)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
