package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
	"github.com/kasuhara/kasuhara/internal/notify"
	"github.com/kasuhara/kasuhara/internal/sqldb"
)

// caseChange runs fn in a transaction on a case the viewer may change at
// level min, then audits action.
func (s *Store) caseChange(ctx context.Context, v kasuhara.Actor, id string, min access.CaseLevel, action string,
	fn func(tx *sqldb.Tx, c *kasuhara.Case) (detail any, err error)) error {
	return s.tx(ctx, func(tx *sqldb.Tx) error {
		if s.db.Engine == sqldb.Postgres {
			// Changes to one case take turns: two at once would both read
			// the same state (read committed) and both apply, counting twice.
			// SQLite's single writer already serialises them.
			if _, err := tx.ExecContext(ctx, "SELECT 1 FROM cases WHERE id = $1 FOR UPDATE", id); err != nil {
				return err
			}
		}
		c, _, err := s.caseFor(ctx, tx, v, id, min)
		if err != nil {
			return err
		}
		detail, err := fn(tx, c)
		if err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: v, orgID: c.OrgID, action: action, objectType: "case", objectID: c.ID, detail: detail})
	})
}

// Transition implements kasuhara.CaseService.
func (s *Store) Transition(ctx context.Context, v kasuhara.Actor, id string, to kasuhara.CaseState, note string) (*kasuhara.Case, error) {
	if !slices.Contains(kasuhara.CaseStates, to) {
		return nil, kasuhara.InvalidField("to", kasuhara.FieldChoice)
	}
	min := access.CaseHandler
	if to == kasuhara.StateAcknowledged {
		// The supervisor may acknowledge a report of their department.
		min = access.CaseSupervisor
	}
	err := s.caseChange(ctx, v, id, min, "case.transition", func(tx *sqldb.Tx, c *kasuhara.Case) (any, error) {
		if !kasuhara.CanMove(c.State, to) {
			return nil, &kasuhara.Error{Code: kasuhara.ECONFLICT, Message: fmt.Sprintf("a case cannot move from %s to %s", c.State, to),
				Fields: kasuhara.FieldErrors{"to": {Code: kasuhara.FieldTransition}}}
		}
		if to == kasuhara.StateInProgress && (c.AssigneeID == "" || c.SecondID == "") {
			return nil, &kasuhara.Error{Code: kasuhara.ECONFLICT, Message: "assign a handler and a second person first",
				Fields: kasuhara.FieldErrors{"assignee": {Code: kasuhara.FieldNeedTwo}}}
		}
		now := s.now()
		set := "state = $1, updated_at = $2"
		switch to {
		case kasuhara.StateAcknowledged:
			set += ", acknowledged_at = $2"
		case kasuhara.StateResolved:
			set += ", resolved_at = $2"
		case kasuhara.StateClosed:
			set += ", closed_at = $2"
		case kasuhara.StateInProgress:
			set += ", resolved_at = NULL, closed_at = NULL"
		}
		if _, err := tx.ExecContext(ctx, "UPDATE cases SET "+set+" WHERE id = $3", string(to), now, c.ID); err != nil {
			return nil, err
		}
		after := *c
		after.State = to
		switch to {
		case kasuhara.StateAcknowledged:
			after.AcknowledgedAt = now
		case kasuhara.StateResolved:
			after.ResolvedAt = now
		case kasuhara.StateClosed:
			after.ClosedAt = now
		case kasuhara.StateInProgress:
			after.ResolvedAt, after.ClosedAt = time.Time{}, time.Time{}
		}
		if err := s.statDelta(ctx, tx, c, &after); err != nil {
			return nil, err
		}
		if err := s.addEvent(ctx, tx, c.ID, v.UserID, kasuhara.EventTransition, strings.TrimSpace(note),
			map[string]string{"from": string(c.State), "to": string(to)}); err != nil {
			return nil, err
		}
		// The named reporter hears that their case moved.
		if err := s.notifyEventDetail(ctx, tx, c, notify.CaseStateChanged, string(to), without([]string{c.ReporterID}, v.UserID)); err != nil {
			return nil, err
		}
		return map[string]string{"from": string(c.State), "to": string(to)}, nil
	})
	if err != nil {
		return nil, wrap("store.Transition", err)
	}
	c, _, err := s.caseFor(ctx, s.db.Read, v, id, access.CaseReporter)
	return c, err
}

// memberRole returns the role of a user in an organisation, "" if none.
func memberRole(ctx context.Context, q queryer, orgID, userID string) (kasuhara.Role, error) {
	var r kasuhara.Role
	err := q.QueryRowContext(ctx, "SELECT m.role FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.org_id = $1 AND m.user_id = $2 AND NOT u.disabled",
		orgID, userID).Scan(&r)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return r, err
}

// Assign implements kasuhara.CaseService.
func (s *Store) Assign(ctx context.Context, v kasuhara.Actor, id, assigneeID, secondID string) (*kasuhara.Case, error) {
	err := s.caseChange(ctx, v, id, access.CaseHandler, "case.assign", func(tx *sqldb.Tx, c *kasuhara.Case) (any, error) {
		f := kasuhara.FieldErrors{}
		if assigneeID == "" {
			f.Add("assignee", kasuhara.FieldRequired)
		} else if r, err := memberRole(ctx, tx, c.OrgID, assigneeID); err != nil {
			return nil, err
		} else if !access.Can(r, access.HandleCases) {
			f.Add("assignee", kasuhara.FieldNotHandler)
		}
		if secondID != "" {
			if secondID == assigneeID {
				f.Add("second", kasuhara.FieldSamePerson)
			} else if r, err := memberRole(ctx, tx, c.OrgID, secondID); err != nil {
				return nil, err
			} else if !access.Can(r, access.SecondOnCase) {
				f.Add("second", kasuhara.FieldNotSecond)
			}
		}
		for _, uid := range []string{assigneeID, secondID} {
			var excluded bool
			if uid == "" {
				continue
			}
			if err := tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM case_exclusions WHERE case_id = $1 AND user_id = $2)", c.ID, uid).Scan(&excluded); err != nil {
				return nil, err
			}
			if excluded {
				field := "assignee"
				if uid == secondID {
					field = "second"
				}
				f.Add(field, kasuhara.FieldExcluded)
			}
		}
		if err := f.Err(); err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE cases SET assignee_id = $1, second_id = $2, updated_at = $3 WHERE id = $4",
			assigneeID, nullString(secondID), s.now(), c.ID); err != nil {
			return nil, err
		}
		data := map[string]string{"assignee": assigneeID, "second": secondID, "old_assignee": c.AssigneeID, "old_second": c.SecondID}
		c.AssigneeID, c.SecondID = assigneeID, secondID
		if err := s.notifyEvent(ctx, tx, c, notify.CaseAssigned, without([]string{assigneeID, secondID}, v.UserID)); err != nil {
			return nil, err
		}
		if err := s.addEvent(ctx, tx, c.ID, v.UserID, kasuhara.EventAssignment, "", data); err != nil {
			return nil, err
		}
		return data, nil
	})
	if err != nil {
		return nil, wrap("store.Assign", err)
	}
	c, _, err := s.caseFor(ctx, s.db.Read, v, id, access.CaseReporter)
	return c, err
}

// Assess implements kasuhara.CaseService.
func (s *Store) Assess(ctx context.Context, v kasuhara.Actor, id string, a kasuhara.Assessment) (*kasuhara.Assessment, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	a.ID, a.CaseID, a.AssessorID, a.CreatedAt = newID(), id, v.UserID, s.now()
	err := s.caseChange(ctx, v, id, access.CaseHandler, "case.assess", func(tx *sqldb.Tx, c *kasuhara.Case) (any, error) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO assessments (id, case_id, assessor_id, request, manner, manner_reasons,
			environment_impaired, environment_how, accommodation_request, verdict, rationale, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			a.ID, c.ID, a.AssessorID, a.Request, a.Manner, strings.Join(a.MannerReasons, ","), a.EnvironmentImpaired,
			strings.TrimSpace(a.EnvironmentHow), a.AccommodationRequest, a.Verdict, strings.TrimSpace(a.Rationale), a.CreatedAt); err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE cases SET verdict = $1, updated_at = $2 WHERE id = $3", a.Verdict, a.CreatedAt, c.ID); err != nil {
			return nil, err
		}
		after := *c
		after.Verdict = a.Verdict
		if err := s.statDelta(ctx, tx, c, &after); err != nil {
			return nil, err
		}
		data := map[string]string{"verdict": a.Verdict, "request": a.Request, "manner": a.Manner}
		if err := s.addEvent(ctx, tx, c.ID, v.UserID, kasuhara.EventAssessment, "", data); err != nil {
			return nil, err
		}
		return data, nil
	})
	if err != nil {
		return nil, wrap("store.Assess", err)
	}
	return &a, nil
}

// Assessments implements kasuhara.CaseService: newest first.
func (s *Store) Assessments(ctx context.Context, v kasuhara.Actor, id string) ([]kasuhara.Assessment, error) {
	if _, _, err := s.caseFor(ctx, s.db.Read, v, id, access.CaseSupervisor); err != nil {
		return nil, err
	}
	return list(ctx, s.db.Read, "assessments", func(sc scanner) (a kasuhara.Assessment, err error) {
		var reasons string
		err = sc.Scan(&a.ID, &a.CaseID, &a.AssessorID, &a.Request, &a.Manner, &reasons, &a.EnvironmentImpaired,
			&a.EnvironmentHow, &a.AccommodationRequest, &a.Verdict, &a.Rationale, &a.CreatedAt)
		a.MannerReasons, a.CreatedAt = splitList(reasons), a.CreatedAt.UTC()
		return a, err
	}, `SELECT id, case_id, assessor_id, request, manner, manner_reasons, environment_impaired,
		environment_how, accommodation_request, verdict, rationale, created_at FROM assessments WHERE case_id = $1 ORDER BY created_at DESC, id DESC`, id)
}

func checkText(field, body string, required bool) error {
	switch {
	case required && strings.TrimSpace(body) == "":
		return kasuhara.InvalidField(field, kasuhara.FieldRequired)
	case kasuhara.HasNUL(body):
		return kasuhara.InvalidField(field, kasuhara.FieldNUL)
	case utf8.RuneCountInString(body) > kasuhara.MaxLongText:
		return kasuhara.InvalidField(field, kasuhara.FieldTooLong)
	}
	return nil
}

// AddNote implements kasuhara.CaseService. kind is "note", "decision" or
// "prevention" (the last two for the handlers).
func (s *Store) AddNote(ctx context.Context, v kasuhara.Actor, id, kind, body string) (*kasuhara.Event, error) {
	if kind != kasuhara.EventNote && kind != kasuhara.EventDecision && kind != kasuhara.EventPrevention {
		return nil, kasuhara.InvalidField("kind", kasuhara.FieldChoice)
	}
	if err := checkText("body", body, true); err != nil {
		return nil, err
	}
	min := access.CaseSupervisor
	if kind == kasuhara.EventDecision || kind == kasuhara.EventPrevention {
		min = access.CaseHandler
	}
	var e *kasuhara.Event
	err := s.caseChange(ctx, v, id, min, "case."+kind, func(tx *sqldb.Tx, c *kasuhara.Case) (any, error) {
		var err error
		if e, err = s.addEventID(ctx, tx, c.ID, v.UserID, kind, strings.TrimSpace(body), nil); err != nil {
			return nil, err
		}
		return map[string]string{"event_id": e.ID}, s.reindex(ctx, tx, c.ID)
	})
	return e, wrap("store.AddNote", err)
}

// AddContact implements kasuhara.CaseService.
func (s *Store) AddContact(ctx context.Context, v kasuhara.Actor, id string, ct kasuhara.Contact) (*kasuhara.Event, error) {
	f := kasuhara.FieldErrors{}
	if ct.At.IsZero() {
		f.Add("at", kasuhara.FieldRequired)
	} else if ct.At.After(s.now().Add(10 * time.Minute)) {
		f.Add("at", kasuhara.FieldFuture)
	}
	if !slices.Contains(kasuhara.Channels, ct.Channel) {
		f.Add("channel", kasuhara.FieldChannel)
	}
	if err := checkText("summary", ct.Summary, true); err != nil {
		f.AddError("summary", kasuhara.ErrorFields(err)["summary"])
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	var e *kasuhara.Event
	err := s.caseChange(ctx, v, id, access.CaseSupervisor, "case.contact", func(tx *sqldb.Tx, c *kasuhara.Case) (any, error) {
		var err error
		e, err = s.addEventID(ctx, tx, c.ID, v.UserID, kasuhara.EventContact, strings.TrimSpace(ct.Summary),
			map[string]string{"channel": ct.Channel, "contact_at": ct.At.UTC().Format(time.RFC3339)})
		if err != nil {
			return nil, err
		}
		return map[string]string{"event_id": e.ID, "channel": ct.Channel}, s.reindex(ctx, tx, c.ID)
	})
	return e, wrap("store.AddContact", err)
}

// Timeline implements kasuhara.CaseService: oldest first.
func (s *Store) Timeline(ctx context.Context, v kasuhara.Actor, id string) ([]kasuhara.Event, error) {
	c, level, err := s.caseFor(ctx, s.db.Read, v, id, access.CaseSupervisor)
	if err != nil {
		return nil, err
	}
	// Care and messages only for who may read them (finding 15).
	care := c.ReporterID == v.UserID || access.CareReadable(level, c.CareToSupervisor)
	out, err := list(ctx, s.db.Read, "timeline", func(sc scanner) (e kasuhara.Event, err error) {
		var data string
		if err := sc.Scan(&e.ID, &e.CaseID, &e.At, &e.ActorID, &e.Kind, &e.Body, &data); err != nil {
			return e, err
		}
		e.At = e.At.UTC()
		if err := json.Unmarshal([]byte(data), &e.Data); err != nil {
			return e, fmt.Errorf("event %s: %w", e.ID, err)
		}
		return e, nil
	}, "SELECT id, case_id, at, actor_id, kind, body, data FROM case_events WHERE case_id = $1 ORDER BY at, id", id)
	if !care {
		out = slices.DeleteFunc(out, func(e kasuhara.Event) bool {
			return e.Kind == kasuhara.EventCare || e.Kind == kasuhara.EventMessage
		})
	}
	if level < access.CaseHandler {
		// An employee's word that they did not make a report taken on
		// their behalf is for the handlers and legal, not the supervisor
		// who may have taken it.
		out = slices.DeleteFunc(out, func(e kasuhara.Event) bool { return e.Kind == kasuhara.EventDisowned })
	}
	return out, err
}

// Tasks implements kasuhara.CaseService.
func (s *Store) Tasks(ctx context.Context, v kasuhara.Actor, id string) ([]kasuhara.Task, error) {
	if _, _, err := s.caseFor(ctx, s.db.Read, v, id, access.CaseSupervisor); err != nil {
		return nil, err
	}
	return list(ctx, s.db.Read, "tasks", func(sc scanner) (t kasuhara.Task, err error) {
		var done sql.NullTime
		err = sc.Scan(&t.ID, &t.CaseID, &t.Key, &t.Title, &done, &t.DoneBy, &t.CreatedAt)
		t.DoneAt, t.CreatedAt = nullTime(done), t.CreatedAt.UTC()
		return t, err
	}, "SELECT id, case_id, key, title, done_at, done_by, created_at FROM case_tasks WHERE case_id = $1 ORDER BY position, id", id)
}

// AddTask implements kasuhara.CaseService.
func (s *Store) AddTask(ctx context.Context, v kasuhara.Actor, id, title string) (*kasuhara.Task, error) {
	title = strings.TrimSpace(title)
	if title == "" {
		return nil, kasuhara.InvalidField("title", kasuhara.FieldRequired)
	}
	if kasuhara.HasNUL(title) {
		return nil, kasuhara.InvalidField("title", kasuhara.FieldNUL)
	}
	if utf8.RuneCountInString(title) > kasuhara.MaxShortText {
		return nil, kasuhara.InvalidField("title", kasuhara.FieldTooLong)
	}
	t := &kasuhara.Task{ID: newID(), CaseID: id, Title: title, CreatedAt: s.now()}
	err := s.caseChange(ctx, v, id, access.CaseSupervisor, "case.task_add", func(tx *sqldb.Tx, c *kasuhara.Case) (any, error) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO case_tasks (id, case_id, key, title, position, created_at)
			VALUES ($1, $2, '', $3, (SELECT COALESCE(MAX(position), -1) + 1 FROM case_tasks WHERE case_id = $2), $4)`,
			t.ID, c.ID, title, t.CreatedAt); err != nil {
			return nil, err
		}
		return map[string]string{"task_id": t.ID}, s.addEvent(ctx, tx, c.ID, v.UserID, kasuhara.EventTask, title, map[string]string{"task_id": t.ID, "done": "false"})
	})
	if err != nil {
		return nil, wrap("store.AddTask", err)
	}
	return t, nil
}

// SetTaskDone implements kasuhara.CaseService.
func (s *Store) SetTaskDone(ctx context.Context, v kasuhara.Actor, id, taskID string, done bool) error {
	err := s.caseChange(ctx, v, id, access.CaseSupervisor, "case.task_done", func(tx *sqldb.Tx, c *kasuhara.Case) (any, error) {
		return s.markDone(ctx, tx, v, c, doneTask, taskID, done)
	})
	return wrap("store.SetTaskDone", err)
}

// doneRow is a kind of row of a case that is marked done: a task or a
// care action.
type doneRow struct {
	table, key, event, what string
}

var (
	doneTask = doneRow{table: "case_tasks", key: "task_id", event: kasuhara.EventTask, what: "task"}
	doneCare = doneRow{table: "care_actions", key: "care_id", event: kasuhara.EventCare, what: "care action"}
)

// markDone records that row id of c is done (or not done after all), by
// whom and when, and the event that says so; it returns the audit detail.
func (s *Store) markDone(ctx context.Context, tx *sqldb.Tx, v kasuhara.Actor, c *kasuhara.Case, row doneRow, id string, done bool) (any, error) {
	var res sql.Result
	var err error
	if done {
		res, err = tx.ExecContext(ctx, "UPDATE "+row.table+" SET done_at = $1, done_by = $2 WHERE id = $3 AND case_id = $4", s.now(), v.UserID, id, c.ID)
	} else {
		res, err = tx.ExecContext(ctx, "UPDATE "+row.table+" SET done_at = NULL, done_by = '' WHERE id = $1 AND case_id = $2", id, c.ID)
	}
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, kasuhara.Errorf(kasuhara.ENOTFOUND, "%s not found", row.what)
	}
	d := map[string]string{row.key: id, "done": fmt.Sprint(done)}
	return d, s.addEvent(ctx, tx, c.ID, v.UserID, row.event, "", d)
}

// CareActions implements kasuhara.CaseService.
func (s *Store) CareActions(ctx context.Context, v kasuhara.Actor, id string) ([]kasuhara.CareAction, error) {
	if _, _, err := s.careFor(ctx, s.db.Read, v, id); err != nil {
		return nil, err
	}
	return list(ctx, s.db.Read, "care", func(sc scanner) (c kasuhara.CareAction, err error) {
		var due, done sql.NullTime
		err = sc.Scan(&c.ID, &c.CaseID, &c.Kind, &due, &c.Note, &done, &c.DoneBy, &c.CreatedBy, &c.CreatedAt)
		c.DueOn, c.DoneAt, c.CreatedAt = nullTime(due), nullTime(done), c.CreatedAt.UTC()
		return c, err
	}, `SELECT id, case_id, kind, due_on, note, done_at, done_by, created_by, created_at
		FROM care_actions WHERE case_id = $1 ORDER BY created_at, id`, id)
}

// AddCare implements kasuhara.CaseService.
func (s *Store) AddCare(ctx context.Context, v kasuhara.Actor, id string, ca kasuhara.CareAction) (*kasuhara.CareAction, error) {
	f := kasuhara.FieldErrors{}
	if !slices.Contains(kasuhara.CareKinds, ca.Kind) {
		f.Add("kind", kasuhara.FieldChoice)
	}
	if kasuhara.HasNUL(ca.Note) {
		f.Add("note", kasuhara.FieldNUL)
	} else if utf8.RuneCountInString(ca.Note) > kasuhara.MaxLongText {
		f.Add("note", kasuhara.FieldTooLong)
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	ca.ID, ca.CaseID, ca.CreatedBy, ca.CreatedAt, ca.Note = newID(), id, v.UserID, s.now(), strings.TrimSpace(ca.Note)
	var due any
	if !ca.DueOn.IsZero() {
		due = ca.DueOn.UTC()
	}
	err := s.caseChange(ctx, v, id, access.CaseSupervisor, "case.care_add", func(tx *sqldb.Tx, c *kasuhara.Case) (any, error) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO care_actions (id, case_id, kind, due_on, note, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, ca.ID, c.ID, ca.Kind, due, ca.Note, ca.CreatedBy, ca.CreatedAt); err != nil {
			return nil, err
		}
		if err := s.careStat(ctx, tx, c, kasuhara.DimCareOffered, ca.Kind, 1); err != nil {
			return nil, err
		}
		d := map[string]string{"care_id": ca.ID, "kind": ca.Kind, "done": "false"}
		return d, s.addEvent(ctx, tx, c.ID, v.UserID, kasuhara.EventCare, "", d)
	})
	if err != nil {
		return nil, wrap("store.AddCare", err)
	}
	return &ca, nil
}

// SetCareDone implements kasuhara.CaseService: records that the care
// actually happened (or undoes a mistaken record).
func (s *Store) SetCareDone(ctx context.Context, v kasuhara.Actor, id, careID string, done bool) error {
	err := s.caseChange(ctx, v, id, access.CaseSupervisor, "case.care_done", func(tx *sqldb.Tx, c *kasuhara.Case) (any, error) {
		var kind string
		var wasDone bool
		if err := tx.QueryRowContext(ctx, "SELECT kind, done_at IS NOT NULL FROM care_actions WHERE id = $1 AND case_id = $2", careID, c.ID).Scan(&kind, &wasDone); err != nil {
			return nil, notFound(err, "store.SetCareDone", "care action")
		}
		if wasDone != done {
			n := 1
			if !done {
				n = -1
			}
			if err := s.careStat(ctx, tx, c, kasuhara.DimCareDone, kind, n); err != nil {
				return nil, err
			}
		}
		return s.markDone(ctx, tx, v, c, doneCare, careID, done)
	})
	return wrap("store.SetCareDone", err)
}

// AddEvidence implements kasuhara.CaseService: records a file already
// stored in the blob store. The reporter may add evidence to their case.
func (s *Store) AddEvidence(ctx context.Context, v kasuhara.Actor, id string, e kasuhara.Evidence) (*kasuhara.Evidence, error) {
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		c, _, err := s.caseFor(ctx, tx, v, id, access.CaseReporter)
		if err != nil {
			return err
		}
		return s.insertEvidence(ctx, tx, v, c, &e)
	})
	if err != nil {
		return nil, wrap("store.AddEvidence", err)
	}
	return &e, nil
}

// insertEvidence records one file on case c with its timeline event and
// audit entry (which carries the file's hash, never its name).
func (s *Store) insertEvidence(ctx context.Context, tx *sqldb.Tx, v kasuhara.Actor, c *kasuhara.Case, e *kasuhara.Evidence) error {
	e.ID, e.CaseID, e.UploadedBy, e.UploadedAt = newID(), c.ID, v.UserID, s.now()
	e.Filename = cleanFilename(e.Filename)
	if _, err := tx.ExecContext(ctx, `INSERT INTO evidence (id, case_id, blob_id, filename, media_type, size, sha256, uploaded_by, uploaded_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, e.ID, c.ID, e.BlobID, e.Filename, e.MediaType, e.Size, e.SHA256, e.UploadedBy, e.UploadedAt); err != nil {
		return err
	}
	d := map[string]string{"evidence_id": e.ID, "sha256": e.SHA256, "media_type": e.MediaType, "size": fmt.Sprint(e.Size)}
	if err := s.addEvent(ctx, tx, c.ID, v.UserID, kasuhara.EventEvidence, "", d); err != nil {
		return err
	}
	return s.appendAudit(ctx, tx, change{actor: v, orgID: c.OrgID, action: "evidence.upload", objectType: "case", objectID: c.ID, detail: d})
}

// cleanFilename keeps a display name: no path, no control characters, no
// bidirectional formatting (a right-to-left override shows
// "invoice_\u202Ecod.exe" as "invoice_exe.doc").
func cleanFilename(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if hiddenInName(r) {
			return -1
		}
		return r
	}, name)
	if utf8.RuneCountInString(name) > 200 {
		name = string([]rune(name)[:200])
	}
	if strings.TrimSpace(name) == "" {
		name = "evidence"
	}
	return name
}

// hiddenInName reports whether r is a control character or a
// bidirectional formatting character: the embeddings and overrides
// U+202A–U+202E, the isolates U+2066–U+2069 and the marks U+200E, U+200F
// and U+061C.
func hiddenInName(r rune) bool {
	switch {
	case unicode.IsControl(r):
		return true
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0x200E, r == 0x200F, r == 0x061C:
		return true
	}
	return false
}

func (s *Store) evidenceRows(ctx context.Context, q queryer, where string, args ...any) ([]kasuhara.Evidence, error) {
	return list(ctx, q, "evidence", func(sc scanner) (e kasuhara.Evidence, err error) {
		err = sc.Scan(&e.ID, &e.CaseID, &e.BlobID, &e.Filename, &e.MediaType, &e.Size, &e.SHA256, &e.UploadedBy, &e.UploadedAt)
		e.UploadedAt = e.UploadedAt.UTC()
		return e, err
	}, `SELECT id, case_id, blob_id, filename, media_type, size, sha256, uploaded_by, uploaded_at
		FROM evidence WHERE `+where+` ORDER BY uploaded_at, id`, args...)
}

// EvidenceList implements kasuhara.CaseService. The reporter sees the files
// of their case; the desk sees all.
func (s *Store) EvidenceList(ctx context.Context, v kasuhara.Actor, id string) ([]kasuhara.Evidence, error) {
	if _, _, err := s.caseFor(ctx, s.db.Read, v, id, access.CaseReporter); err != nil {
		return nil, err
	}
	return s.evidenceRows(ctx, s.db.Read, "case_id = $1", id)
}

// EvidenceByID implements kasuhara.CaseService and audits the download.
func (s *Store) EvidenceByID(ctx context.Context, v kasuhara.Actor, id, evidenceID string) (*kasuhara.Evidence, error) {
	var out *kasuhara.Evidence
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		c, _, err := s.caseFor(ctx, tx, v, id, access.CaseReporter)
		if err != nil {
			return err
		}
		es, err := s.evidenceRows(ctx, tx, "case_id = $1 AND id = $2", id, evidenceID)
		if err != nil {
			return err
		}
		if len(es) == 0 {
			return kasuhara.Errorf(kasuhara.ENOTFOUND, "evidence not found")
		}
		out = &es[0]
		return s.appendAudit(ctx, tx, change{actor: v, orgID: c.OrgID, action: "evidence.download", objectType: "case", objectID: c.ID,
			detail: map[string]string{"evidence_id": evidenceID}})
	})
	return out, wrap("store.EvidenceByID", err)
}

// EvidenceMismatch implements kasuhara.CaseService.
func (s *Store) EvidenceMismatch(ctx context.Context, v kasuhara.Actor, id, evidenceID, during string) error {
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		c, _, err := s.caseFor(ctx, tx, v, id, access.CaseReporter)
		if err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: v, orgID: c.OrgID, action: "evidence.mismatch", objectType: "case", objectID: c.ID,
			detail: map[string]string{"evidence_id": evidenceID, "during": during}})
	})
	return wrap("store.EvidenceMismatch", err)
}

// Exclude implements kasuhara.CaseService. Legal excludes at once; a desk
// member's exclusion is a proposal until a second handler or legal confirms
// it by excluding the same person (issue 16, finding 4).
//
// ExclusionRequests (below) lists the proposals that wait for a viewer.
func (s *Store) Exclude(ctx context.Context, v kasuhara.Actor, id, userID string) (pending bool, err error) {
	err = s.tx(ctx, func(tx *sqldb.Tx) error {
		if s.db.Engine == sqldb.Postgres {
			// As caseChange: changes to one case take turns.
			if _, err := tx.ExecContext(ctx, "SELECT 1 FROM cases WHERE id = $1 FOR UPDATE", id); err != nil {
				return err
			}
		}
		c, _, err := s.caseFor(ctx, tx, v, id, access.CaseHandler)
		if err != nil {
			return err
		}
		if userID == c.ReporterID {
			return kasuhara.InvalidField("user", kasuhara.FieldReporter)
		}
		if userID == v.UserID {
			return kasuhara.InvalidField("user", kasuhara.FieldSelf)
		}
		role, err := memberRole(ctx, tx, c.OrgID, userID)
		if err != nil {
			return err
		} else if role == "" {
			return kasuhara.InvalidField("user", kasuhara.FieldNotMember)
		}
		if role == kasuhara.RoleLegal {
			// Someone must always be able to see the case and what is done
			// in it: the last legal member who sees it stays.
			legal, err := s.handlersOf(ctx, tx, c, kasuhara.RoleLegal)
			if err != nil {
				return err
			}
			if len(without(legal, userID)) == 0 {
				return kasuhara.InvalidField("user", kasuhara.FieldLastLegal)
			}
		}
		var proposer string
		err = tx.QueryRowContext(ctx, "SELECT proposed_by FROM case_exclusion_requests WHERE case_id = $1 AND user_id = $2", c.ID, userID).Scan(&proposer)
		if err != nil && err != sql.ErrNoRows {
			return err
		}
		legal, err := s.handlersOf(ctx, tx, c, kasuhara.RoleLegal)
		if err != nil {
			return err
		}
		if !access.Can(v.Role, access.ExcludeAtOnce) && (proposer == "" || proposer == v.UserID) {
			// A proposal: it waits for a second person; legal is told.
			pending = true
			if proposer == v.UserID {
				return nil
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO case_exclusion_requests (case_id, user_id, proposed_by, created_at) VALUES ($1, $2, $3, $4)",
				c.ID, userID, v.UserID, s.now()); err != nil {
				return err
			}
			d := map[string]string{"user_id": userID}
			if err := s.addEvent(ctx, tx, c.ID, v.UserID, kasuhara.EventExclusionProposed, "", d); err != nil {
				return err
			}
			if err := s.notifyEvent(ctx, tx, c, notify.CaseExclusion, without(without(legal, v.UserID), userID)); err != nil {
				return err
			}
			return s.appendAudit(ctx, tx, change{actor: v, orgID: c.OrgID, action: "case.exclude_proposed", objectType: "case", objectID: c.ID, detail: d})
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM case_exclusion_requests WHERE case_id = $1 AND user_id = $2", c.ID, userID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO case_exclusions (case_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", c.ID, userID); err != nil {
			return err
		}
		// An excluded handler or second person leaves the case.
		if _, err := tx.ExecContext(ctx, `UPDATE cases SET
			assignee_id = CASE WHEN assignee_id = $1 THEN NULL ELSE assignee_id END,
			second_id = CASE WHEN second_id = $1 THEN NULL ELSE second_id END WHERE id = $2`, userID, c.ID); err != nil {
			return err
		}
		d := map[string]string{"user_id": userID}
		if proposer != "" {
			d["proposed_by"] = proposer
		}
		if err := s.addEvent(ctx, tx, c.ID, v.UserID, kasuhara.EventExclusion, "", d); err != nil {
			return err
		}
		if err := s.notifyEvent(ctx, tx, c, notify.CaseExclusion, without(without(legal, v.UserID), userID)); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: v, orgID: c.OrgID, action: "case.exclude", objectType: "case", objectID: c.ID, detail: d})
	})
	return pending, wrap("store.Exclude", err)
}

// RecordSummary implements kasuhara.CaseService: the printed summary of a
// case is an audited read, for who may read the case's handling (the
// supervisor of the department, the desk and legal).
func (s *Store) RecordSummary(ctx context.Context, v kasuhara.Actor, id string) error {
	err := s.caseChange(ctx, v, id, access.CaseSupervisor, "case.summary", func(tx *sqldb.Tx, c *kasuhara.Case) (any, error) {
		return nil, nil
	})
	return wrap("store.RecordSummary", err)
}

// ExclusionRequests implements kasuhara.CaseService: the pending proposals
// in the actor's organisation, proposed by and about others, on cases the
// actor handles (not excluded from).
func (s *Store) ExclusionRequests(ctx context.Context, v kasuhara.Actor) ([]kasuhara.ExclusionRequest, error) {
	if err := access.Check(v, access.ReadCaseContents); err != nil {
		return nil, err
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT r.case_id, c.ref, r.user_id, r.proposed_by, r.created_at
		FROM case_exclusion_requests r JOIN cases c ON c.id = r.case_id
		WHERE c.org_id = $1 AND r.proposed_by <> $2 AND r.user_id <> $2 ORDER BY r.created_at, r.case_id`, v.OrgID, v.UserID)
	if err != nil {
		return nil, wrap("store.ExclusionRequests", err)
	}
	var all []kasuhara.ExclusionRequest
	for rows.Next() {
		var x kasuhara.ExclusionRequest
		if err := rows.Scan(&x.CaseID, &x.CaseRef, &x.UserID, &x.ProposedBy, &x.CreatedAt); err != nil {
			rows.Close()
			return nil, wrap("store.ExclusionRequests", err)
		}
		x.CreatedAt = x.CreatedAt.UTC()
		all = append(all, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, wrap("store.ExclusionRequests", err)
	}
	out := []kasuhara.ExclusionRequest{}
	for _, x := range all {
		_, _, err := s.caseFor(ctx, s.db.Read, v, x.CaseID, access.CaseHandler)
		switch code := kasuhara.ErrorCode(err); {
		case err == nil:
			out = append(out, x)
		case code == kasuhara.ENOTFOUND || code == kasuhara.EFORBIDDEN:
		default:
			return nil, wrap("store.ExclusionRequests", err)
		}
	}
	return out, nil
}
