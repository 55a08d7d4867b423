package main

import (
	"context"
	"fmt"

	"github.com/kasuhara/kasuhara/internal/config"
	"github.com/kasuhara/kasuhara/internal/sqldb"
)

// backup writes a consistent copy of the SQLite database while the server
// may be running. PostgreSQL is backed up with pg_dump.
func backup(ctx context.Context, e env, args []string) error {
	cfg, fs, err := parseWithArgs(e, "backup", config.Storage, args)
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("backup: usage: kasuhara backup FILE")
	}
	db, _, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if db.Engine != sqldb.SQLite {
		return usagef("backup: the database is PostgreSQL: back it up with pg_dump (see docs/operations.md)")
	}
	if err := db.Backup(ctx, fs.Arg(0)); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Wrote a consistent copy of the database to %s.\n", fs.Arg(0))
	return nil
}
