package sqldb

import "database/sql"

// Waiting is how many callers of Tx wait for the committer.
func (db *DB) Waiting() int { return db.group.waiting() }

// Writer is the write pool, for tests of its settings.
func (db *DB) Writer() *sql.DB { return db.write }

// OneCommitter makes the committer run one batch at a time, as on SQLite,
// for the tests of what a batch shares: the committer is replaced by one
// with a single worker. Nothing may be waiting for it.
func (db *DB) OneCommitter() {
	if db.group.workers == 1 {
		return
	}
	db.group.stop()
	db.group = newCommitter(db.write, db.Engine, 1)
}
