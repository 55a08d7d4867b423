package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/audit"
	"github.com/kasuhara/kasuhara/internal/config"
	"github.com/kasuhara/kasuhara/internal/jobs"
	"github.com/kasuhara/kasuhara/internal/notify"
	"github.com/kasuhara/kasuhara/internal/store"
)

// errAuditBroken makes audit verify exit non-zero.
var errAuditBroken = errors.New("the audit trail does not verify")

// errRecordsTampered makes audit verify --records exit non-zero.
var errRecordsTampered = errors.New("records differ from their audited state")

func auditCmd(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || (args[0] != "verify" && args[0] != "baseline" && args[0] != "anchor") {
		return usagef("audit: usage: kasuhara audit verify [--records] [--anchor FILE] | kasuhara audit baseline | kasuhara audit anchor --out FILE")
	}
	var records bool
	var anchorFile, out string
	own := func(fs *flag.FlagSet) {
		switch args[0] {
		case "verify":
			fs.BoolVar(&records, "records", false, "also compare the records with the state their last audited change left")
			fs.StringVar(&anchorFile, "anchor", "", "a file of signed heads (serve --audit-anchor, audit anchor): the chain must reach the newest of them")
		case "anchor":
			fs.StringVar(&out, "out", "", "file to append the signed head of the chain to")
		}
	}
	cfg, _, err := parse(e, "audit "+args[0], config.Storage, args[1:], own)
	if err != nil {
		return err
	}
	return withStore(ctx, cfg, false, func(st *store.Store) error {
		if args[0] == "anchor" {
			if out == "" {
				return usagef("audit anchor: --out is required")
			}
			seq, hash, err := st.AuditHead(ctx)
			if err != nil {
				return err
			}
			cfg.AuditAnchor = out
			if err := anchorDelivery(cfg, st)(ctx, seq, hash, time.Now()); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "Anchored the head of the audit trail, entry %d, in %s.\n", seq, out)
			return nil
		}
		if args[0] == "baseline" {
			n, err := st.BaselineRecords(ctx, kasuhara.CLIActor)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "Recorded the present state of %d groups of records that had no audited state, or one without the columns added since.\n", n)
			return nil
		}
		n, p, err := st.VerifyAudit(ctx)
		if err != nil {
			return err
		}
		// The compliance page shows when the trail was last verified.
		if err := st.RecordAuditVerification(ctx, n, p == nil); err != nil {
			return err
		}
		if p != nil {
			fmt.Fprintf(e.stdout, "BROKEN at entry %d: %s\n(%d entries before it verify)\n", p.Seq, p.Reason, n)
			return fmt.Errorf("%w: first broken entry %d", errAuditBroken, p.Seq)
		}
		fmt.Fprintf(e.stdout, "The audit trail is intact: %d entries.\n", n)
		if anchorFile != "" {
			if err := checkAnchor(ctx, e, st, cfg, anchorFile); err != nil {
				return err
			}
		}
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
		for _, sc := range check.Older {
			fmt.Fprintf(e.stdout, "OLDER COLUMNS %s: its audited state was recorded before columns added since; those are compared after its next change or kasuhara audit baseline\n", sc)
		}
		for _, p := range check.Problems {
			fmt.Fprintf(e.stdout, "TAMPERED %s: %s (last audited state: entry %d)\n", p.Record, p.Reason, p.Seq)
		}
		if len(check.Problems) > 0 {
			return fmt.Errorf("%w: %d records", errRecordsTampered, len(check.Problems))
		}
		fmt.Fprintf(e.stdout, "The records match their audited state: %d groups checked, %d not yet audited, %d audited by older columns.\n",
			check.Checked, len(check.Unaudited), len(check.Older))
		return nil
	})
}

// checkAnchor compares the chain with the newest anchor of file, signed by
// the data directory's key.
func checkAnchor(ctx context.Context, e env, st kasuhara.AuditService, cfg *config.Config, file string) error {
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("audit verify: --anchor: %w", err)
	}
	defer f.Close()
	anchors, err := audit.ReadAnchors(f)
	if err != nil {
		return fmt.Errorf("audit verify: --anchor %s: %w", file, err)
	}
	if len(anchors) == 0 {
		return fmt.Errorf("audit verify: --anchor %s holds no anchor", file)
	}
	a := anchors[len(anchors)-1]
	key, err := audit.LoadAnchorKey(cfg.Data, false)
	if err != nil {
		return fmt.Errorf("audit verify: --anchor needs the key that signed it (%s in --data): %w", audit.AnchorKeyFile, err)
	}
	if err := a.Check(key.Public().(ed25519.PublicKey)); err != nil {
		fmt.Fprintf(e.stdout, "ANCHOR REFUSED: %v\n", err)
		return fmt.Errorf("%w: %v", errAuditBroken, err)
	}
	p, err := st.CheckAnchor(ctx, a.Seq, a.Hash)
	if err != nil {
		return err
	}
	if p != nil {
		fmt.Fprintf(e.stdout, "BROKEN against the anchor of %s: %s\n", a.At.Format(time.RFC3339), p.Reason)
		return fmt.Errorf("%w: %s", errAuditBroken, p.Reason)
	}
	fmt.Fprintf(e.stdout, "The audit trail reaches the anchored head of %s (entry %d).\n", a.At.Format(time.RFC3339), a.Seq)
	return nil
}

// anchorDelivery signs the head, appends it to --audit-anchor (when set)
// and enqueues its mail to --audit-anchor-mail and its POST to
// --audit-anchor-webhook, each a job of its own that retries alone.
func anchorDelivery(cfg *config.Config, st *store.Store) func(ctx context.Context, seq int64, hash string, at time.Time) error {
	return func(ctx context.Context, seq int64, hash string, at time.Time) error {
		key, err := audit.LoadAnchorKey(cfg.Data, true)
		if err != nil {
			return err
		}
		a := audit.SignAnchor(key, seq, hash, at)
		if cfg.AuditAnchor != "" {
			if err := audit.AppendAnchor(cfg.AuditAnchor, a); err != nil {
				return err
			}
		}
		line := json.RawMessage(bytes.TrimSpace(a.Line()))
		id := fmt.Sprintf("%d:%s", seq, a.At.Format(time.RFC3339Nano))
		var js []jobs.Job
		if len(cfg.AuditAnchorMail) > 0 {
			js = append(js, jobs.Job{Kind: notify.KindAnchorMail, Payload: notify.AnchorJob{Anchor: line}, DedupeKey: "anchor:mail:" + id})
		}
		if cfg.AuditAnchorWebhook != "" {
			js = append(js, jobs.Job{Kind: notify.KindAnchorWebhook, Payload: notify.AnchorJob{Anchor: line}, DedupeKey: "anchor:webhook:" + id})
		}
		return st.Enqueue(ctx, js...)
	}
}
