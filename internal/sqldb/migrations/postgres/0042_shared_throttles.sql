-- Issue 24: the throttles (sign-in, wrong receipts, anonymous filing,
-- customer look-ups) shared by every server on the database, so that
-- several servers behind a load balancer count as one. One row per
-- failure, as the in-process limiter keeps one time per failure: the same
-- sliding window. key_hash is an HMAC of the key (an address, an e-mail
-- address) with a key kept outside the database (DATA/keys/throttle.key),
-- never the key itself. Rows older than their window are swept.
CREATE TABLE throttle_failures (
	limiter TEXT NOT NULL,
	key_hash TEXT NOT NULL,
	at TIMESTAMPTZ NOT NULL
);
CREATE INDEX throttle_failures_key ON throttle_failures (limiter, key_hash, at);
CREATE INDEX throttle_failures_at ON throttle_failures (limiter, at);
-- The pairs of account and address that signed in lately (whose owner the
-- slow-down of an account spares), as HMACs, for their time to live.
CREATE TABLE throttle_known (
	limiter TEXT NOT NULL,
	key_hash TEXT NOT NULL,
	at TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (limiter, key_hash)
);
CREATE INDEX throttle_known_at ON throttle_known (at);
