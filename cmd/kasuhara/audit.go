package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/config"
)

// errAuditBroken makes audit verify exit non-zero.
var errAuditBroken = errors.New("the audit trail does not verify")

// errRecordsTampered makes audit verify --records exit non-zero.
var errRecordsTampered = errors.New("records differ from their audited state")

func auditCmd(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || (args[0] != "verify" && args[0] != "baseline") {
		return usagef("audit: usage: kasuhara audit verify [--records] | kasuhara audit baseline")
	}
	var records bool
	own := func(fs *flag.FlagSet) {
		if args[0] == "verify" {
			fs.BoolVar(&records, "records", false, "also compare the records with the state their last audited change left")
		}
	}
	cfg, _, err := parse(e, "audit "+args[0], config.Storage, args[1:], own)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return err
	}
	db, st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if args[0] == "baseline" {
		n, err := st.BaselineRecords(ctx, kasuhara.CLIActor)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Recorded the present state of %d groups of records that had no audited state.\n", n)
		return nil
	}
	n, p, err := st.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	if p != nil {
		fmt.Fprintf(e.stdout, "BROKEN at entry %d: %s\n(%d entries before it verify)\n", p.Seq, p.Reason, n)
		return fmt.Errorf("%w: first broken entry %d", errAuditBroken, p.Seq)
	}
	fmt.Fprintf(e.stdout, "The audit trail is intact: %d entries.\n", n)
	if !records {
		return nil
	}
	check, err := st.VerifyRecords(ctx)
	if err != nil {
		return err
	}
	for _, sc := range check.Unaudited {
		fmt.Fprintf(e.stdout, "NOT YET AUDITED %s: no audited state (written before records were hashed; see kasuhara audit baseline)\n", sc)
	}
	for _, p := range check.Problems {
		fmt.Fprintf(e.stdout, "TAMPERED %s: %s (last audited state: entry %d)\n", p.Record, p.Reason, p.Seq)
	}
	if len(check.Problems) > 0 {
		return fmt.Errorf("%w: %d records", errRecordsTampered, len(check.Problems))
	}
	fmt.Fprintf(e.stdout, "The records match their audited state: %d groups checked, %d not yet audited.\n", check.Checked, len(check.Unaudited))
	return nil
}
