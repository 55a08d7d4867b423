package store

import (
	"slices"
	"testing"

	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

// TestStoredFileColumnsCoverSchema: every column of the schema named
// *blob_id is a stored file that StoredFiles lists, or bookkeeping about
// one. A migration that adds a table holding files fails here until the
// table is added to storedFileColumns: otherwise its files would be left
// out of backups and moves, and lost at the next key rotation.
func TestStoredFileColumnsCoverSchema(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		q := `SELECT table_name || '.' || column_name FROM information_schema.columns
			WHERE table_schema = current_schema() AND column_name LIKE '%blob_id' ORDER BY 1`
		if db.Engine == sqldb.SQLite {
			q = `SELECT m.name || '.' || c.name FROM sqlite_master m, pragma_table_info(m.name) c
				WHERE m.type = 'table' AND c.name LIKE '%blob_id' ORDER BY 1`
		}
		schema := testdb.Strings(t, db, q)
		if len(schema) < len(storedFileColumns) {
			t.Fatalf("the schema has %d blob columns: %v", len(schema), schema)
		}
		var covered []string
		for _, c := range storedFileColumns {
			covered = append(covered, c.table+"."+c.blobID)
		}
		covered = append(covered, bookkeepingBlobColumns...)
		for _, col := range schema {
			if !slices.Contains(covered, col) {
				t.Errorf("%s names a stored file that StoredFiles does not list: add it to storedFileColumns", col)
			}
		}
		for _, col := range covered {
			if !slices.Contains(schema, col) {
				t.Errorf("storedFileColumns names %s, which the schema does not have", col)
			}
		}
	})
}
