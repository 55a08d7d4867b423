package store

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
	"github.com/kasuhara/kasuhara/internal/sqldb"
)

var _ kasuhara.ReferralService = (*Store)(nil)

// Referrals implements kasuhara.ReferralService.
func (s *Store) Referrals(ctx context.Context, v kasuhara.Actor, caseID string) ([]kasuhara.Referral, error) {
	if _, _, err := s.caseFor(ctx, s.db.Read, v, caseID, access.CaseHandler); err != nil {
		return nil, err
	}
	return list(ctx, s.db.Read, "referrals", func(sc scanner) (r kasuhara.Referral, err error) {
		err = sc.Scan(&r.ID, &r.CaseID, &r.Kind, &r.Organisation, &r.Contact, &r.Reference, &r.Note, &r.Outcome, &r.ReferredAt, &r.CreatedBy, &r.CreatedAt)
		r.ReferredAt, r.CreatedAt = r.ReferredAt.UTC(), r.CreatedAt.UTC()
		return r, err
	}, `SELECT id, case_id, kind, organisation, contact, reference, note, outcome, referred_at, created_by, created_at
		FROM referrals WHERE case_id = $1 ORDER BY referred_at, id`, caseID)
}

func shortText(f kasuhara.FieldErrors, field, v string, required bool) {
	switch {
	case required && strings.TrimSpace(v) == "":
		f.Add(field, kasuhara.FieldRequired)
	case utf8.RuneCountInString(v) > kasuhara.MaxShortText:
		f.Add(field, kasuhara.FieldTooLong)
	}
}

// AddReferral implements kasuhara.ReferralService.
func (s *Store) AddReferral(ctx context.Context, v kasuhara.Actor, caseID string, r kasuhara.Referral) (*kasuhara.Referral, error) {
	f := kasuhara.FieldErrors{}
	if !slices.Contains(kasuhara.ReferralKinds, r.Kind) {
		f.Add("kind", kasuhara.FieldChoice)
	}
	shortText(f, "organisation", r.Organisation, true)
	shortText(f, "contact", r.Contact, false)
	shortText(f, "reference", r.Reference, false)
	if utf8.RuneCountInString(r.Note) > kasuhara.MaxLongText {
		f.Add("note", kasuhara.FieldTooLong)
	}
	now := s.now()
	if r.ReferredAt.IsZero() {
		r.ReferredAt = now
	} else if r.ReferredAt.After(now.Add(10 * 60e9)) {
		f.Add("referred_at", kasuhara.FieldFuture)
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	r.ID, r.CaseID, r.CreatedBy, r.CreatedAt = newID(), caseID, v.UserID, now
	r.Organisation, r.Contact, r.Reference, r.Note = strings.TrimSpace(r.Organisation), strings.TrimSpace(r.Contact), strings.TrimSpace(r.Reference), strings.TrimSpace(r.Note)
	err := s.caseChange(ctx, v, caseID, access.CaseHandler, "case.referral", func(tx *sqldb.Tx, c *kasuhara.Case) (any, error) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO referrals (id, case_id, kind, organisation, contact, reference, note, referred_at, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, r.ID, c.ID, r.Kind, r.Organisation, r.Contact, r.Reference, r.Note, r.ReferredAt.UTC(), r.CreatedBy, now); err != nil {
			return nil, err
		}
		d := map[string]string{"referral_id": r.ID, "kind": r.Kind}
		return d, s.addEvent(ctx, tx, c.ID, v.UserID, kasuhara.EventReferral, r.Organisation, map[string]string{"referral_id": r.ID, "kind": r.Kind, "reference": r.Reference})
	})
	if err != nil {
		return nil, wrap("store.AddReferral", err)
	}
	return &r, nil
}

// SetReferralOutcome implements kasuhara.ReferralService.
func (s *Store) SetReferralOutcome(ctx context.Context, v kasuhara.Actor, caseID, referralID, outcome string) error {
	if err := checkText("outcome", outcome, true); err != nil {
		return err
	}
	err := s.caseChange(ctx, v, caseID, access.CaseHandler, "case.referral_outcome", func(tx *sqldb.Tx, c *kasuhara.Case) (any, error) {
		res, err := tx.ExecContext(ctx, "UPDATE referrals SET outcome = $1 WHERE id = $2 AND case_id = $3", strings.TrimSpace(outcome), referralID, c.ID)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil, kasuhara.Errorf(kasuhara.ENOTFOUND, "referral not found")
		}
		d := map[string]string{"referral_id": referralID}
		return d, s.addEvent(ctx, tx, c.ID, v.UserID, kasuhara.EventReferral, strings.TrimSpace(outcome), map[string]string{"referral_id": referralID, "outcome": "true"})
	})
	return wrap("store.SetReferralOutcome", err)
}

// Specialists implements kasuhara.ReferralService.
func (s *Store) Specialists(ctx context.Context, v kasuhara.Actor) ([]kasuhara.Specialist, error) {
	if err := customerDesk(v); err != nil {
		return nil, err
	}
	return list(ctx, s.db.Read, "specialists", func(sc scanner) (sp kasuhara.Specialist, err error) {
		err = sc.Scan(&sp.ID, &sp.OrgID, &sp.Kind, &sp.Name, &sp.Contact, &sp.Notes)
		return sp, err
	}, "SELECT id, org_id, kind, name, contact, notes FROM specialists WHERE org_id = $1 ORDER BY kind, name", v.OrgID)
}

// AddSpecialist implements kasuhara.ReferralService: legal only.
func (s *Store) AddSpecialist(ctx context.Context, v kasuhara.Actor, sp kasuhara.Specialist) (*kasuhara.Specialist, error) {
	if err := access.Check(v, access.ManageSpecialists); err != nil {
		return nil, err
	}
	f := kasuhara.FieldErrors{}
	if !slices.Contains(kasuhara.ReferralKinds, sp.Kind) {
		f.Add("kind", kasuhara.FieldChoice)
	}
	shortText(f, "name", sp.Name, true)
	if utf8.RuneCountInString(sp.Contact) > kasuhara.MaxLongText || utf8.RuneCountInString(sp.Notes) > kasuhara.MaxLongText {
		f.Add("notes", kasuhara.FieldTooLong)
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	sp.ID, sp.OrgID = newID(), v.OrgID
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.ExecContext(ctx, "INSERT INTO specialists (id, org_id, kind, name, contact, notes, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
			sp.ID, sp.OrgID, sp.Kind, strings.TrimSpace(sp.Name), strings.TrimSpace(sp.Contact), strings.TrimSpace(sp.Notes), s.now()); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: v, orgID: v.OrgID, action: "specialist.add", objectType: "specialist", objectID: sp.ID})
	})
	if err != nil {
		return nil, wrap("store.AddSpecialist", err)
	}
	return &sp, nil
}

// deleteOwned deletes row id of table if it belongs to organisation
// orgID; otherwise what is not found.
func deleteOwned(ctx context.Context, tx *sqldb.Tx, table, id, orgID, what string) error {
	res, err := tx.ExecContext(ctx, "DELETE FROM "+table+" WHERE id = $1 AND org_id = $2", id, orgID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return kasuhara.Errorf(kasuhara.ENOTFOUND, "%s not found", what)
	}
	return nil
}

// DeleteSpecialist implements kasuhara.ReferralService: legal only.
func (s *Store) DeleteSpecialist(ctx context.Context, v kasuhara.Actor, id string) error {
	if err := access.Check(v, access.ManageSpecialists); err != nil {
		return err
	}
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		if err := deleteOwned(ctx, tx, "specialists", id, v.OrgID, "specialist"); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: v, orgID: v.OrgID, action: "specialist.delete", objectType: "specialist", objectID: id})
	})
	return wrap("store.DeleteSpecialist", err)
}

// RecordPackage audits that the viewer produced the evidence package of a
// case (desk and legal only) for a recipient, before it is sent.
func (s *Store) RecordPackage(ctx context.Context, v kasuhara.Actor, caseID, recipient, careReason string) error {
	careReason = strings.TrimSpace(careReason)
	f := kasuhara.FieldErrors{}
	if utf8.RuneCountInString(recipient) > kasuhara.MaxShortText {
		f.Add("for", kasuhara.FieldTooLong)
	}
	if utf8.RuneCountInString(careReason) > kasuhara.MaxShortText {
		f.Add("care_reason", kasuhara.FieldTooLong)
	}
	if err := f.Err(); err != nil {
		return err
	}
	err := s.caseChange(ctx, v, caseID, access.CaseHandler, "case.package", func(tx *sqldb.Tx, c *kasuhara.Case) (any, error) {
		if careReason == "" {
			return map[string]any{"recipient": recipient != "", "care": false}, nil
		}
		// The care record goes to the police or a lawyer only when legal
		// says why (issue 16, finding 16).
		if err := access.Check(v, access.IncludeCare); err != nil {
			return nil, kasuhara.Errorf(kasuhara.EFORBIDDEN, "only legal includes the care record")
		}
		return map[string]any{"recipient": recipient != "", "care": true, "care_reason": careReason}, nil
	})
	return wrap("store.RecordPackage", err)
}
