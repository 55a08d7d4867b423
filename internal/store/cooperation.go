package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
	"github.com/kasuhara/kasuhara/internal/calendar"
	"github.com/kasuhara/kasuhara/internal/jobs"
	"github.com/kasuhara/kasuhara/internal/notify"
	"github.com/kasuhara/kasuhara/internal/sqldb"
)

var _ kasuhara.CooperationService = (*Store)(nil)

const cooperationColumns = `r.id, r.org_id, r.ref, r.direction, r.employer, r.contact_person, r.contact_phone, r.contact_email,
	COALESCE(r.case_id, ''), COALESCE(c.ref, ''), r.asked, r.answer, r.reason, r.state, r.requested_at, r.due_at, r.handler_id,
	r.answered_at, r.answered_by, r.closed_at, r.created_by, r.created_at`

// cooperationFrom joins a request's case for its number.
const cooperationFrom = " FROM cooperation_requests r LEFT JOIN cases c ON c.id = r.case_id"

// cooperationVisible hides a request linked to a case from someone
// excluded from that case (param is the viewer's user id): the request is
// part of the case.
func cooperationVisible(param string) string {
	return " AND NOT EXISTS (SELECT 1 FROM case_exclusions x WHERE x.case_id = r.case_id AND x.user_id = " + param + ")"
}

func scanCooperation(sc scanner) (*kasuhara.CooperationRequest, error) {
	var r kasuhara.CooperationRequest
	var answered, closed sql.NullTime
	if err := sc.Scan(&r.ID, &r.OrgID, &r.Ref, &r.Direction, &r.Employer, &r.ContactPerson, &r.ContactPhone, &r.ContactEmail,
		&r.CaseID, &r.CaseRef, &r.Asked, &r.Answer, &r.Reason, &r.State, &r.RequestedAt, &r.DueAt, &r.HandlerID,
		&answered, &r.AnsweredBy, &closed, &r.CreatedBy, &r.CreatedAt); err != nil {
		return nil, err
	}
	r.RequestedAt, r.DueAt, r.CreatedAt = r.RequestedAt.UTC(), r.DueAt.UTC(), r.CreatedAt.UTC()
	r.AnsweredAt, r.ClosedAt = nullTime(answered), nullTime(closed)
	return &r, nil
}

// cooperationFor loads a request for the desk and legal of its
// organisation (ENOTFOUND for another's, or for one whose case the viewer
// is excluded from).
func (s *Store) cooperationFor(ctx context.Context, q queryer, v kasuhara.Actor, id string) (*kasuhara.CooperationRequest, error) {
	if err := access.Check(v, access.ManageCooperation); err != nil {
		return nil, err
	}
	r, err := scanCooperation(q.QueryRowContext(ctx, "SELECT "+cooperationColumns+cooperationFrom+
		" WHERE r.id = $1 AND r.org_id = $2"+cooperationVisible("$3"), id, v.OrgID, v.UserID))
	if err != nil {
		return nil, notFound(err, "store.cooperation", "cooperation request")
	}
	return r, nil
}

// CooperationRequests implements kasuhara.CooperationService.
func (s *Store) CooperationRequests(ctx context.Context, v kasuhara.Actor, f kasuhara.CooperationFilter) ([]kasuhara.CooperationRequest, error) {
	if err := access.Check(v, access.ManageCooperation); err != nil {
		return nil, err
	}
	q, args := "SELECT "+cooperationColumns+cooperationFrom+" WHERE r.org_id = $1"+cooperationVisible("$2"), []any{v.OrgID, v.UserID}
	if f.State != "" {
		if !slices.Contains(kasuhara.CooperationStates, f.State) {
			return nil, kasuhara.InvalidField("state", kasuhara.FieldChoice)
		}
		q += " AND r.state = $3"
		args = append(args, f.State)
	}
	q += ` ORDER BY CASE WHEN r.state = 'open' THEN 0 ELSE 1 END,
		CASE WHEN r.state = 'open' THEN r.due_at END, r.requested_at DESC, r.id LIMIT 500`
	out, err := list(ctx, s.db.Read, "cooperation requests", values(scanCooperation), q, args...)
	return out, wrap("store.CooperationRequests", err)
}

// CooperationRequest implements kasuhara.CooperationService.
func (s *Store) CooperationRequest(ctx context.Context, v kasuhara.Actor, id string) (*kasuhara.CooperationRequest, []kasuhara.CooperationEvent, []kasuhara.CooperationShare, error) {
	r, err := s.cooperationFor(ctx, s.db.Read, v, id)
	if err != nil {
		return nil, nil, nil, wrap("store.CooperationRequest", err)
	}
	events, err := list(ctx, s.db.Read, "cooperation events", func(sc scanner) (e kasuhara.CooperationEvent, err error) {
		var due sql.NullTime
		err = sc.Scan(&e.At, &e.ActorID, &e.Kind, &e.Note, &due)
		e.At, e.Due = e.At.UTC(), nullTime(due)
		return e, err
	}, "SELECT at, actor_id, kind, note, due_at FROM cooperation_events WHERE request_id = $1 ORDER BY at, id", r.ID)
	if err != nil {
		return nil, nil, nil, wrap("store.CooperationRequest", err)
	}
	shares, err := list(ctx, s.db.Read, "cooperation shares", scanShare,
		"SELECT "+shareColumns+" FROM cooperation_shares WHERE request_id = $1 ORDER BY created_at, id", r.ID)
	if err != nil {
		return nil, nil, nil, wrap("store.CooperationRequest", err)
	}
	return r, events, shares, nil
}

const shareColumns = "id, request_id, fields, consent_at, consent_by, sha256, size, created_by, created_at"

func scanShare(sc scanner) (kasuhara.CooperationShare, error) {
	var sh kasuhara.CooperationShare
	var fields string
	var consent sql.NullTime
	err := sc.Scan(&sh.ID, &sh.RequestID, &fields, &consent, &sh.ConsentBy, &sh.SHA256, &sh.Size, &sh.CreatedBy, &sh.CreatedAt)
	sh.Fields, sh.ConsentAt, sh.CreatedAt = splitList(fields), nullTime(consent), sh.CreatedAt.UTC()
	return sh, err
}

// cooperationEvent adds a step to a request's history.
func (s *Store) cooperationEvent(ctx context.Context, tx *sqldb.Tx, v kasuhara.Actor, requestID, kind, note string, due time.Time) error {
	_, err := tx.ExecContext(ctx, "INSERT INTO cooperation_events (id, request_id, at, actor_id, kind, note, due_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
		newID(), requestID, s.now(), v.UserID, kind, note, nullTimeArg(due))
	return err
}

// CreateCooperationRequest implements kasuhara.CooperationService.
func (s *Store) CreateCooperationRequest(ctx context.Context, v kasuhara.Actor, r kasuhara.CooperationRequest) (*kasuhara.CooperationRequest, error) {
	if err := access.Check(v, access.ManageCooperation); err != nil {
		return nil, err
	}
	f := kasuhara.FieldErrors{}
	if !slices.Contains(kasuhara.CooperationDirections, r.Direction) {
		f.Add("direction", kasuhara.FieldChoice)
	}
	r.Employer, r.ContactPerson, r.ContactPhone, r.ContactEmail = trim(r.Employer), trim(r.ContactPerson), trim(r.ContactPhone), trim(r.ContactEmail)
	r.Asked = trim(r.Asked)
	shortText(f, "employer", r.Employer, true)
	shortText(f, "contact_person", r.ContactPerson, false)
	shortText(f, "contact_phone", r.ContactPhone, false)
	shortText(f, "contact_email", r.ContactEmail, false)
	if r.ContactEmail != "" && !strings.Contains(r.ContactEmail, "@") {
		f.Add("contact_email", kasuhara.FieldEmail)
	}
	switch {
	case r.Asked == "":
		f.Add("asked", kasuhara.FieldRequired)
	case kasuhara.HasNUL(r.Asked):
		f.Add("asked", kasuhara.FieldNUL)
	case utf8.RuneCountInString(r.Asked) > kasuhara.MaxLongText:
		f.Add("asked", kasuhara.FieldTooLong)
	}
	now := s.now()
	if r.RequestedAt.IsZero() {
		r.RequestedAt = now
	} else if r.RequestedAt.After(now.Add(10 * time.Minute)) {
		f.Add("requested_at", kasuhara.FieldFuture)
	}
	if r.DueAt.IsZero() {
		r.DueAt = r.RequestedAt.AddDate(0, 0, kasuhara.DefaultCooperationDays)
	} else if !r.DueAt.After(r.RequestedAt) {
		f.Add("due_at", kasuhara.FieldBeforeStart)
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	r.ID, r.OrgID, r.State, r.HandlerID, r.CreatedBy, r.CreatedAt = newID(), v.OrgID, kasuhara.CooperationOpen, v.UserID, v.UserID, now
	r.RequestedAt, r.DueAt = r.RequestedAt.UTC(), r.DueAt.UTC()
	r.Answer, r.Reason, r.AnsweredBy, r.AnsweredAt, r.ClosedAt = "", "", "", time.Time{}, time.Time{}
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		if r.CaseID != "" {
			c, _, err := s.caseFor(ctx, tx, v, r.CaseID, access.CaseHandler)
			if err != nil || c.OrgID != v.OrgID {
				return kasuhara.InvalidField("case_id", kasuhara.FieldUnlinkable)
			}
			r.CaseRef = c.Ref
		}
		year := r.RequestedAt.In(calendar.JST).Year()
		var n int
		if err := tx.QueryRowContext(ctx, `INSERT INTO cooperation_counters (org_id, year, next) VALUES ($1, $2, 2)
			ON CONFLICT (org_id, year) DO UPDATE SET next = cooperation_counters.next + 1 RETURNING next - 1`, r.OrgID, year).Scan(&n); err != nil {
			return err
		}
		r.Ref = fmt.Sprintf("CO-%d-%05d", year, n)
		if _, err := tx.ExecContext(ctx, `INSERT INTO cooperation_requests (id, org_id, ref, direction, employer, contact_person, contact_phone,
			contact_email, case_id, asked, state, requested_at, due_at, handler_id, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16)`,
			r.ID, r.OrgID, r.Ref, r.Direction, r.Employer, r.ContactPerson, r.ContactPhone, r.ContactEmail, nullString(r.CaseID), r.Asked,
			r.State, r.RequestedAt, r.DueAt, r.HandlerID, r.CreatedBy, now); err != nil {
			return err
		}
		if err := s.cooperationEvent(ctx, tx, v, r.ID, "create", "", r.DueAt); err != nil {
			return err
		}
		// The audit entry names no one: the other employer and the contact
		// stay in the register.
		return s.appendAudit(ctx, tx, change{actor: v, orgID: v.OrgID, action: "cooperation.create", objectType: "cooperation_request", objectID: r.ID,
			detail: map[string]string{"ref": r.Ref, "direction": r.Direction, "case_id": r.CaseID, "due_at": r.DueAt.Format(time.RFC3339)}})
	})
	if err != nil {
		return nil, wrap("store.CreateCooperationRequest", err)
	}
	return &r, nil
}

// MoveCooperationRequest implements kasuhara.CooperationService.
func (s *Store) MoveCooperationRequest(ctx context.Context, v kasuhara.Actor, id, to, text string) (*kasuhara.CooperationRequest, error) {
	text = trim(text)
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		r, err := s.cooperationFor(ctx, tx, v, id)
		if err != nil {
			return err
		}
		if !slices.Contains(kasuhara.CooperationStates, to) {
			return kasuhara.InvalidField("state", kasuhara.FieldChoice)
		}
		if !kasuhara.CanMoveCooperation(r.State, to) {
			return &kasuhara.Error{Code: kasuhara.ECONFLICT, Message: "a cooperation request cannot move there from its state",
				Fields: kasuhara.FieldErrors{"state": {Code: kasuhara.FieldTransition}}}
		}
		field := map[string]string{kasuhara.CooperationAnswered: "answer", kasuhara.CooperationDeclined: "reason", kasuhara.CooperationClosed: "note"}[to]
		if err := checkText(field, text, to != kasuhara.CooperationClosed); err != nil {
			return err
		}
		now := s.now()
		switch to {
		case kasuhara.CooperationAnswered, kasuhara.CooperationDeclined:
			col := map[string]string{kasuhara.CooperationAnswered: "answer", kasuhara.CooperationDeclined: "reason"}[to]
			_, err = tx.ExecContext(ctx, "UPDATE cooperation_requests SET state = $1, "+col+" = $2, answered_at = $3, answered_by = $4, updated_at = $3 WHERE id = $5",
				to, text, now, v.UserID, r.ID)
		case kasuhara.CooperationClosed:
			_, err = tx.ExecContext(ctx, "UPDATE cooperation_requests SET state = $1, closed_at = $2, updated_at = $2 WHERE id = $3", to, now, r.ID)
		}
		if err != nil {
			return err
		}
		kind := map[string]string{kasuhara.CooperationAnswered: "answer", kasuhara.CooperationDeclined: "decline", kasuhara.CooperationClosed: "close"}[to]
		if err := s.cooperationEvent(ctx, tx, v, r.ID, kind, text, time.Time{}); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: v, orgID: v.OrgID, action: "cooperation.state", objectType: "cooperation_request", objectID: r.ID,
			detail: map[string]string{"from": r.State, "to": to}})
	})
	if err != nil {
		return nil, wrap("store.MoveCooperationRequest", err)
	}
	return s.cooperationFor(ctx, s.db.Read, v, id)
}

// SetCooperationDeadline implements kasuhara.CooperationService. A new
// deadline brings its own reminders.
func (s *Store) SetCooperationDeadline(ctx context.Context, v kasuhara.Actor, id string, due time.Time) (*kasuhara.CooperationRequest, error) {
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		r, err := s.cooperationFor(ctx, tx, v, id)
		if err != nil {
			return err
		}
		switch {
		case due.IsZero():
			return kasuhara.InvalidField("due_at", kasuhara.FieldRequired)
		case !due.After(r.RequestedAt):
			return kasuhara.InvalidField("due_at", kasuhara.FieldBeforeStart)
		case r.State != kasuhara.CooperationOpen:
			return &kasuhara.Error{Code: kasuhara.ECONFLICT, Message: "only an open request has a deadline to move",
				Fields: kasuhara.FieldErrors{"due_at": {Code: kasuhara.FieldTransition}}}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE cooperation_requests SET due_at = $1, reminded_soon_at = NULL, reminded_overdue_at = NULL, updated_at = $2
			WHERE id = $3`, due.UTC(), s.now(), r.ID); err != nil {
			return err
		}
		if err := s.cooperationEvent(ctx, tx, v, r.ID, "deadline", "", due.UTC()); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: v, orgID: v.OrgID, action: "cooperation.deadline", objectType: "cooperation_request", objectID: r.ID,
			detail: map[string]string{"from": r.DueAt.Format(time.RFC3339), "to": due.UTC().Format(time.RFC3339)}})
	})
	if err != nil {
		return nil, wrap("store.SetCooperationDeadline", err)
	}
	return s.cooperationFor(ctx, s.db.Read, v, id)
}

// redacted is what stands for the reporter's name in a summary shared
// without their consent.
const redacted = "■■■"

// checkShareChoice checks a choice of fields against the case: known
// fields, at least one, each once, and the reporter only with the date of
// their consent (and only when there is a named reporter).
func (s *Store) checkShareChoice(choice kasuhara.ShareChoice, c *kasuhara.Case) error {
	if len(choice.Fields) == 0 {
		return kasuhara.InvalidField("fields", kasuhara.FieldRequired)
	}
	for i, fl := range choice.Fields {
		if !slices.Contains(kasuhara.ShareFields, fl) || slices.Contains(choice.Fields[:i], fl) {
			return kasuhara.InvalidField("fields", kasuhara.FieldChoice)
		}
	}
	if slices.Contains(choice.Fields, kasuhara.ShareReporter) {
		switch {
		case c.Anonymous || c.ReporterID == "":
			return kasuhara.InvalidField("fields", kasuhara.FieldChoice)
		case choice.ConsentAt.IsZero():
			return kasuhara.InvalidField("consent_at", kasuhara.FieldRequired)
		case choice.ConsentAt.After(s.now().Add(10 * time.Minute)):
			return kasuhara.InvalidField("consent_at", kasuhara.FieldFuture)
		}
	}
	return nil
}

// sharedSummary builds the redacted summary of r's case inside q.
func (s *Store) sharedSummary(ctx context.Context, q queryer, v kasuhara.Actor, r *kasuhara.CooperationRequest, choice kasuhara.ShareChoice) (*kasuhara.SharedSummary, *kasuhara.Case, error) {
	if r.CaseID == "" {
		return nil, nil, kasuhara.InvalidField("case_id", kasuhara.FieldRequired)
	}
	c, _, err := s.caseFor(ctx, q, v, r.CaseID, access.CaseHandler)
	if err != nil {
		return nil, nil, err
	}
	if err := s.checkShareChoice(choice, c); err != nil {
		return nil, nil, err
	}
	sum := &kasuhara.SharedSummary{Request: *r, CaseRef: c.Ref}
	for _, fl := range kasuhara.ShareFields { // in the summary's order
		if slices.Contains(choice.Fields, fl) {
			sum.Fields = append(sum.Fields, fl)
		}
	}
	var name, dept string
	if c.ReporterID != "" {
		if err := q.QueryRowContext(ctx, `SELECT u.name, COALESCE(d.name, '') FROM users u LEFT JOIN departments d ON d.id = $2 WHERE u.id = $1`,
			c.ReporterID, nullString(c.Report.DepartmentID)).Scan(&name, &dept); err != nil && err != sql.ErrNoRows {
			return nil, nil, err
		}
	}
	consent := slices.Contains(sum.Fields, kasuhara.ShareReporter)
	// Without consent the reporter's name, whole or in parts, is blacked
	// out of the texts shared.
	clean := func(text string) string {
		if consent || strings.TrimSpace(name) == "" {
			return text
		}
		parts := append([]string{name, strings.Join(strings.Fields(name), "")}, strings.Fields(name)...)
		slices.SortFunc(parts, func(a, b string) int { return utf8.RuneCountInString(b) - utf8.RuneCountInString(a) })
		for _, p := range parts {
			if utf8.RuneCountInString(p) >= 2 {
				text = strings.ReplaceAll(text, p, redacted)
			}
		}
		return text
	}
	rep := c.Report
	for _, fl := range sum.Fields {
		switch fl {
		case kasuhara.ShareDates:
			sum.OccurredAt = rep.OccurredAt
		case kasuhara.SharePlace:
			sum.Channel, sum.Location = rep.Channel, clean(rep.Location)
		case kasuhara.ShareCategories:
			sum.Categories, sum.Subtypes = rep.Categories, rep.Subtypes
		case kasuhara.ShareConduct:
			sum.Demand, sum.Conduct = clean(rep.RequestContent), clean(rep.Conduct)
		case kasuhara.ShareMeasures:
			// Referrals to a counsellor are the worker's care: not shared.
			ms, err := list(ctx, q, "shared measures", func(sc scanner) (m kasuhara.SharedMeasure, err error) {
				err = sc.Scan(&m.At, &m.Kind)
				m.At = m.At.UTC()
				return m, err
			}, `SELECT referred_at, 'referral.kind.' || kind FROM referrals WHERE case_id = $1 AND kind <> 'counsellor'
				UNION ALL SELECT COALESCE(effective_at, created_at), 'level.' || level FROM measures
				WHERE org_id = $2 AND status IN ('active', 'lifted') AND (',' || case_ids || ',') LIKE $3
				ORDER BY 1`, c.ID, c.OrgID, "%,"+c.ID+",%")
			if err != nil {
				return nil, nil, err
			}
			sum.Measures = ms
		case kasuhara.ShareReporter:
			sum.Reporter, sum.ReporterDepartment, sum.ConsentAt = name, dept, choice.ConsentAt.UTC()
		}
	}
	return sum, c, nil
}

// SharedSummary implements kasuhara.CooperationService. The preview reads
// the case's contents: an audited read, as the case page is.
func (s *Store) SharedSummary(ctx context.Context, v kasuhara.Actor, id string, choice kasuhara.ShareChoice) (*kasuhara.SharedSummary, error) {
	var sum *kasuhara.SharedSummary
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		r, err := s.cooperationFor(ctx, tx, v, id)
		if err != nil {
			return err
		}
		var c *kasuhara.Case
		if sum, c, err = s.sharedSummary(ctx, tx, v, r, choice); err != nil {
			return err
		}
		return s.auditRead(ctx, tx, v, c, "cooperation_summary")
	})
	if err != nil {
		return nil, wrap("store.SharedSummary", err)
	}
	return sum, nil
}

// RecordShare implements kasuhara.CooperationService. The sharing is
// audited on the case too, with the fields chosen and whether the
// reporter consented.
func (s *Store) RecordShare(ctx context.Context, v kasuhara.Actor, id string, choice kasuhara.ShareChoice, pdf []byte) (*kasuhara.CooperationShare, error) {
	var sh kasuhara.CooperationShare
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		r, err := s.cooperationFor(ctx, tx, v, id)
		if err != nil {
			return err
		}
		sum, c, err := s.sharedSummary(ctx, tx, v, r, choice)
		if err != nil {
			return err
		}
		if len(pdf) == 0 {
			return kasuhara.Errorf(kasuhara.EINTERNAL, "no summary to keep")
		}
		sum256 := sha256.Sum256(pdf)
		now := s.now()
		sh = kasuhara.CooperationShare{ID: newID(), RequestID: r.ID, Fields: sum.Fields, SHA256: hex.EncodeToString(sum256[:]), Size: int64(len(pdf)),
			CreatedBy: v.UserID, CreatedAt: now}
		if slices.Contains(sum.Fields, kasuhara.ShareReporter) {
			sh.ConsentAt, sh.ConsentBy = sum.ConsentAt, v.UserID
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO cooperation_shares (id, request_id, case_id, fields, consent_at, consent_by, sha256, size, pdf, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, sh.ID, r.ID, c.ID, strings.Join(sh.Fields, ","), nullTimeArg(sh.ConsentAt), sh.ConsentBy,
			sh.SHA256, sh.Size, pdf, sh.CreatedBy, now); err != nil {
			return err
		}
		if err := s.cooperationEvent(ctx, tx, v, r.ID, "share", strings.Join(sh.Fields, ","), time.Time{}); err != nil {
			return err
		}
		detail := map[string]any{"request": r.Ref, "fields": sh.Fields, "sha256": sh.SHA256, "reporter_consent": !sh.ConsentAt.IsZero()}
		if !sh.ConsentAt.IsZero() {
			detail["consent_at"] = sh.ConsentAt.Format(time.RFC3339)
		}
		if err := s.appendAudit(ctx, tx, change{actor: v, orgID: v.OrgID, action: "cooperation.share", objectType: "case", objectID: c.ID, detail: detail}); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: v, orgID: v.OrgID, action: "cooperation.share", objectType: "cooperation_request", objectID: r.ID, detail: detail})
	})
	if err != nil {
		return nil, wrap("store.RecordShare", err)
	}
	return &sh, nil
}

// SharePDF implements kasuhara.CooperationService.
func (s *Store) SharePDF(ctx context.Context, v kasuhara.Actor, id, shareID string) (*kasuhara.CooperationShare, []byte, error) {
	r, err := s.cooperationFor(ctx, s.db.Read, v, id)
	if err != nil {
		return nil, nil, wrap("store.SharePDF", err)
	}
	var pdf []byte
	var caseID string
	sh, err := scanShare(s.db.Read.QueryRowContext(ctx, "SELECT "+shareColumns+" FROM cooperation_shares WHERE id = $1 AND request_id = $2", shareID, r.ID))
	if err == nil {
		err = s.db.Read.QueryRowContext(ctx, "SELECT pdf, case_id FROM cooperation_shares WHERE id = $1", shareID).Scan(&pdf, &caseID)
	}
	if err != nil {
		return nil, nil, notFound(err, "store.SharePDF", "shared summary")
	}
	// The summary holds the case's contents: an audited read, for whoever
	// may still handle the case.
	err = s.tx(ctx, func(tx *sqldb.Tx) error {
		c, _, err := s.caseFor(ctx, tx, v, caseID, access.CaseHandler)
		if err != nil {
			return err
		}
		return s.auditRead(ctx, tx, v, c, "cooperation_share")
	})
	if err != nil {
		return nil, nil, wrap("store.SharePDF", err)
	}
	return &sh, pdf, nil
}

// CooperationCounts implements kasuhara.CooperationService. A received
// request counts as answered in time when it was answered or declined by
// its deadline, as overdue when that came later or it is open past it.
func (s *Store) CooperationCounts(ctx context.Context, v kasuhara.Actor, since time.Time) (kasuhara.CooperationCounts, error) {
	if err := s.authorize(ctx, v, access.ViewCompliance, v.OrgID); err != nil {
		return kasuhara.CooperationCounts{}, err
	}
	n, err := s.cooperationCounts(ctx, v.OrgID, since)
	return n, wrap("store.CooperationCounts", err)
}

// cooperationCounts are an organisation's register figures since since,
// for CooperationCounts and each organisation of the compliance page.
func (s *Store) cooperationCounts(ctx context.Context, orgID string, since time.Time) (kasuhara.CooperationCounts, error) {
	var n kasuhara.CooperationCounts
	err := s.db.Read.QueryRowContext(ctx, `SELECT
		COUNT(CASE WHEN direction = 'received' THEN 1 END),
		COUNT(CASE WHEN direction = 'received' AND answered_at IS NOT NULL AND answered_at <= due_at THEN 1 END),
		COUNT(CASE WHEN direction = 'received' AND ((answered_at IS NOT NULL AND answered_at > due_at)
			OR (answered_at IS NULL AND state = 'open' AND due_at < $3)) THEN 1 END),
		COUNT(CASE WHEN direction = 'sent' THEN 1 END)
		FROM cooperation_requests WHERE org_id = $1 AND requested_at >= $2`, orgID, since, s.now()).Scan(&n.Received, &n.AnsweredInTime, &n.Overdue, &n.Sent)
	return n, err
}

// KindCooperation is the daily job that reminds the handlers of open
// cooperation requests whose deadline is near or past.
const KindCooperation = "cooperation"

// CooperationHour is the hour, in Japan, of the reminders: the start of
// the working day.
const CooperationHour = 9

// ScheduleCooperation enqueues the reminder job for the next
// CooperationHour:00 in Japan after at (at once when first), once per day.
func (s *Store) ScheduleCooperation(ctx context.Context, at time.Time, first bool) error {
	return s.scheduleDaily(ctx, KindCooperation, CooperationHour, at, first)
}

// CooperationHandler is the job handler of KindCooperation.
func (s *Store) CooperationHandler(ctx context.Context, _ json.RawMessage) error {
	if _, err := s.RemindCooperation(ctx); err != nil {
		return err
	}
	return s.ScheduleCooperation(ctx, s.Now(), false)
}

// RemindCooperation tells the handler of every open request whose deadline
// is within kasuhara.CooperationDueSoon (due soon) or past (overdue), in
// the app and by mail without content, once per deadline and stage. A
// handler who is no longer desk or legal of the organisation, or is
// disabled, is replaced by the desk and legal (those not excluded from the
// request's case). It returns how many reminders it sent.
func (s *Store) RemindCooperation(ctx context.Context) (int, error) {
	now := s.now()
	type due struct {
		id, orgID, ref, caseID, handler string
		overdue                         bool
	}
	todo, err := list(ctx, s.db.Read, "cooperation reminders", func(sc scanner) (d due, err error) {
		return d, sc.Scan(&d.id, &d.orgID, &d.ref, &d.caseID, &d.handler, &d.overdue)
	}, `SELECT id, org_id, ref, COALESCE(case_id, ''), handler_id, due_at <= $1 FROM cooperation_requests
		WHERE state = 'open' AND ((due_at <= $1 AND reminded_overdue_at IS NULL) OR (due_at > $1 AND due_at <= $2 AND reminded_soon_at IS NULL))
		ORDER BY due_at, id`, now, now.Add(kasuhara.CooperationDueSoon))
	if err != nil {
		return 0, wrap("store.RemindCooperation", err)
	}
	sent := 0
	for _, d := range todo {
		err := s.tx(ctx, func(tx *sqldb.Tx) error {
			col, typ := "reminded_soon_at", notify.CooperationDueSoon
			if d.overdue {
				col, typ = "reminded_overdue_at", notify.CooperationOverdue
			}
			res, err := tx.ExecContext(ctx, "UPDATE cooperation_requests SET "+col+" = $1 WHERE id = $2 AND "+col+" IS NULL AND state = 'open'", now, d.id)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil // reminded meanwhile, or answered
			}
			to, err := selectIDs(ctx, tx, `SELECT m.user_id FROM memberships m JOIN users u ON u.id = m.user_id
				WHERE m.org_id = $1 AND m.user_id = $2 AND m.role IN ('desk', 'legal') AND NOT u.disabled
				AND NOT EXISTS (SELECT 1 FROM case_exclusions x WHERE x.case_id = $3 AND x.user_id = m.user_id)`, d.orgID, d.handler, d.caseID)
			if err != nil {
				return err
			}
			if len(to) == 0 {
				if to, err = selectIDs(ctx, tx, `SELECT m.user_id FROM memberships m JOIN users u ON u.id = m.user_id
					WHERE m.org_id = $1 AND m.role IN ('desk', 'legal') AND NOT u.disabled
					AND NOT EXISTS (SELECT 1 FROM case_exclusions x WHERE x.case_id = $2 AND x.user_id = m.user_id) ORDER BY m.user_id`, d.orgID, d.caseID); err != nil {
					return err
				}
			}
			sent++
			j := notify.EventJob{OrgID: d.orgID, Users: uniqueIDs(to)}
			j.Event = notify.Event{ID: newID(), Type: typ, CaseID: d.id, CaseRef: d.ref, OccurredAt: now}
			if err := jobs.Enqueue(ctx, tx, jobs.Job{Kind: notify.KindEvent, Payload: j, DedupeKey: "event:" + j.Event.ID}); err != nil {
				return err
			}
			return s.appendAudit(ctx, tx, change{actor: kasuhara.SystemActor, orgID: d.orgID, action: "cooperation.remind", objectType: "cooperation_request",
				objectID: d.id, detail: map[string]string{"stage": typ}})
		})
		if err != nil {
			return sent, wrap("store.RemindCooperation", err)
		}
	}
	return sent, nil
}
