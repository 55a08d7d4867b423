package sqldb

import "database/sql"

// Waiting is how many callers of Tx wait for the committer.
func (db *DB) Waiting() int { return db.group.waiting() }

// Writer is the write pool, for tests of its settings.
func (db *DB) Writer() *sql.DB { return db.write }
