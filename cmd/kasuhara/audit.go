package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/kasuhara/kasuhara/internal/config"
)

// errAuditBroken makes audit verify exit non-zero.
var errAuditBroken = errors.New("the audit trail does not verify")

func auditCmd(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		return usagef("audit: usage: kasuhara audit verify")
	}
	cfg, _, err := parse(e, "audit verify", config.Storage, args[1:], nil)
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
	n, p, err := st.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	if p != nil {
		fmt.Fprintf(e.stdout, "BROKEN at entry %d: %s\n(%d entries before it verify)\n", p.Seq, p.Reason, n)
		return fmt.Errorf("%w: first broken entry %d", errAuditBroken, p.Seq)
	}
	fmt.Fprintf(e.stdout, "The audit trail is intact: %d entries.\n", n)
	return nil
}
