package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/kasuhara/kasuhara/internal/config"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/store"
)

// backup writes a consistent copy of the SQLite database while the server
// may be running, and records when (the administrator's setup checklist
// shows it). PostgreSQL is backed up with pg_dump; --mark records such a
// backup without writing one.
func backup(ctx context.Context, e env, args []string) error {
	var mark bool
	cfg, fs, err := parseFlags(e, "backup", config.Storage, args, func(fs *flag.FlagSet) {
		fs.BoolVar(&mark, "mark", false, "record that a backup was taken now by other means (pg_dump), writing none")
	}, true)
	if err != nil {
		return err
	}
	if mark != (fs.NArg() == 0) || fs.NArg() > 1 {
		return usagef("backup: usage: kasuhara backup FILE, or kasuhara backup --mark after a pg_dump")
	}
	db, st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if mark {
		if err := st.RecordBackup(ctx, store.BackupExternal); err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, "Recorded a backup taken now.")
		return nil
	}
	if db.Engine != sqldb.SQLite {
		return usagef("backup: the database is PostgreSQL: back it up with pg_dump, then record it with kasuhara backup --mark (see docs/operations.md)")
	}
	if err := db.Backup(ctx, fs.Arg(0)); err != nil {
		return err
	}
	if err := st.RecordBackup(ctx, store.BackupCopy); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Wrote a consistent copy of the database to %s.\n", fs.Arg(0))
	return nil
}
