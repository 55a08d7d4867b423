package main

import (
	"context"
	"fmt"

	"github.com/kasuhara/kasuhara/internal/config"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/store"
)

func migrate(ctx context.Context, e env, args []string) error {
	cfg, _, err := parse(e, "migrate", config.Storage, args, nil)
	if err != nil {
		return err
	}
	db, err := sqldb.OpenWith(ctx, cfg.Database, cfg.Data, sqldb.Options{Committers: cfg.PGCommitters})
	if err != nil {
		return err
	}
	defer db.Close()
	applied, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	// The cases whose search index a migration queued for rebuilding.
	rebuilt, err := store.New(db).RebuildSearch(ctx)
	if err != nil {
		return err
	}
	if rebuilt > 0 {
		fmt.Fprintf(e.stdout, "Rebuilt the search index of %d case(s).\n", rebuilt)
	}
	if len(applied) == 0 {
		fmt.Fprintln(e.stdout, "The database schema is up to date.")
		return nil
	}
	fmt.Fprintf(e.stdout, "Applied %d migration(s): %v\n", len(applied), applied)
	return nil
}
