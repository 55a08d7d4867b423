package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
	"github.com/kasuhara/kasuhara/internal/audit"
	"github.com/kasuhara/kasuhara/internal/jobs"
	"github.com/kasuhara/kasuhara/internal/notify"
	"github.com/kasuhara/kasuhara/internal/search"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"golang.org/x/text/unicode/norm"
)

var _ kasuhara.CaseService = (*Store)(nil)

const caseColumns = `c.id, c.org_id, c.ref, COALESCE(c.reporter_id, ''), COALESCE(c.department_id, ''), c.state, c.urgent, c.consultation,
	c.occurred_at, c.duration_minutes, c.channel, c.location, c.categories, c.subtypes, c.request_content, c.conduct, c.harm,
	c.wishes, c.danger_ongoing, c.witnesses, c.customer_name, c.customer_name_kana, c.customer_phone, c.customer_email,
	c.customer_account, c.customer_sns, COALESCE(c.assignee_id, ''), COALESCE(c.second_id, ''), c.verdict,
	c.acknowledge_by, c.feedback_by, c.acknowledged_at, c.resolved_at, c.closed_at, c.created_at, c.updated_at,
	c.anonymous, c.hide_from_supervisor, c.care_to_supervisor, c.held_for_review,
	COALESCE(c.recorded_by, ''), c.received_via, c.unnamed_reporter, c.disowned_at, COALESCE(c.import_id, '')`

// summaryColumns is caseColumnsFor(e) without the report's narratives and
// the customer's details (kasuhara.CaseFilter.Summary), scanned by
// caseRow.summaryDest: a page of 50 reads 550 columns fewer, each a call
// into SQLite and a value for database/sql to convert (issue 21).
var summaryColumns = func() map[sqldb.Engine]string {
	out := map[sqldb.Engine]string{}
	for _, e := range []sqldb.Engine{sqldb.SQLite, sqldb.Postgres} {
		s := caseColumnsFor(e)
		for _, col := range []string{"request_content", "conduct", "harm", "wishes", "witnesses", "customer_name", "customer_name_kana",
			"customer_phone", "customer_email", "customer_account", "customer_sns"} {
			s = strings.Replace(s, "c."+col+",", "", 1)
		}
		out[e] = s
	}
	return out
}()

func scanCase(sc scanner, extra ...any) (*kasuhara.Case, error) {
	var c kasuhara.Case
	var row caseRow
	if err := sc.Scan(append(row.dest(&c), extra...)...); err != nil {
		return nil, err
	}
	row.finish(&c)
	return &c, nil
}

// caseRow scans rows of caseColumns: its destinations (the lists, the
// times, the slice of pointers) are reused row after row instead of
// allocated for each.
type caseRow struct {
	cats, subs string
	ts         [9]dbTime
	ptrs       []any
}

// dest is the destinations of a row of caseColumns into c, with room for
// one more.
func (w *caseRow) dest(c *kasuhara.Case) []any {
	r := &c.Report
	ts := &w.ts
	w.ptrs = append(w.ptrs[:0], &c.ID, &c.OrgID, &c.Ref, &c.ReporterID, &r.DepartmentID, &c.State, &c.Urgent, &r.Consultation,
		&ts[0], &r.DurationMinutes, &r.Channel, &r.Location, &w.cats, &w.subs, &r.RequestContent, &r.Conduct, &r.Harm,
		&r.Wishes, &r.DangerOngoing, &r.Witnesses, &r.Customer.Name, &r.Customer.NameKana, &r.Customer.Phone, &r.Customer.Email,
		&r.Customer.Account, &r.Customer.SNSHandle, &c.AssigneeID, &c.SecondID, &c.Verdict,
		&ts[1], &ts[2], &ts[3], &ts[4], &ts[5], &ts[6], &ts[7], &c.Anonymous, &c.HideFromSupervisor, &c.CareToSupervisor, &c.HeldForReview,
		&c.RecordedBy, &c.ReceivedVia, &c.UnnamedReporter, &ts[8], &c.ImportID)
	return w.ptrs
}

// summaryDest is dest for a row of summaryColumns: without the narratives
// and the customer's details, which stay empty.
func (w *caseRow) summaryDest(c *kasuhara.Case) []any {
	r := &c.Report
	ts := &w.ts
	w.ptrs = append(w.ptrs[:0], &c.ID, &c.OrgID, &c.Ref, &c.ReporterID, &r.DepartmentID, &c.State, &c.Urgent, &r.Consultation,
		&ts[0], &r.DurationMinutes, &r.Channel, &r.Location, &w.cats, &w.subs, &r.DangerOngoing, &c.AssigneeID, &c.SecondID, &c.Verdict,
		&ts[1], &ts[2], &ts[3], &ts[4], &ts[5], &ts[6], &ts[7], &c.Anonymous, &c.HideFromSupervisor, &c.CareToSupervisor, &c.HeldForReview,
		&c.RecordedBy, &c.ReceivedVia, &c.UnnamedReporter, &ts[8], &c.ImportID)
	return w.ptrs
}

// finish sets what c takes from the row's lists and times.
func (w *caseRow) finish(c *kasuhara.Case) {
	r := &c.Report
	for _, s := range splitList(w.cats) {
		r.Categories = append(r.Categories, kasuhara.Category(s))
	}
	r.Subtypes = splitList(w.subs)
	ts := &w.ts
	r.OccurredAt = ts[0].T
	c.AcknowledgeBy, c.FeedbackBy = ts[1].T, ts[2].T
	c.AcknowledgedAt, c.ResolvedAt, c.ClosedAt = ts[3].T, ts[4].T, ts[5].T
	c.CreatedAt, c.UpdatedAt = ts[6].T, ts[7].T
	c.DisownedAt, c.Imported = ts[8].T, c.ImportID != ""
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// categoryColumns are the columns of a case_categories row: with the
// category, the case's organisation, state and filing time, by which the
// queue filtered by a category walks (migration 0054; the state follows
// the case by a trigger).
var categoryColumns = []string{"case_id", "category", "org_id", "state", "created_at"}

// categoryRows appends the case_categories rows of c to rows.
func categoryRows(rows [][]any, c *kasuhara.Case) [][]any {
	for _, cat := range c.Report.Categories {
		rows = append(rows, []any{c.ID, string(cat), c.OrgID, string(c.State), c.CreatedAt})
	}
	return rows
}

func joinCategories(cs []kasuhara.Category) string {
	ss := make([]string, len(cs))
	for i, c := range cs {
		ss[i] = string(c)
	}
	return strings.Join(ss, ",")
}

// queryer is what both *sql.DB and *sqldb.Tx offer.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// departmentPath is a department and the departments above it, nearest
// first (nil for none). The walk stops at 16 levels, as the hierarchy's
// own checks do.
func departmentPath(ctx context.Context, q queryer, id string) ([]string, error) {
	var path []string
	for id != "" && len(path) < 16 && !slices.Contains(path, id) {
		path = append(path, id)
		var parent sql.NullString
		if err := q.QueryRowContext(ctx, "SELECT parent_id FROM departments WHERE id = $1", id).Scan(&parent); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				break
			}
			return nil, fmt.Errorf("store: department path: %w", err)
		}
		id = parent.String
	}
	return path, nil
}

// underDepartment is the condition that the department column col is the
// department dept or one below it (an area takes its stores).
func underDepartment(q *qb, col, dept string) string {
	return col + " IN (WITH RECURSIVE below(id) AS (SELECT CAST(" + q.arg(dept) + " AS TEXT)" +
		" UNION SELECT d.id FROM departments d JOIN below ON d.parent_id = below.id) SELECT id FROM below)"
}

// caseFor loads a case and the viewer's level, ENOTFOUND below min.
func (s *Store) caseFor(ctx context.Context, q queryer, v kasuhara.Actor, id string, min access.CaseLevel) (*kasuhara.Case, access.CaseLevel, error) {
	var excluded bool
	c, err := scanCase(q.QueryRowContext(ctx, "SELECT "+caseColumnsFor(s.db.Engine)+
		", EXISTS (SELECT 1 FROM case_exclusions x WHERE x.case_id = c.id AND x.user_id = $2) FROM cases c WHERE c.id = $1",
		id, v.UserID), &excluded)
	if err != nil {
		return nil, access.CaseNone, notFound(err, "store.case", "case")
	}
	if c.DepartmentPath, err = departmentPath(ctx, q, c.Report.DepartmentID); err != nil {
		return nil, access.CaseNone, err
	}
	level := access.Case(v, access.CaseFacts{OrgID: c.OrgID, ReporterID: c.ReporterID, DepartmentID: c.Report.DepartmentID,
		DepartmentPath: c.DepartmentPath, ViewerExcluded: excluded, HiddenFromSupervisor: c.HideFromSupervisor})
	if level == access.CaseNone {
		return nil, level, &kasuhara.Error{Code: kasuhara.ENOTFOUND, Message: "case not found"}
	}
	if level < min {
		if level == access.CaseReporter {
			// The reporter knows the case exists; they just may not do this.
			return nil, level, &kasuhara.Error{Code: kasuhara.EFORBIDDEN, Message: "only the desk may do this"}
		}
		return nil, level, &kasuhara.Error{Code: kasuhara.EFORBIDDEN, Message: "not allowed for your role"}
	}
	return c, level, nil
}

// FileReport implements kasuhara.CaseService.
func (s *Store) FileReport(ctx context.Context, v kasuhara.Actor, r kasuhara.Report, evidence ...kasuhara.Evidence) (*kasuhara.Case, error) {
	const op = "store.FileReport"
	var c *kasuhara.Case
	// The settings kept by the store, checked by the case's INSERT (guarded).
	err := s.guarded(ctx, v.OrgID, func(st *kasuhara.OrgSettings, guard int64) error {
		var err error
		if c, err = s.newCaseWith(v, r, st); err != nil {
			return err
		}
		return s.tx(ctx, func(tx *sqldb.Tx) error { return s.insertCaseWith(ctx, tx, v, c, evidence, guard) })
	})
	if err != nil {
		return nil, wrap(op, err)
	}
	return c, nil
}

// newCase checks a report that v files now and makes its case: new, v's
// own, with the clocks of v's organisation.
func (s *Store) newCase(ctx context.Context, v kasuhara.Actor, r kasuhara.Report) (*kasuhara.Case, error) {
	st, err := s.settings(ctx, s.db.Read, v.OrgID)
	if err != nil {
		return nil, fmt.Errorf("settings: %w", err)
	}
	return s.newCaseWith(v, r, st)
}

// newCaseWith is newCase with the settings of v's organisation given.
func (s *Store) newCaseWith(v kasuhara.Actor, r kasuhara.Report, st *kasuhara.OrgSettings) (*kasuhara.Case, error) {
	r.Normalize()
	now := s.now()
	if err := r.Validate(now); err != nil {
		return nil, err
	}
	ack, feedback := clocksOf(st, now)
	return &kasuhara.Case{ID: newID(), OrgID: v.OrgID, ReporterID: v.UserID, State: kasuhara.StateNew, Urgent: r.Urgent(), Report: r,
		AcknowledgeBy: ack, FeedbackBy: feedback, CreatedAt: now, UpdatedAt: now}, nil
}

// insertCaseWith writes a new case (insertCaseReceipt, with the guard
// given) and its evidence records.
func (s *Store) insertCaseWith(ctx context.Context, tx *sqldb.Tx, v kasuhara.Actor, c *kasuhara.Case, evidence []kasuhara.Evidence, guard int64) error {
	if err := s.insertCaseReceipt(ctx, tx, v, c, len(evidence) == 0, receipt{}, guard); err != nil {
		return err
	}
	for _, e := range evidence {
		e.CaseID = c.ID
		if err := s.insertEvidence(ctx, tx, v, c, &e); err != nil {
			return err
		}
	}
	return nil
}

// insertCase writes a new case with its categories, playbook tasks, search
// tokens, first timeline event and audit entry. alone says that nothing else
// in the transaction writes the case after it (no evidence, no receipt): the
// audit entry's record state is then computed from the values written
// instead of read back (newCaseRecords).
func (s *Store) insertCase(ctx context.Context, tx *sqldb.Tx, actor kasuhara.Actor, c *kasuhara.Case, alone bool) error {
	return s.insertCaseReceipt(ctx, tx, actor, c, alone, receipt{}, noGuard)
}

// receipt is what the cases table keeps of an anonymous report's receipt:
// the part it is found by and the digest that checks the rest.
type receipt struct{ lookup, hash string }

// insertCaseReceipt is insertCase for a case written with its receipt (an
// anonymous report): the receipt is part of the case's INSERT, and so of
// the record state computed from the values written. guard, unless it is
// noGuard, is the version of the organisation's settings that c's clocks
// were computed with: the INSERT returns the version the settings have, and
// errSettingsChanged says it is another (guarded); the function's error
// undoes the case.
func (s *Store) insertCaseReceipt(ctx context.Context, tx *sqldb.Tx, actor kasuhara.Actor, c *kasuhara.Case, alone bool, rc receipt, guard int64) error {
	if err := s.numberCase(ctx, tx, c); err != nil {
		return err
	}
	r := c.Report
	tokens := search.Tokens(strings.Join(reportText(r), "\n"))
	// The search index is written with the case: on PostgreSQL its
	// tsvector, on SQLite the next search_id (the FTS row's number) now and
	// the FTS row at the end of the batch (indexNew). No read-back.
	searchCol, searchVal := "search_id", "(SELECT COALESCE(MAX(search_id), 0) + 1 FROM cases)"
	if s.db.Engine == sqldb.Postgres {
		searchCol, searchVal = "search", "setweight(to_tsvector('simple', $40), 'A')"
	}
	args := []any{c.ID, c.OrgID, c.Ref, nullString(c.ReporterID), nullString(r.DepartmentID), string(c.State), c.Urgent, r.Consultation,
		r.OccurredAt, r.DurationMinutes, r.Channel, r.Location, joinCategories(r.Categories), strings.Join(r.Subtypes, ","),
		r.RequestContent, r.Conduct, r.Harm, r.Wishes, r.DangerOngoing, r.Witnesses, r.Customer.Name, r.Customer.NameKana,
		r.Customer.Phone, r.Customer.Email, r.Customer.Account, r.Customer.SNSHandle,
		c.AcknowledgeBy, c.FeedbackBy, c.CreatedAt, c.UpdatedAt, c.Anonymous, c.HeldForReview,
		nullString(c.RecordedBy), c.ReceivedVia, c.UnnamedReporter, nullString(c.ImportID), nullTimeArg(c.ClosedAt),
		nullString(rc.lookup), nullString(rc.hash)}
	if s.db.Engine == sqldb.Postgres {
		args = append(args, tokens)
	}
	// The department is checked by the INSERT: a department of another
	// organisation (or none) gives NULL, and the report fails below. The
	// settings' version is read with it, for the guard.
	var sid sql.NullInt64
	var dep sql.NullString
	var version int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO cases (id, org_id, ref, reporter_id, department_id, state, urgent, consultation,
		occurred_at, duration_minutes, channel, location, categories, subtypes, request_content, conduct, harm, wishes,
		danger_ongoing, witnesses, customer_name, customer_name_kana, customer_phone, customer_email, customer_account, customer_sns,
		acknowledge_by, feedback_by, created_at, updated_at, anonymous, held_for_review, recorded_by, received_via, unnamed_reporter,
		import_id, closed_at, receipt_lookup, receipt_hash, `+searchCol+`)
		VALUES ($1, $2, $3, $4, (SELECT id FROM departments WHERE id = $5 AND org_id = $2), $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32,
		$33, $34, $35, $36, $37, $38, $39, `+searchVal+`)
		RETURNING search_id, department_id, COALESCE((SELECT version FROM org_settings WHERE org_id = $2), 0)`, args...).Scan(&sid, &dep, &version); err != nil {
		return fmt.Errorf("insert case: %w", err)
	}
	if guard != noGuard && version != guard {
		// Undone with the function's savepoint (or the batch's rollback).
		return errSettingsChanged
	}
	if r.DepartmentID != "" && dep.String != r.DepartmentID {
		return kasuhara.InvalidField("department", kasuhara.FieldNotDepartment)
	}
	if s.db.Engine == sqldb.SQLite {
		s.indexNew(ctx, tx, c.ID, sid.Int64, tokens)
	}
	if err := tx.QueueRows(ctx, "case_categories", categoryColumns, categoryRows(nil, c)); err != nil {
		return err
	}
	if err := s.statDelta(ctx, tx, nil, c); err != nil {
		return err
	}
	imported := c.ImportID != ""
	var tasks [][]any
	for i, key := range kasuhara.Playbook(r) {
		if imported && c.State == kasuhara.StateClosed {
			// A past incident of the old ledger has no steps left.
			break
		}
		tasks = append(tasks, []any{newID(), c.ID, key, i, c.CreatedAt})
	}
	if err := tx.QueueRows(ctx, "case_tasks", []string{"id", "case_id", "key", "position", "created_at"}, tasks); err != nil {
		return err
	}
	// The case was written with updated_at = now: the first event needs no
	// update of it. It is made now and written once the case has its
	// number, which it names (whenNumbered).
	reported := s.newEvent(c.ID, actor.UserID, kasuhara.EventReported, "", nil)
	var custID string
	if err := s.whenCustomer(ctx, tx, c, &custID); err != nil {
		return err
	}
	numbered := func(tx *sqldb.Tx) error {
		reported.Data = map[string]string{"ref": c.Ref}
		if c.RecordedBy != "" {
			reported.Data["received_via"] = c.ReceivedVia
		}
		if imported {
			reported.Data["imported"] = "true"
		}
		if err := queueEvent(ctx, tx, reported); err != nil {
			return err
		}
		// The first reminder of the clocks and the outbox entries of the
		// report (fanned out after the commit), in one statement. A closed
		// imported case runs no clock: its deadlines are long past and would
		// send a storm of reminders. A report held during a flood is reviewed
		// in the queue, not notified one by one; nor are the cases of an import
		// (the import is one act). The employee a report was taken for hears
		// of it (the recorder's own report is not theirs to be told of).
		var js []jobs.Job
		if !imported || c.State != kasuhara.StateClosed {
			js = append(js, firstClockJob(c))
		}
		if !c.HeldForReview && !imported {
			js = append(js, s.handlersJob(c, notify.CaseReported, actor.UserID))
		}
		if c.RecordedBy != "" && c.ReporterID != "" {
			js = append(js, s.eventJob(c, notify.CaseRecorded, notify.EventJob{Users: []string{c.ReporterID}}))
		}
		return jobs.EnqueueAll(ctx, tx, js...)
	}
	if err := s.whenNumbered(ctx, tx, c, numbered); err != nil {
		return err
	}
	detail := map[string]any{"categories": r.Categories, "urgent": c.Urgent, "consultation": r.Consultation}
	if imported {
		detail["imported"], detail["import_id"], detail["state"] = true, c.ImportID, c.State
	}
	if c.HeldForReview {
		detail["held_for_review"] = true
	}
	if c.RecordedBy != "" {
		detail["on_behalf"], detail["received_via"], detail["unnamed"] = true, c.ReceivedVia, c.UnnamedReporter
	}
	ch := change{actor: actor, orgID: c.OrgID, action: "case.create", objectType: "case", objectID: c.ID, detail: detail}
	// An imported case may arrive closed (closed_at set): its state is
	// read back like any other that newCaseRecords does not know.
	if alone && !imported {
		// Made when the entry is chained, after the case's number.
		ch.records = func() []audit.RecordState { return newCaseRecords(s.db.Engine, c, custID, rc.hash) }
	}
	return s.appendAudit(ctx, tx, ch)
}

// reindex rebuilds a case's search tokens from its report and timeline,
// in separate fields so that a search matches only what its viewer may read
// (see searchLevel): the report, the notes and decisions, the contact
// records, and the care records and messages.
func (s *Store) reindex(ctx context.Context, tx *sqldb.Tx, caseID string) error {
	var req, conduct, harm, wishes, loc string
	if err := tx.QueryRowContext(ctx, "SELECT request_content, conduct, harm, wishes, location FROM cases WHERE id = $1", caseID).
		Scan(&req, &conduct, &harm, &wishes, &loc); err != nil {
		return err
	}
	report := reportText(kasuhara.Report{RequestContent: req, Conduct: conduct, Harm: harm, Wishes: wishes, Location: loc})
	var notes, contacts, care []string
	rows, err := tx.QueryContext(ctx, "SELECT kind, body FROM case_events WHERE case_id = $1 AND body <> ''", caseID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var kind, b string
		if err := rows.Scan(&kind, &b); err != nil {
			rows.Close()
			return err
		}
		switch kind {
		case kasuhara.EventContact:
			contacts = append(contacts, b)
		case kasuhara.EventCare, kasuhara.EventMessage, kasuhara.EventDisowned:
			care = append(care, b)
		case kasuhara.EventCorrection:
			// The reporter's own words, searched as the report is.
			report = append(report, b)
		default:
			notes = append(notes, b)
		}
	}
	if err := rows.Close(); err != nil {
		return err
	}
	tok := func(parts []string) string { return search.Tokens(strings.Join(parts, "\n")) }
	tokens, noteTokens, contactTokens, careTokens := tok(report), tok(notes), tok(contacts), tok(care)
	if s.db.Engine == sqldb.Postgres {
		// One tsvector, each field in its weight (searchWeights).
		_, err = tx.ExecContext(ctx, "UPDATE cases SET search = setweight(to_tsvector('simple', $1), 'A') || "+
			"setweight(to_tsvector('simple', $2), 'B') || setweight(to_tsvector('simple', $3), 'C') || "+
			"setweight(to_tsvector('simple', $4), 'D') WHERE id = $5", tokens, noteTokens, contactTokens, careTokens, caseID)
		return err
	}
	// The FTS row is found by its rowid, the case's search_id; a case
	// without one (new) gets the next number.
	var sid sql.NullInt64
	if err := tx.QueryRowContext(ctx, "SELECT search_id FROM cases WHERE id = $1", caseID).Scan(&sid); err != nil {
		return err
	}
	known := sid.Valid
	if !known {
		if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(search_id), 0) + 1 FROM cases").Scan(&sid.Int64); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE cases SET search_id = $1 WHERE id = $2", sid.Int64, caseID); err != nil {
			return err
		}
	}
	if !known {
		s.indexNew(ctx, tx, caseID, sid.Int64, tokens, noteTokens, contactTokens, careTokens)
		return nil
	}
	// The index itself is written once for the whole batch, at its end
	// (sqldb.Tx.BeforeCommit): written here, each report made a segment of its
	// own and paid for merging it.
	// It runs after this caller may have gone: its context must not stop it.
	ctx = context.WithoutCancel(ctx)
	tx.BeforeCommit(func(tx *sqldb.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM case_search WHERE rowid = $1", sid.Int64); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO case_search (rowid, case_id, tokens, notes, contacts, care) VALUES ($1, $2, $3, $4, $5, $6)",
			sid.Int64, caseID, tokens, noteTokens, contactTokens, careTokens)
		return err
	})
	return nil
}

// indexNew writes the FTS row of a case that has none (SQLite) at the end
// of the batch, as reindex does: fields are the report's tokens and then,
// if given, the notes', contacts' and care's.
func (s *Store) indexNew(ctx context.Context, tx *sqldb.Tx, caseID string, sid int64, fields ...string) {
	f := make([]string, 4)
	copy(f, fields)
	ctx = context.WithoutCancel(ctx)
	tx.BeforeCommit(func(tx *sqldb.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO case_search (rowid, case_id, tokens, notes, contacts, care) VALUES ($1, $2, $3, $4, $5, $6)",
			sid, caseID, f[0], f[1], f[2], f[3])
		return err
	})
}

// reportText is the report's searchable text, field by field.
func reportText(r kasuhara.Report) []string {
	return []string{r.RequestContent, r.Conduct, r.Harm, r.Wishes, r.Location}
}

func (s *Store) addEvent(ctx context.Context, tx *sqldb.Tx, caseID, actorID, kind, body string, data map[string]string) error {
	_, err := s.addEventID(ctx, tx, caseID, actorID, kind, body, data)
	return err
}

func (s *Store) addEventID(ctx context.Context, tx *sqldb.Tx, caseID, actorID, kind, body string, data map[string]string) (*kasuhara.Event, error) {
	e, err := s.insertEvent(ctx, tx, caseID, actorID, kind, body, data)
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE cases SET updated_at = $1 WHERE id = $2", e.At, caseID); err != nil {
		return nil, err
	}
	return e, nil
}

// insertEvent writes a timeline event without touching its case.
func (s *Store) insertEvent(ctx context.Context, tx *sqldb.Tx, caseID, actorID, kind, body string, data map[string]string) (*kasuhara.Event, error) {
	e := s.newEvent(caseID, actorID, kind, body, data)
	if err := queueEvent(ctx, tx, e); err != nil {
		return nil, err
	}
	return e, nil
}

// newEvent makes a timeline event, now; queueEvent writes it.
func (s *Store) newEvent(caseID, actorID, kind, body string, data map[string]string) *kasuhara.Event {
	return &kasuhara.Event{ID: newID(), CaseID: caseID, At: s.now(), ActorID: actorID, Kind: kind, Body: body, Data: data}
}

// queueEvent writes the timeline event e (Tx.Queue).
func queueEvent(ctx context.Context, tx *sqldb.Tx, e *kasuhara.Event) error {
	if e.Data == nil {
		e.Data = map[string]string{}
	}
	b, _ := json.Marshal(e.Data)
	if err := tx.Queue(ctx, "INSERT INTO case_events (id, case_id, at, actor_id, kind, body, data) VALUES ($1, $2, $3, $4, $5, $6, $7)",
		e.ID, e.CaseID, e.At, e.ActorID, e.Kind, e.Body, string(b)); err != nil {
		return fmt.Errorf("add event: %w", err)
	}
	return nil
}

// CaseByID implements kasuhara.CaseService.
func (s *Store) CaseByID(ctx context.Context, v kasuhara.Actor, id string) (*kasuhara.Case, error) {
	var c *kasuhara.Case
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		var err error
		if c, _, err = s.caseFor(ctx, tx, v, id, access.CaseReporter); err != nil {
			return err
		}
		return s.auditRead(ctx, tx, v, c, "case")
	})
	return c, wrap("store.CaseByID", err)
}

func (s *Store) auditRead(ctx context.Context, tx *sqldb.Tx, v kasuhara.Actor, c *kasuhara.Case, part string) error {
	return s.appendAudit(ctx, tx, change{actor: v, orgID: c.OrgID, action: "case.read", objectType: "case", objectID: c.ID,
		detail: map[string]string{"part": part}})
}

// qb builds a WHERE clause with numbered placeholders.
type qb struct {
	where []string
	args  []any
}

func (q *qb) arg(v any) string {
	q.args = append(q.args, v)
	return fmt.Sprintf("$%d", len(q.args))
}

func (q *qb) add(cond string) { q.where = append(q.where, cond) }

// visible restricts a query on cases c to those the viewer may see,
// mirroring access.Case.
// orgScoped: visible's condition for v starts with the organisation (a
// handler, or a supervisor of a department), not the viewer's own cases.
func orgScoped(v kasuhara.Actor) bool {
	return access.Can(v.Role, access.HandleCases) || (access.Can(v.Role, access.SuperviseCases) && v.DepartmentID != "")
}

func visible(q *qb, v kasuhara.Actor) {
	u := q.arg(v.UserID)
	own := "c.reporter_id = " + u
	notExcluded := "NOT EXISTS (SELECT 1 FROM case_exclusions x WHERE x.case_id = c.id AND x.user_id = " + u + ")"
	// The organisation comes first and outside the OR, so that the list
	// walks the (org_id, created_at) index instead of every case.
	switch {
	case access.Can(v.Role, access.HandleCases):
		q.add("c.org_id = " + q.arg(v.OrgID) + " AND (" + own + " OR " + notExcluded + ")")
	case access.Can(v.Role, access.SuperviseCases):
		if v.DepartmentID != "" {
			// Their department and every department below it.
			q.add("c.org_id = " + q.arg(v.OrgID) + " AND (" + own + " OR (" + underDepartment(q, "c.department_id", v.DepartmentID) +
				" AND NOT c.hide_from_supervisor AND " + notExcluded + "))")
			return
		}
		q.add(own)
	default:
		q.add(own)
	}
}

// The fields of the search index each level reads (access.CaseLevel): the
// report; the notes and decisions, and the contact records; the care records
// and desk↔reporter messages, which only the handlers search. On SQLite
// they are columns of the FTS5 table, on PostgreSQL weights of one tsvector.
var (
	searchColumns = map[access.CaseLevel]string{
		access.CaseReporter:   "tokens",
		access.CaseSupervisor: "{tokens notes contacts}",
		access.CaseHandler:    "{tokens notes contacts care}",
	}
	searchWeights = map[access.CaseLevel]string{
		access.CaseReporter:   "{a}",
		access.CaseSupervisor: "{a,b,c}",
		access.CaseHandler:    "{a,b,c,d}",
	}
)

// searchLevel returns the condition under which the viewer reads a visible
// case at their role's level (mirroring access.Case), and that level; ""
// when the viewer reads only the cases they reported, at the reporter's.
func searchLevel(q *qb, v kasuhara.Actor) (string, access.CaseLevel) {
	notExcluded := func() string {
		return "NOT EXISTS (SELECT 1 FROM case_exclusions x WHERE x.case_id = c.id AND x.user_id = " + q.arg(v.UserID) + ")"
	}
	switch {
	case access.Can(v.Role, access.HandleCases):
		return "(c.org_id = " + q.arg(v.OrgID) + " AND " + notExcluded() + ")", access.CaseHandler
	case access.Can(v.Role, access.SuperviseCases):
		if v.DepartmentID != "" {
			return "(c.org_id = " + q.arg(v.OrgID) + " AND " + underDepartment(q, "c.department_id", v.DepartmentID) +
				" AND NOT c.hide_from_supervisor AND " + notExcluded() + ")", access.CaseSupervisor
		}
	}
	return "", access.CaseReporter
}

// RebuildSearch rebuilds the search index of the cases queued in
// search_rebuild (by migration 0025, which separated the fields), a batch
// at a time, and returns how many it rebuilt.
func (s *Store) RebuildSearch(ctx context.Context) (int, error) {
	total := 0
	for {
		n := 0
		err := s.tx(ctx, func(tx *sqldb.Tx) error {
			rows, err := tx.QueryContext(ctx, "SELECT b.case_id, c.id IS NOT NULL FROM search_rebuild b LEFT JOIN cases c ON c.id = b.case_id ORDER BY b.case_id LIMIT 500")
			if err != nil {
				return err
			}
			type item struct {
				id     string
				exists bool
			}
			var items []item
			for rows.Next() {
				var it item
				if err := rows.Scan(&it.id, &it.exists); err != nil {
					rows.Close()
					return err
				}
				items = append(items, it)
			}
			if err := rows.Close(); err != nil {
				return err
			}
			for _, it := range items {
				if it.exists {
					if err := s.reindex(ctx, tx, it.id); err != nil {
						return err
					}
					n++
				}
				if _, err := tx.ExecContext(ctx, "DELETE FROM search_rebuild WHERE case_id = $1", it.id); err != nil {
					return err
				}
			}
			if len(items) == 0 {
				n = -1
			}
			return nil
		})
		if err != nil {
			return total, wrap("store.RebuildSearch", err)
		}
		if n < 0 {
			return total, nil
		}
		total += n
	}
}

// cursor is the position after the last case of a page.
type cursor struct {
	At time.Time `json:"t"`
	ID string    `json:"i"`
	S  int64     `json:"s,omitempty"` // search_id, for a search on SQLite
}

func encodeCursor(c cursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || c.ID == "" {
		return c, kasuhara.InvalidField("cursor", kasuhara.FieldMalformed)
	}
	return c, nil
}

// MaxPageSize caps a page of cases.
const MaxPageSize = 200

// casesQuery is the query of a page of cases, as Cases runs it.
type casesQuery struct {
	sql                  string
	args                 []any
	limit                int
	bySearch, byDeadline bool
	// walk, when set, is run first (a search on PostgreSQL: searchWalk).
	walk *casesQuery
}

// pageQuery builds the query of a page of cases for the viewer.
func (s *Store) pageQuery(v kasuhara.Actor, f kasuhara.CaseFilter) (casesQuery, error) {
	limit := f.Limit
	if limit <= 0 || limit > MaxPageSize {
		limit = 50
	}
	pq, err := s.pageSQL(v, f, f.Cursor, limit+1)
	if err != nil {
		return casesQuery{}, err
	}
	pq.limit = limit
	if s.walks(v, f) {
		w, err := s.searchWalk(v, f, limit+1)
		if err != nil {
			return casesQuery{}, err
		}
		pq.walk = &w
	}
	return pq, nil
}

// pageSQL builds the statement of up to fetch cases for the viewer after
// the cursor token ("" for the first page).
func (s *Store) pageSQL(v kasuhara.Actor, f kasuhara.CaseFilter, token string, fetch int) (casesQuery, error) {
	q := &qb{}
	visible(q, v)
	byDeadline := f.Sort == "deadline"
	// byCategory: a page of a category by date walks that category's rows
	// of the organisation (case_categories carries each case's
	// organisation, state and filing time, migration 0054) instead of the
	// organisation's cases of the state, most of them of other categories.
	// The conditions on the case stay as they are: the walk only decides
	// which rows are read, never which are shown.
	byCategory := f.Category != "" && !byDeadline && orgScoped(v) && len(search.QueryTokens(f.Query)) == 0
	cf := f
	if byCategory {
		cf.Category = "" // the walk is the category's
	}
	s.caseFilters(q, v, cf)
	dir := "DESC"
	if f.Sort == "oldest" || f.Sort == "deadline" {
		dir = "ASC"
	}
	from, order, bySearch := s.caseSearch(q, v, f.Query, dir)
	at, id := "c.created_at", "c.id"
	// catWhere: the conditions on the category's rows (byCategory).
	var catWhere []string
	if byCategory {
		index := "case_categories_org_created"
		catWhere = append(catWhere, "cc.org_id = "+q.arg(v.OrgID), "cc.category = "+q.arg(string(f.Category)))
		switch {
		case f.State != "":
			index = "case_categories_org_state"
			catWhere = append(catWhere, "cc.state = "+q.arg(string(f.State)))
		case f.Open:
			catWhere = append(catWhere, "cc.state IN ('new', 'acknowledged', 'in_progress')")
		}
		// CROSS JOIN and INDEXED BY keep the category's rows the outer loop
		// on SQLite whatever the statistics say (TestCategoryPagePlan).
		from = "case_categories cc INDEXED BY " + index + " CROSS JOIN cases c ON c.id = cc.case_id"
		at, id = "cc.created_at", "cc.case_id"
		order = at + " " + dir + ", " + id + " " + dir
	}
	if byDeadline {
		// The cases whose clock runs, walked on cases_org_next_due; with a
		// search, its matches sorted.
		q.add("c.next_due IS NOT NULL")
		order, bySearch = "c.next_due ASC, c.id ASC", false
		if s.db.Engine == sqldb.SQLite && from == "cases c" && orgScoped(v) {
			// Planned once (unprobed, below) from the averages of
			// sqlite_stat1, SQLite sorted the open cases (cases_org_open)
			// instead of walking the organisation's clocks in order to the
			// page's end; named, the walk is the plan whatever the
			// statistics say (TestListNotReprepared).
			from = "cases c INDEXED BY cases_org_next_due"
		}
	}
	if token != "" {
		cond, err := afterCursor(q, token, dir, bySearch, byDeadline, at, id)
		if err != nil {
			return casesQuery{}, err
		}
		if byCategory {
			catWhere = append(catWhere, cond)
		} else {
			q.add(cond)
		}
	}
	cols := caseColumnsFor(s.db.Engine)
	if f.Summary {
		cols = summaryColumns[s.db.Engine]
	}
	where := " WHERE " + strings.Join(append(q.where, catWhere...), " AND ")
	if byCategory && s.db.Engine == sqldb.Postgres {
		// Each of the category's rows finds its case by its id alone
		// (LATERAL, with OFFSET 0 so that neither the join nor the case's
		// conditions are moved into it), then the case is checked: a
		// nested loop that stops at the page's end whatever the statistics
		// say. Joined plainly, PostgreSQL estimated the join at one row and
		// hashed the organisation's cases of the state, then sorted them;
		// with the case's conditions inside the look-up, it found each case
		// of an organisation grown after ANALYZE through the organisation's
		// index (TestCategoryPagePlan).
		from = "case_categories cc CROSS JOIN LATERAL (SELECT * FROM cases c WHERE c.id = cc.case_id OFFSET 0) c"
	}
	query := "SELECT " + cols + ", COALESCE(c.search_id, 0) FROM " + from + where + " ORDER BY " + order + " LIMIT " + q.arg(fetch)
	// A page runs again and again for other desks and pages: compiled
	// once (unprobed, TestListNotReprepared).
	query = unprobed(s.db.Engine, query)
	return casesQuery{sql: query, args: q.args, bySearch: bySearch, byDeadline: byDeadline}, nil
}

// Cases implements kasuhara.CaseService.
func (s *Store) Cases(ctx context.Context, v kasuhara.Actor, f kasuhara.CaseFilter) ([]kasuhara.Case, string, error) {
	const op = "store.Cases"
	pq, err := s.pageQuery(v, f)
	if err != nil {
		return nil, "", err
	}
	limit, bySearch, byDeadline := pq.limit, pq.bySearch, pq.byDeadline
	var out []kasuhara.Case
	var sids []int64
	if pq.walk != nil {
		out, sids, err = s.walkCases(ctx, v, f, pq)
	} else {
		out, sids, err = s.queryCases(ctx, pq.sql, pq.args, f.Summary, limit+1, nil, nil)
	}
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", op, err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		last := out[len(out)-1]
		c := cursor{At: last.CreatedAt, ID: last.ID}
		if byDeadline {
			c.At = last.NextDeadline()
		}
		if bySearch {
			c.S = sids[limit-1]
		}
		next = encodeCursor(c)
	}
	paths := map[string][]string{}
	// A summary has no department paths but for a supervisor, whose level
	// in a case of a department below theirs is decided on it (the API's
	// list shows them the handler and the verdict).
	supervisor := access.Can(v.Role, access.SuperviseCases) && !access.Can(v.Role, access.HandleCases)
	for i := range out {
		if f.Summary && !supervisor {
			break
		}
		dep := out[i].Report.DepartmentID
		if _, ok := paths[dep]; !ok {
			if paths[dep], err = departmentPath(ctx, s.db.Read, dep); err != nil {
				return nil, "", wrap(op, err)
			}
		}
		out[i].DepartmentPath = paths[dep]
	}
	// The list shows report contents: it is a read, and audited as one.
	err = s.tx(ctx, func(tx *sqldb.Tx) error {
		return s.appendAudit(ctx, tx, change{actor: v, orgID: v.OrgID, action: "case.list", objectType: "case",
			detail: map[string]any{"count": len(out), "state": f.State, "category": f.Category, "search": f.Query != ""}})
	})
	if err != nil {
		return nil, "", wrap(op, err)
	}
	return out, next, nil
}

// caseFilters adds the conditions of f other than its search to q.
func (s *Store) caseFilters(q *qb, v kasuhara.Actor, f kasuhara.CaseFilter) {
	if f.Mine {
		q.add("c.reporter_id = " + q.arg(v.UserID))
	}
	if f.State != "" {
		q.add("c.state = " + q.arg(string(f.State)))
	}
	if f.Category != "" {
		q.add("EXISTS (SELECT 1 FROM case_categories cc WHERE cc.case_id = c.id AND cc.category = " + q.arg(string(f.Category)) + ")")
	}
	if f.Verdict != "" {
		q.add("c.verdict = " + q.arg(f.Verdict))
	}
	if f.DepartmentID != "" {
		// A department with everything under it: an area's filter takes
		// its stores.
		q.add(underDepartment(q, "c.department_id", f.DepartmentID))
	}
	if f.AssigneeID != "" {
		a := q.arg(f.AssigneeID)
		q.add("(c.assignee_id = " + a + " OR c.second_id = " + a + ")")
	}
	if !f.From.IsZero() {
		q.add("c.occurred_at >= " + q.arg(f.From.UTC()))
	}
	if !f.To.IsZero() {
		q.add("c.occurred_at < " + q.arg(f.To.UTC()))
	}
	now := s.now()
	for _, c := range []struct {
		on   bool
		cond func(*qb, kasuhara.Actor, time.Time) string
	}{{f.Open, openCond}, {f.Overdue, overdueCond}, {f.DueToday, dueTodayCond}, {f.NoSecond, noSecondCond}, {f.AwaitingReply, awaitingReplyCond}} {
		if c.on {
			q.add(c.cond(q, v, now))
		}
	}
}

// The conditions of the desk's figures (kasuhara.CaseCounts), on cases c:
// each both a filter of the queue and a count of the home, so that the two
// always agree.

// openCond: new, acknowledged or in progress.
func openCond(*qb, kasuhara.Actor, time.Time) string {
	return "c.state IN ('new', 'acknowledged', 'in_progress')"
}

// overdueCond: the running clock ran out (Case.Overdue).
func overdueCond(q *qb, _ kasuhara.Actor, now time.Time) string {
	return "c.next_due < " + q.arg(now)
}

// dueTodayCond: the running clock runs out later today in the
// organisation's time zone.
func dueTodayCond(q *qb, _ kasuhara.Actor, now time.Time) string {
	t := now.In(kasuhara.JST)
	end := time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, kasuhara.JST).UTC()
	return "(c.next_due >= " + q.arg(now) + " AND c.next_due < " + q.arg(end) + ")"
}

// noSecondCond: acknowledged or in progress without a second person (a
// new case waits for its acknowledgement first).
func noSecondCond(*qb, kasuhara.Actor, time.Time) string {
	return "(c.state IN ('acknowledged', 'in_progress') AND c.second_id IS NULL)"
}

// awaitingReplyCond: the newest message is the reporter's. Only where the
// viewer may read the messages: the handlers, the reporter, a supervisor
// with the reporter's consent (access.CareReadable).
func awaitingReplyCond(q *qb, v kasuhara.Actor, _ time.Time) string {
	cond := "(SELECT m.from_reporter FROM case_messages m WHERE m.case_id = c.id ORDER BY m.created_at DESC, m.id DESC LIMIT 1) = TRUE"
	if !access.Can(v.Role, access.HandleCases) {
		cond += " AND (c.reporter_id = " + q.arg(v.UserID) + " OR c.care_to_supervisor)"
	}
	return "(" + cond + ")"
}

// caseSearch adds the condition of a search for query to q, and returns
// the rows to select from and their order (dir is ASC or DESC).
// bySearch: the SQLite search walks its index in the order of filing
// (the FTS rowid is the case's search_id, given when a case is filed)
// and stops at the end of the page; sorting every match by date first
// cost time in proportion to the matches (docs/performance.md).
func (s *Store) caseSearch(q *qb, v kasuhara.Actor, query, dir string) (from, order string, bySearch bool) {
	from, order = "cases c", "c.created_at "+dir+", c.id "+dir
	if toks := search.QueryTokens(query); len(toks) > 0 {
		cond, level := searchLevel(q, v)
		if s.db.Engine == sqldb.Postgres {
			tsq := "plainto_tsquery('simple', " + q.arg(strings.Join(toks, " ")) + ")"
			reporter := "ts_filter(c.search, '" + searchWeights[access.CaseReporter] + "') @@ " + tsq
			m := "c.search @@ " + tsq + " AND "
			switch {
			case cond == "":
				m += reporter
			case level == access.CaseHandler:
				m += "(" + cond + " OR " + reporter + ")"
			default:
				m += "((" + cond + " AND ts_filter(c.search, '" + searchWeights[level] + "') @@ " + tsq + ") OR " + reporter + ")"
			}
			q.add(m)
		} else {
			quoted := make([]string, len(toks))
			for i, t := range toks {
				quoted[i] = `"` + strings.ReplaceAll(t, `"`, `""`) + `"`
			}
			expr := " : (" + strings.Join(quoted, " AND ") + ")"
			bySearch = true
			// CROSS JOIN keeps the text index as the outer loop and
			// INDEXED BY finds each match's case by its search_id, whatever
			// the statistics say: an organisation that grew after the last
			// ANALYZE looks small to the planner, which then walked its
			// cases and ran the full-text query for each (seconds at 20,000
			// cases; TestSearchPlanAfterGrowth).
			from = "case_search CROSS JOIN cases c INDEXED BY cases_search_id ON c.search_id = case_search.rowid"
			order = "case_search.rowid " + dir
			if cond == "" {
				q.add("case_search MATCH " + q.arg(searchColumns[access.CaseReporter]+expr))
			} else {
				// The viewer's level for the case decides the fields; where
				// it is only the reporter's, the report must match alone.
				q.add("case_search MATCH " + q.arg(searchColumns[level]+expr) + " AND (" + cond +
					" OR EXISTS (SELECT 1 FROM case_search r WHERE r.case_search MATCH " + q.arg(searchColumns[access.CaseReporter]+expr) +
					" AND r.rowid = case_search.rowid))")
			}
		}
	}
	return from, order, bySearch
}

// afterCursor returns the condition of the page after the cursor token
// (dir is the order, ASC or DESC; atCol and idCol the filing time's and
// the case's id's columns of a page by date).
func afterCursor(q *qb, token, dir string, bySearch, byDeadline bool, atCol, idCol string) (string, error) {
	cur, err := decodeCursor(token)
	if err != nil {
		return "", err
	}
	cmp := "<"
	if dir == "ASC" {
		cmp = ">"
	}
	if bySearch {
		if cur.S == 0 {
			return "", kasuhara.InvalidField("cursor", kasuhara.FieldMalformed)
		}
		return "case_search.rowid " + cmp + " " + q.arg(cur.S), nil
	}
	t, id := q.arg(cur.At), q.arg(cur.ID)
	if byDeadline {
		return "(c.next_due > " + t + " OR (c.next_due = " + t + " AND c.id > " + id + "))", nil
	}
	return "(" + atCol + " " + cmp + " " + t + " OR (" + atCol + " = " + t + " AND " + idCol + " " + cmp + " " + id + "))", nil
}

// queryCases runs a query of cases (of summaryColumns when summary)
// followed by their search_id and, when extra is given, by further columns
// scanned into extra, after which each is called for the row; size is how
// many rows it may give.
func (s *Store) queryCases(ctx context.Context, query string, args []any, summary bool, size int, extra []any, each func()) ([]kasuhara.Case, []int64, error) {
	if s.traceQuery != nil {
		s.traceQuery(query, args)
	}
	rows, err := s.db.Read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	// Each case is scanned in place: a page is one allocation of cases.
	out := make([]kasuhara.Case, 0, size)
	sids := make([]int64, 0, size)
	var row caseRow
	var sid int64
	for rows.Next() {
		out = append(out, kasuhara.Case{})
		c := &out[len(out)-1]
		dest := row.dest
		if summary {
			dest = row.summaryDest
		}
		if err := rows.Scan(append(append(dest(c), &sid), extra...)...); err != nil {
			return nil, nil, err
		}
		row.finish(c)
		sids = append(sids, sid)
		if each != nil {
			each()
		}
	}
	return out, sids, rows.Err()
}

// PickCases implements kasuhara.CaseService.
func (s *Store) PickCases(ctx context.Context, v kasuhara.Actor, typed string, limit int) ([]kasuhara.CasePick, error) {
	digits := pickDigits(typed)
	if digits == "" {
		return nil, nil
	}
	if limit <= 0 || limit > 50 {
		limit = 10
	}
	q := &qb{}
	visible(q, v)
	if ref, ok := kasuhara.NormalizeCaseRef(typed); ok && len(digits) >= 8 {
		q.add("c.ref = " + q.arg(ref))
	} else {
		q.add("replace(c.ref, '-', '') LIKE " + q.arg("%"+digits+"%"))
	}
	rows, err := s.db.Read.QueryContext(ctx, "SELECT c.id, c.ref, c.state, c.occurred_at, c.created_at FROM cases c WHERE "+
		strings.Join(q.where, " AND ")+" ORDER BY c.created_at DESC, c.id DESC LIMIT "+q.arg(limit), q.args...)
	if err != nil {
		return nil, fmt.Errorf("store.PickCases: %w", err)
	}
	defer rows.Close()
	var out []kasuhara.CasePick
	for rows.Next() {
		var p kasuhara.CasePick
		if err := rows.Scan(&p.ID, &p.Ref, &p.State, &p.OccurredAt, &p.CreatedAt); err != nil {
			return nil, fmt.Errorf("store.PickCases: %w", err)
		}
		p.OccurredAt, p.CreatedAt = p.OccurredAt.UTC(), p.CreatedAt.UTC()
		out = append(out, p)
	}
	return out, rows.Err()
}

// pickDigits is the digits of what a person typed for a case number
// (full-width ones too), "" when it holds anything but a number.
func pickDigits(typed string) string {
	t := strings.ToUpper(norm.NFKC.String(strings.TrimSpace(typed)))
	t = strings.TrimPrefix(strings.NewReplacer("-", "", " ", "").Replace(t), "K")
	if t == "" || len(t) > 9 || strings.IndexFunc(t, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
		return ""
	}
	return t
}
