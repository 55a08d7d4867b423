package store

import (
	"context"
	"database/sql"
	"strings"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
	"github.com/kasuhara/kasuhara/internal/notify"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"golang.org/x/text/unicode/norm"
)

var _ kasuhara.OnBehalfService = (*Store)(nil)

// employeeIn finds the member of org that typed names: their e-mail address,
// or their name as written (width and spaces aside). Field errors name
// "employee": nobody (FieldNoMatch), several people of that name
// (FieldAmbiguous).
func employeeIn(ctx context.Context, q queryer, orgID, typed string) (id, depID string, err error) {
	typed = strings.TrimSpace(typed)
	if strings.Contains(typed, "@") {
		err = q.QueryRowContext(ctx, `SELECT u.id, COALESCE(m.department_id, '') FROM users u JOIN memberships m ON m.user_id = u.id
			WHERE m.org_id = $1 AND u.email = $2 AND NOT u.disabled`, orgID, kasuhara.NormalizeEmail(typed)).Scan(&id, &depID)
		if err == sql.ErrNoRows {
			return "", "", kasuhara.InvalidField("employee", kasuhara.FieldNoMatch)
		}
		return id, depID, err
	}
	key := nameKey(typed)
	rows, err := q.QueryContext(ctx, `SELECT u.id, u.name, COALESCE(m.department_id, '') FROM users u JOIN memberships m ON m.user_id = u.id
		WHERE m.org_id = $1 AND NOT u.disabled`, orgID)
	if err != nil {
		return "", "", err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var uid, name, dep string
		if err := rows.Scan(&uid, &name, &dep); err != nil {
			return "", "", err
		}
		if nameKey(name) == key {
			id, depID = uid, dep
			n++
		}
	}
	if err := rows.Err(); err != nil {
		return "", "", err
	}
	switch {
	case n == 0 || key == "":
		return "", "", kasuhara.InvalidField("employee", kasuhara.FieldNoMatch)
	case n > 1:
		return "", "", kasuhara.InvalidField("employee", kasuhara.FieldAmbiguous)
	}
	return id, depID, nil
}

// nameKey is a name as compared: NFKC (full-width letters, half-width
// kana), without spaces, lower-cased.
func nameKey(s string) string {
	s = norm.NFKC.String(s)
	return strings.ToLower(strings.Join(strings.Fields(s), ""))
}

// FileOnBehalf implements kasuhara.OnBehalfService.
func (s *Store) FileOnBehalf(ctx context.Context, v kasuhara.Actor, ob kasuhara.OnBehalf, r kasuhara.Report, evidence ...kasuhara.Evidence) (*kasuhara.Case, error) {
	const op = "store.FileOnBehalf"
	if err := access.Check(v, access.RecordOnBehalf); err != nil {
		return nil, wrap(op, err)
	}
	r.Normalize()
	now := s.now()
	f := ob.Validate()
	for k, e := range kasuhara.ErrorFields(r.Validate(now)) {
		f.AddError(k, e)
	}
	ack, feedback, err := s.deadlines(ctx, v.OrgID, now)
	if err != nil {
		return nil, wrap(op, err)
	}
	c := &kasuhara.Case{ID: newID(), OrgID: v.OrgID, State: kasuhara.StateNew, Urgent: r.Urgent(), Report: r,
		RecordedBy: v.UserID, ReceivedVia: ob.ReceivedVia, UnnamedReporter: ob.Unnamed,
		AcknowledgeBy: ack, FeedbackBy: feedback, CreatedAt: now, UpdatedAt: now}
	if _, bad := f["employee"]; !bad && !ob.Unnamed {
		id, dep, err := employeeIn(ctx, s.db.Read, v.OrgID, ob.Employee)
		switch {
		case kasuhara.ErrorCode(err) == kasuhara.EINVALID:
			f.AddError("employee", kasuhara.ErrorFields(err)["employee"])
		case err != nil:
			return nil, wrap(op, err)
		case id == v.UserID:
			f.Add("employee", kasuhara.FieldSelf)
		default:
			// The case is in the employee's department, whatever the
			// recorder's: access follows the employee's.
			c.ReporterID, c.Report.DepartmentID = id, dep
		}
	}
	if err := f.Err(); err != nil {
		return nil, wrap(op, err)
	}
	// insertCase checks the department (in the case's own INSERT).
	err = s.tx(ctx, func(tx *sqldb.Tx) error { return s.insertCaseWith(ctx, tx, v, c, evidence, noGuard) })
	if err != nil {
		return nil, wrap(op, err)
	}
	return c, nil
}

const recordedColumns = `c.id, c.ref, c.org_id, COALESCE(c.reporter_id, ''), c.unnamed_reporter, c.received_via, c.created_at,
	c.occurred_at, c.duration_minutes, c.channel, c.location, COALESCE(c.department_id, ''), c.categories, c.subtypes, c.consultation,
	c.request_content, c.conduct, c.harm, c.wishes, c.danger_ongoing, c.witnesses, c.customer_name, c.customer_name_kana,
	c.customer_phone, c.customer_email, c.customer_account, c.customer_sns`

func scanRecorded(sc scanner) (kasuhara.RecordedReport, error) {
	var rr kasuhara.RecordedReport
	r := &rr.Report
	var cats, subs string
	err := sc.Scan(&rr.CaseID, &rr.Ref, &rr.OrgID, &rr.EmployeeID, &rr.Unnamed, &rr.ReceivedVia, &rr.CreatedAt,
		&r.OccurredAt, &r.DurationMinutes, &r.Channel, &r.Location, &r.DepartmentID, &cats, &subs, &r.Consultation,
		&r.RequestContent, &r.Conduct, &r.Harm, &r.Wishes, &r.DangerOngoing, &r.Witnesses, &r.Customer.Name, &r.Customer.NameKana,
		&r.Customer.Phone, &r.Customer.Email, &r.Customer.Account, &r.Customer.SNSHandle)
	for _, c := range splitList(cats) {
		r.Categories = append(r.Categories, kasuhara.Category(c))
	}
	r.Subtypes = splitList(subs)
	rr.CreatedAt, r.OccurredAt = rr.CreatedAt.UTC(), r.OccurredAt.UTC()
	return rr, err
}

// RecordedReports implements kasuhara.OnBehalfService.
func (s *Store) RecordedReports(ctx context.Context, v kasuhara.Actor, limit int) ([]kasuhara.RecordedReport, error) {
	if err := access.Check(v, access.RecordOnBehalf); err != nil {
		return nil, wrap("store.RecordedReports", err)
	}
	if limit <= 0 || limit > MaxPageSize {
		limit = MaxPageSize
	}
	out, err := list(ctx, s.db.Read, "recorded reports", scanRecorded, `SELECT `+recordedColumns+` FROM cases c
		WHERE c.recorded_by = $1 AND c.org_id = $2 ORDER BY c.created_at DESC, c.id DESC LIMIT $3`, v.UserID, v.OrgID, limit)
	return out, wrap("store.RecordedReports", err)
}

// RecordedReport implements kasuhara.OnBehalfService. The recorder keeps
// what they typed even when they lose the role that let them type it: it
// is theirs, not the case.
func (s *Store) RecordedReport(ctx context.Context, v kasuhara.Actor, caseID string) (*kasuhara.RecordedReport, error) {
	var rr kasuhara.RecordedReport
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		var err error
		rr, err = scanRecorded(tx.QueryRowContext(ctx, `SELECT `+recordedColumns+` FROM cases c
			WHERE c.id = $1 AND c.recorded_by = $2 AND c.org_id = $3`, caseID, v.UserID, v.OrgID))
		if err != nil || v.UserID == "" {
			return notFound(err, "store.RecordedReport", "case")
		}
		return s.appendAudit(ctx, tx, change{actor: v, orgID: rr.OrgID, action: "case.read", objectType: "case", objectID: rr.CaseID,
			detail: map[string]string{"part": "recorded"}})
	})
	if err != nil {
		return nil, wrap("store.RecordedReport", err)
	}
	return &rr, nil
}

// reporterCase loads a case for its named reporter only.
func (s *Store) reporterCase(ctx context.Context, tx *sqldb.Tx, v kasuhara.Actor, caseID string) (*kasuhara.Case, error) {
	c, _, err := s.caseFor(ctx, tx, v, caseID, access.CaseReporter)
	if err != nil {
		return nil, err
	}
	if c.ReporterID != v.UserID {
		return nil, kasuhara.Errorf(kasuhara.EFORBIDDEN, "only the reporter does this")
	}
	return c, nil
}

// CorrectReport implements kasuhara.OnBehalfService.
func (s *Store) CorrectReport(ctx context.Context, v kasuhara.Actor, caseID, body string) (*kasuhara.Event, error) {
	if err := checkText("body", body, true); err != nil {
		return nil, err
	}
	var e *kasuhara.Event
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		c, err := s.reporterCase(ctx, tx, v, caseID)
		if err != nil {
			return err
		}
		if e, err = s.addEventID(ctx, tx, c.ID, v.UserID, kasuhara.EventCorrection, strings.TrimSpace(body), nil); err != nil {
			return err
		}
		if err := s.reindex(ctx, tx, c.ID); err != nil {
			return err
		}
		if err := s.notifyHandlersOrDesk(ctx, tx, c, notify.CaseMessage, v.UserID); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: v, orgID: c.OrgID, action: "case.correct", objectType: "case", objectID: c.ID,
			detail: map[string]string{"event_id": e.ID}})
	})
	if err != nil {
		return nil, wrap("store.CorrectReport", err)
	}
	return e, nil
}

// DisownReport implements kasuhara.OnBehalfService.
func (s *Store) DisownReport(ctx context.Context, v kasuhara.Actor, caseID, body string) error {
	if err := checkText("body", body, false); err != nil {
		return err
	}
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		c, err := s.reporterCase(ctx, tx, v, caseID)
		if err != nil {
			return err
		}
		switch {
		case c.RecordedBy == "" || c.RecordedBy == v.UserID:
			return kasuhara.InvalidField("case", kasuhara.FieldNotOnBehalf)
		case !c.DisownedAt.IsZero():
			return kasuhara.Errorf(kasuhara.ECONFLICT, "said already")
		}
		now := s.now()
		if _, err := tx.ExecContext(ctx, "UPDATE cases SET disowned_at = $1, updated_at = $1 WHERE id = $2", now, c.ID); err != nil {
			return err
		}
		if err := s.addEvent(ctx, tx, c.ID, v.UserID, kasuhara.EventDisowned, strings.TrimSpace(body), nil); err != nil {
			return err
		}
		// Legal hears of it at once, as of a retaliation alarm: a report
		// made in someone's name that they did not make may itself be a
		// harm to them. Never the supervisor, who may have recorded it.
		if err := s.notifyHandlers(ctx, tx, c, notify.CaseDisowned, "", kasuhara.RoleLegal); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: v, orgID: c.OrgID, action: "case.disown", objectType: "case", objectID: c.ID})
	})
	return wrap("store.DisownReport", err)
}

// Corrections implements kasuhara.OnBehalfService: for whoever reads the
// report (the reporter and above), oldest first.
func (s *Store) Corrections(ctx context.Context, v kasuhara.Actor, caseID string) ([]kasuhara.Event, error) {
	if _, _, err := s.caseFor(ctx, s.db.Read, v, caseID, access.CaseReporter); err != nil {
		return nil, wrap("store.Corrections", err)
	}
	out, err := list(ctx, s.db.Read, "corrections", func(sc scanner) (e kasuhara.Event, err error) {
		err = sc.Scan(&e.ID, &e.CaseID, &e.At, &e.ActorID, &e.Kind, &e.Body)
		e.At = e.At.UTC()
		return e, err
	}, "SELECT id, case_id, at, actor_id, kind, body FROM case_events WHERE case_id = $1 AND kind = $2 ORDER BY at, id", caseID, kasuhara.EventCorrection)
	return out, wrap("store.Corrections", err)
}
