package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/kasuhara/kasuhara/internal/config"
	"github.com/kasuhara/kasuhara/internal/demo"
	"github.com/kasuhara/kasuhara/internal/store"
)

// demoCmd fills the database with the demo group and, with --cases N,
// N generated cases for load and scale tests.
func demoCmd(ctx context.Context, e env, args []string) error {
	var cases int
	var org string
	var seed uint64
	cfg, _, err := parse(e, "demo", config.Storage, args, func(fs *flag.FlagSet) {
		fs.IntVar(&cases, "cases", 0, "add this many generated cases (Japanese and English, over three years)")
		fs.StringVar(&org, "org", "demo-retail", "the organisation the generated cases belong to")
		fs.Uint64Var(&seed, "seed", 1, "the seed of the generated cases (the same seed gives the same cases)")
	})
	if err != nil {
		return err
	}
	if cases < 0 || cases > 10_000_000 {
		return usagef("demo: --cases must be between 0 and 10000000")
	}
	return withStore(ctx, cfg, true, func(st *store.Store) error {
		if err := demo.Seed(ctx, st, e.stdout); err != nil {
			return cliError("demo", err)
		}
		if cases > 0 {
			start := time.Now()
			fmt.Fprintf(e.stdout, "Generating %d cases in %s:\n", cases, org)
			if err := demo.Cases(ctx, st, org, cases, seed, e.stdout); err != nil {
				return cliError("demo", err)
			}
			fmt.Fprintf(e.stdout, "Generated %d cases in %s.\n", cases, time.Since(start).Round(time.Second))
		}
		return nil
	})
}
