package store

import (
	"context"
	"database/sql"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/credential"
)

// anonymousActor is the audit actor of an anonymous reporter: no user, no
// address, nothing that identifies them.
var anonymousActor = kasuhara.Actor{Label: "anonymous"}

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
		return nil, "", kasuhara.Invalid(map[string]string{"org": kasuhara.MsgNoSuchOrg})
	} else if err != nil {
		return nil, "", wrap(op, err)
	}
	lookup, secret, display := credential.NewReceipt()
	hash, err := credential.HashPassword(secret, s.Params)
	if err != nil {
		return nil, "", wrap(op, err)
	}
	c := &kasuhara.Case{ID: newID(), OrgID: org.ID, Anonymous: true, State: kasuhara.StateNew, Urgent: r.Urgent(), Report: r,
		AcknowledgeBy: s.deadline(ctx, org.ID, now, "acknowledge"), FeedbackBy: s.deadline(ctx, org.ID, now, "feedback"), CreatedAt: now, UpdatedAt: now}
	v := kasuhara.CaseViewer{OrgID: org.ID}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.insertCase(ctx, tx, anonymousActor, c); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE cases SET receipt_lookup = $1, receipt_hash = $2 WHERE id = $3", lookup, hash, c.ID); err != nil {
			return err
		}
		for _, e := range evidence {
			if err := s.insertEvidence(ctx, tx, v, c, &e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, "", wrap(op, err)
	}
	return c, display, nil
}

// caseByReceipt finds the case of a receipt. An unknown lookup part costs
// the same hash as a wrong secret, so timing does not tell them apart.
func (s *Store) caseByReceipt(ctx context.Context, q queryer, receipt string) (*kasuhara.Case, error) {
	lookup, secret, ok := credential.ParseReceipt(receipt)
	if !ok {
		_, _ = credential.CheckPassword(s.dummy(), receipt)
		return nil, receiptNotFound()
	}
	var hash string
	c, err := scanCase(q.QueryRowContext(ctx, "SELECT "+caseColumns+", c.receipt_hash FROM cases c WHERE c.receipt_lookup = $1", lookup), &hash)
	if err == sql.ErrNoRows {
		_, _ = credential.CheckPassword(s.dummy(), secret)
		return nil, receiptNotFound()
	}
	if err != nil {
		return nil, err
	}
	if ok, err := credential.CheckPassword(hash, secret); err != nil || !ok {
		return nil, receiptNotFound()
	}
	return c, nil
}

// CaseByReceipt implements kasuhara.AnonymousService and audits the read.
func (s *Store) CaseByReceipt(ctx context.Context, receipt string) (*kasuhara.Case, error) {
	var c *kasuhara.Case
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		if c, err = s.caseByReceipt(ctx, tx, receipt); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: anonymousActor, orgID: c.OrgID, action: "case.read", objectType: "case", objectID: c.ID,
			detail: map[string]string{"part": "receipt"}})
	})
	return c, wrap("store.CaseByReceipt", err)
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
	err := s.tx(ctx, func(tx *sql.Tx) error {
		c, err := s.caseByReceipt(ctx, tx, receipt)
		if err != nil {
			return err
		}
		return s.insertMessage(ctx, tx, anonymousActor, c, m)
	})
	if err != nil {
		return nil, wrap("store.AddReceiptMessage", err)
	}
	return m, nil
}

// AddReceiptEvidence implements kasuhara.AnonymousService.
func (s *Store) AddReceiptEvidence(ctx context.Context, receipt string, e kasuhara.Evidence) (*kasuhara.Evidence, error) {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		c, err := s.caseByReceipt(ctx, tx, receipt)
		if err != nil {
			return err
		}
		return s.insertEvidence(ctx, tx, kasuhara.CaseViewer{OrgID: c.OrgID}, c, &e)
	})
	if err != nil {
		return nil, wrap("store.AddReceiptEvidence", err)
	}
	return &e, nil
}
