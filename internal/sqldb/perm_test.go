package sqldb_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/kasuhara/kasuhara/internal/sqldb"
)

// TestSQLiteFilesArePrivate checks that the database, its WAL and shared
// memory files and a backup are readable by the owner only, and the data
// directory is the owner's only.
func TestSQLiteFilesArePrivate(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	db, err := sqldb.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(t.TempDir(), "copy.db")
	if err := db.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	want := map[string]fs.FileMode{
		dir:                                  0o700 | fs.ModeDir,
		filepath.Join(dir, sqldb.SQLiteFile): 0o600,
		filepath.Join(dir, sqldb.SQLiteFile+"-wal"): 0o600,
		filepath.Join(dir, sqldb.SQLiteFile+"-shm"): 0o600,
		backup: 0o600,
	}
	for path, mode := range want {
		fi, err := os.Stat(path)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if got := fi.Mode() & (fs.ModePerm | fs.ModeDir); got != mode {
			t.Errorf("%s has mode %v, want %v", filepath.Base(path), got, mode)
		}
	}
}

// TestSQLiteTightensLooseFiles checks that a database made by an older
// version with mode 0644 is made private when it is opened.
func TestSQLiteTightensLooseFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, sqldb.SQLiteFile)
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	db, err := sqldb.OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Fatalf("an existing database keeps mode %v, want 0600", got)
	}
}
