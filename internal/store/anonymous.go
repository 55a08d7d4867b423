package store

import (
	"context"
	"database/sql"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/credential"
	"github.com/kasuhara/kasuhara/internal/sqldb"
)

// anonymousActor is an anonymous reporter to orgID as the audit trail
// records them: no user, no address, nothing that identifies them.
func anonymousActor(orgID string) kasuhara.Actor {
	return kasuhara.Actor{OrgID: orgID, Label: "anonymous"}
}

func receiptNotFound() error {
	return &kasuhara.Error{Code: kasuhara.ENOTFOUND, Message: "no report has this receipt"}
}

// FileAnonymousReport implements kasuhara.AnonymousService.
func (s *Store) FileAnonymousReport(ctx context.Context, orgSlug string, r kasuhara.Report, evidence ...kasuhara.Evidence) (*kasuhara.Case, string, error) {
	const op = "store.FileAnonymousReport"
	r.Normalize()
	now := s.now()
	// The reporter's department could identify them in a small team: an
	// anonymous report carries none.
	r.DepartmentID = ""
	if err := r.Validate(now); err != nil {
		return nil, "", err
	}
	org, err := s.OrgBySlug(ctx, orgSlug)
	if kasuhara.ErrorCode(err) == kasuhara.ENOTFOUND {
		return nil, "", kasuhara.InvalidField("org", kasuhara.FieldNoSuchOrg)
	} else if err != nil {
		return nil, "", wrap(op, err)
	}
	var c *kasuhara.Case
	var display string
	// The settings kept by the store, checked by the case's INSERT (guarded):
	// a channel switched off meanwhile is seen on the second attempt. A
	// refusal is decided on the settings read anew, never on kept ones.
	err = s.guarded(ctx, org.ID, func(st *kasuhara.OrgSettings, guard int64) error {
		if !st.AnonymousChannel && guard != noGuard {
			return errSettingsChanged
		}
		if !st.AnonymousChannel {
			return &kasuhara.Error{Code: kasuhara.EFORBIDDEN, Op: op, Message: "this organisation receives named reports only", Err: kasuhara.ErrAnonymousOff}
		}
		ack, feedback := clocksOf(st, now)
		var lookup, secret string
		lookup, secret, display = credential.NewReceipt()
		hash := credential.ReceiptDigest(lookup, secret)
		c = &kasuhara.Case{ID: newID(), OrgID: org.ID, Anonymous: true, HeldForReview: r.HeldForReview, State: kasuhara.StateNew, Urgent: r.Urgent(), Report: r,
			AcknowledgeBy: ack, FeedbackBy: feedback, CreatedAt: now, UpdatedAt: now}
		v := anonymousActor(org.ID)
		return s.tx(ctx, func(tx *sqldb.Tx) error {
			// The receipt is written with the case: without evidence, the
			// case's record state is computed, not read back.
			if err := s.insertCaseReceipt(ctx, tx, v, c, len(evidence) == 0, receipt{lookup: lookup, hash: hash}, guard); err != nil {
				return err
			}
			for _, e := range evidence {
				if err := s.insertEvidence(ctx, tx, v, c, &e); err != nil {
					return err
				}
			}
			return nil
		})
	})
	if err != nil {
		return nil, "", wrap(op, err)
	}
	return c, display, nil
}

// caseByReceipt finds the case of a receipt.
func (s *Store) caseByReceipt(ctx context.Context, q queryer, receipt string) (*kasuhara.Case, error) {
	lookup, secret, ok := credential.ParseReceipt(receipt)
	if !ok {
		return nil, receiptNotFound()
	}
	var hash string
	c, err := scanCase(q.QueryRowContext(ctx, "SELECT "+caseColumns+", c.receipt_hash FROM cases c WHERE c.receipt_lookup = $1", lookup), &hash)
	if err == sql.ErrNoRows {
		c = nil
	} else if err != nil {
		return nil, err
	}
	if err := s.checkReceipt(ctx, c, hash, lookup, secret); err != nil {
		return nil, err
	}
	return c, nil
}

// checkReceipt checks the secret part of a receipt against the hash kept
// for case c, found by the receipt's lookup part (nil: none was, and the
// check costs the same work as a wrong secret). A receipt kept the way of
// an earlier release (argon2id) is kept again as a digest once it matches.
func (s *Store) checkReceipt(ctx context.Context, c *kasuhara.Case, hash, lookup, secret string) error {
	if c == nil {
		credential.CheckReceipt(credential.ReceiptDigest("", ""), lookup, secret) // the same work as a wrong secret
		return receiptNotFound()
	}
	ok, rehash := credential.CheckReceipt(hash, lookup, secret)
	if !ok {
		return receiptNotFound()
	}
	if rehash {
		// Best effort, like a token's last use: the next check tries again.
		tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), tokenTouchWait)
		defer cancel()
		_ = s.db.Bookkeeping(tctx, func(tx *sqldb.Tx) error {
			res, err := tx.ExecContext(tctx, "UPDATE cases SET receipt_hash = $1 WHERE id = $2 AND receipt_hash = $3",
				credential.ReceiptDigest(lookup, secret), c.ID, hash)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil
			}
			// The case's record carries its receipt hash (records.go):
			// the change is audited so that audit verify --records agrees.
			return s.appendAudit(tctx, tx, change{actor: kasuhara.SystemActor, orgID: c.OrgID, action: "case.receipt_rehash",
				objectType: "case", objectID: c.ID})
		})
	}
	return nil
}

// auditReceiptRead records that the holder of case c's receipt read it.
func (s *Store) auditReceiptRead(ctx context.Context, c *kasuhara.Case) error {
	return s.tx(ctx, func(tx *sqldb.Tx) error {
		return s.appendAudit(ctx, tx, change{actor: anonymousActor(c.OrgID), orgID: c.OrgID, action: "case.read", objectType: "case", objectID: c.ID,
			detail: map[string]string{"part": "receipt"}})
	})
}

// CaseByReceipt implements kasuhara.AnonymousService and audits the read.
func (s *Store) CaseByReceipt(ctx context.Context, receipt string) (*kasuhara.Case, error) {
	c, err := s.caseByReceipt(ctx, s.db.Read, receipt)
	if err != nil {
		return nil, wrap("store.CaseByReceipt", err)
	}
	return c, wrap("store.CaseByReceipt", s.auditReceiptRead(ctx, c))
}

// receiptStatusQuery is what a status check reads, in one statement (issue
// 21): the case's status as its reporter sees it and the hash of its
// receipt, once for each of its messages (none: once, the message's columns
// NULL), oldest first. On SQLite the times are read as text (dbTime).
var receiptStatusQuery = func() map[sqldb.Engine]string {
	q := func(t func(string) string) string {
		return `SELECT c.id, c.org_id, c.ref, c.state, ` + t("c.acknowledge_by") + `, ` + t("c.feedback_by") + `, c.receipt_hash,
			m.id, m.author_id, m.from_reporter, m.body, ` + t("m.created_at") + `
			FROM cases c LEFT JOIN case_messages m ON m.case_id = c.id
			WHERE c.receipt_lookup = $1 ORDER BY m.created_at, m.id`
	}
	return map[sqldb.Engine]string{
		sqldb.SQLite:   q(func(col string) string { return "CAST(" + col + " AS TEXT)" }),
		sqldb.Postgres: q(func(col string) string { return col }),
	}
}()

// ReceiptStatus implements kasuhara.AnonymousService: the receipt is
// checked once, and the case and its messages are read in one statement.
func (s *Store) ReceiptStatus(ctx context.Context, receipt string) (*kasuhara.Case, []kasuhara.Message, error) {
	const op = "store.ReceiptStatus"
	lookup, secret, ok := credential.ParseReceipt(receipt)
	if !ok {
		return nil, nil, wrap(op, receiptNotFound())
	}
	c, hash, ms, err := s.receiptStatus(ctx, lookup)
	if err != nil {
		return nil, nil, wrap(op, err)
	}
	if err := s.checkReceipt(ctx, c, hash, lookup, secret); err != nil {
		return nil, nil, wrap(op, err)
	}
	if err := s.auditReceiptRead(ctx, c); err != nil {
		return nil, nil, wrap(op, err)
	}
	return c, ms, nil
}

// receiptStatus reads receiptStatusQuery for a receipt's lookup part: the
// case (nil if none has it), its receipt's hash and its messages.
func (s *Store) receiptStatus(ctx context.Context, lookup string) (*kasuhara.Case, string, []kasuhara.Message, error) {
	rows, err := s.db.Read.QueryContext(ctx, receiptStatusQuery[s.db.Engine], lookup)
	if err != nil {
		return nil, "", nil, err
	}
	defer rows.Close()
	var c *kasuhara.Case
	var hash string
	var ms []kasuhara.Message
	for rows.Next() {
		var row kasuhara.Case
		var ack, feedback, at dbTime
		var id, author, body sql.NullString
		var fromReporter sql.NullBool
		if err := rows.Scan(&row.ID, &row.OrgID, &row.Ref, &row.State, &ack, &feedback, &hash,
			&id, &author, &fromReporter, &body, &at); err != nil {
			return nil, "", nil, err
		}
		if c == nil {
			row.AcknowledgeBy, row.FeedbackBy = ack.T, feedback.T
			c = &row
		}
		if id.Valid {
			ms = append(ms, kasuhara.Message{ID: id.String, CaseID: c.ID, AuthorID: author.String, FromReporter: fromReporter.Bool, Body: body.String, CreatedAt: at.T})
		}
	}
	return c, hash, ms, rows.Err()
}

// receiptCaseTx is the case of receipt, read again inside tx. The receipt
// is checked before, outside the transaction: a receipt kept the way of an
// earlier release (argon2id) takes tens of milliseconds to check, and
// inside a write transaction it would hold the single writer that long.
func (s *Store) receiptCaseTx(ctx context.Context, tx *sqldb.Tx, checked *kasuhara.Case) (*kasuhara.Case, error) {
	c, err := scanCase(tx.QueryRowContext(ctx, "SELECT "+caseColumns+" FROM cases c WHERE c.id = $1", checked.ID))
	if err == sql.ErrNoRows {
		return nil, receiptNotFound() // purged meanwhile
	}
	return c, err
}

// ReceiptMessages implements kasuhara.AnonymousService.
func (s *Store) ReceiptMessages(ctx context.Context, receipt string) ([]kasuhara.Message, error) {
	c, err := s.caseByReceipt(ctx, s.db.Read, receipt)
	if err != nil {
		return nil, wrap("store.ReceiptMessages", err)
	}
	return s.messages(ctx, s.db.Read, c.ID)
}

// AddReceiptMessage implements kasuhara.AnonymousService.
func (s *Store) AddReceiptMessage(ctx context.Context, receipt, body string) (*kasuhara.Message, error) {
	if err := checkMessage(body); err != nil {
		return nil, err
	}
	m := &kasuhara.Message{FromReporter: true, Body: body}
	err := s.receiptChange(ctx, receipt, func(tx *sqldb.Tx, c *kasuhara.Case) error {
		return s.insertMessage(ctx, tx, anonymousActor(c.OrgID), c, m)
	})
	if err != nil {
		return nil, wrap("store.AddReceiptMessage", err)
	}
	return m, nil
}

// receiptChange runs fn in one transaction on the case of receipt, read
// before (caseByReceipt, which checks the receipt) and again inside it
// (receiptCaseTx).
func (s *Store) receiptChange(ctx context.Context, receipt string, fn func(tx *sqldb.Tx, c *kasuhara.Case) error) error {
	checked, err := s.caseByReceipt(ctx, s.db.Read, receipt)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sqldb.Tx) error {
		c, err := s.receiptCaseTx(ctx, tx, checked)
		if err != nil {
			return err
		}
		return fn(tx, c)
	})
}

// AddReceiptEvidence implements kasuhara.AnonymousService.
func (s *Store) AddReceiptEvidence(ctx context.Context, receipt string, e kasuhara.Evidence) (*kasuhara.Evidence, error) {
	err := s.receiptChange(ctx, receipt, func(tx *sqldb.Tx, c *kasuhara.Case) error {
		return s.insertEvidence(ctx, tx, anonymousActor(c.OrgID), c, &e)
	})
	if err != nil {
		return nil, wrap("store.AddReceiptEvidence", err)
	}
	return &e, nil
}
