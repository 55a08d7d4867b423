package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
	"github.com/kasuhara/kasuhara/internal/notify"
	"github.com/kasuhara/kasuhara/internal/sqldb"
)

var (
	_ kasuhara.MessageService   = (*Store)(nil)
	_ kasuhara.AnonymousService = (*Store)(nil)
)

func checkMessage(body string) error {
	switch {
	case strings.TrimSpace(body) == "":
		return kasuhara.InvalidField("body", kasuhara.FieldRequired)
	case kasuhara.HasNUL(body):
		return kasuhara.InvalidField("body", kasuhara.FieldNUL)
	case utf8.RuneCountInString(body) > kasuhara.MaxMessage:
		return kasuhara.InvalidField("body", kasuhara.FieldTooLong)
	}
	return nil
}

// careFor is caseFor for the care record and the messages: the reporter,
// the handlers, and the supervisor only with the reporter's consent; any
// other who sees the case is EFORBIDDEN.
func (s *Store) careFor(ctx context.Context, q queryer, v kasuhara.Actor, caseID string) (*kasuhara.Case, access.CaseLevel, error) {
	c, level, err := s.caseFor(ctx, q, v, caseID, access.CaseReporter)
	if err != nil {
		return nil, 0, err
	}
	if c.ReporterID != v.UserID && !access.CareReadable(level, c.CareToSupervisor) {
		return nil, 0, kasuhara.Errorf(kasuhara.EFORBIDDEN, "the reporter has not agreed that the supervisor reads this")
	}
	return c, level, nil
}

func (s *Store) messages(ctx context.Context, q queryer, caseID string) ([]kasuhara.Message, error) {
	return list(ctx, q, "messages", func(sc scanner) (m kasuhara.Message, err error) {
		err = sc.Scan(&m.ID, &m.CaseID, &m.AuthorID, &m.FromReporter, &m.Body, &m.CreatedAt)
		m.CreatedAt = m.CreatedAt.UTC()
		return m, err
	}, `SELECT id, case_id, author_id, from_reporter, body, created_at
		FROM case_messages WHERE case_id = $1 ORDER BY created_at, id`, caseID)
}

// Messages implements kasuhara.MessageService.
func (s *Store) Messages(ctx context.Context, v kasuhara.Actor, caseID string) ([]kasuhara.Message, error) {
	if _, _, err := s.careFor(ctx, s.db.Read, v, caseID); err != nil {
		return nil, err
	}
	return s.messages(ctx, s.db.Read, caseID)
}

// insertMessage writes a message with its timeline event and audit entry.
func (s *Store) insertMessage(ctx context.Context, tx *sqldb.Tx, actor kasuhara.Actor, c *kasuhara.Case, m *kasuhara.Message) error {
	m.ID, m.CaseID, m.CreatedAt, m.Body = newID(), c.ID, s.now(), strings.TrimSpace(m.Body)
	if _, err := tx.ExecContext(ctx, `INSERT INTO case_messages (id, case_id, author_id, from_reporter, body, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, m.ID, c.ID, m.AuthorID, m.FromReporter, m.Body, m.CreatedAt); err != nil {
		return err
	}
	d := map[string]string{"message_id": m.ID, "from_reporter": fmt.Sprint(m.FromReporter)}
	var err error
	if m.FromReporter {
		err = s.notifyHandlersOrDesk(ctx, tx, c, notify.CaseMessage, m.AuthorID)
	} else {
		err = s.notifyEvent(ctx, tx, c, notify.CaseMessage, without([]string{c.ReporterID}, m.AuthorID))
	}
	if err != nil {
		return err
	}
	if err := s.addEvent(ctx, tx, c.ID, m.AuthorID, kasuhara.EventMessage, "", d); err != nil {
		return err
	}
	return s.appendAudit(ctx, tx, change{actor: actor, orgID: c.OrgID, action: "case.message", objectType: "case", objectID: c.ID, detail: d})
}

// AddMessage implements kasuhara.MessageService.
func (s *Store) AddMessage(ctx context.Context, v kasuhara.Actor, caseID, body string) (*kasuhara.Message, error) {
	if err := checkMessage(body); err != nil {
		return nil, err
	}
	var m *kasuhara.Message
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		c, level, err := s.careFor(ctx, tx, v, caseID)
		if err != nil {
			return err
		}
		m = &kasuhara.Message{AuthorID: v.UserID, FromReporter: level == access.CaseReporter, Body: body}
		return s.insertMessage(ctx, tx, v, c, m)
	})
	if err != nil {
		return nil, wrap("store.AddMessage", err)
	}
	return m, nil
}

// SetConfidential implements kasuhara.MessageService: only the reporter.
func (s *Store) SetConfidential(ctx context.Context, v kasuhara.Actor, caseID string, hide bool) error {
	return wrap("store.SetConfidential", s.setReporterChoice(ctx, v, caseID, "hide_from_supervisor", "case.confidential", hide))
}

// SetCareConsent implements kasuhara.MessageService: only the reporter.
func (s *Store) SetCareConsent(ctx context.Context, v kasuhara.Actor, caseID string, share bool) error {
	return wrap("store.SetCareConsent", s.setReporterChoice(ctx, v, caseID, "care_to_supervisor", "case.care_consent", share))
}

// setReporterChoice records a choice that only the case's reporter makes,
// in the case's column (a constant of the callers, never input) and the
// audit trail.
func (s *Store) setReporterChoice(ctx context.Context, v kasuhara.Actor, caseID, column, action string, on bool) error {
	return s.tx(ctx, func(tx *sqldb.Tx) error {
		c, _, err := s.caseFor(ctx, tx, v, caseID, access.CaseReporter)
		if err != nil {
			return err
		}
		if c.ReporterID != v.UserID {
			return kasuhara.Errorf(kasuhara.EFORBIDDEN, "only the reporter decides this")
		}
		if _, err := tx.ExecContext(ctx, "UPDATE cases SET "+column+" = $1, updated_at = $2 WHERE id = $3", on, s.now(), c.ID); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: v, orgID: c.OrgID, action: action, objectType: "case", objectID: c.ID,
			detail: map[string]bool{column: on}})
	})
}

// FlagRetaliation implements kasuhara.MessageService.
func (s *Store) FlagRetaliation(ctx context.Context, v kasuhara.Actor, caseID, body string) (*kasuhara.RetaliationFlag, error) {
	if err := checkMessage(body); err != nil {
		return nil, err
	}
	var f *kasuhara.RetaliationFlag
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		c, _, err := s.caseFor(ctx, tx, v, caseID, access.CaseReporter)
		if err != nil {
			return err
		}
		f, err = s.flagRetaliation(ctx, tx, v, c, body)
		return err
	})
	if err != nil {
		return nil, wrap("store.FlagRetaliation", err)
	}
	return f, nil
}

// flagRetaliation records the reporter's alarm on c in tx (the reporter's
// own or their "yes" to a check-in), tells legal and audits it.
func (s *Store) flagRetaliation(ctx context.Context, tx *sqldb.Tx, v kasuhara.Actor, c *kasuhara.Case, body string) (*kasuhara.RetaliationFlag, error) {
	if c.ReporterID != v.UserID {
		return nil, kasuhara.Errorf(kasuhara.EFORBIDDEN, "only the reporter can raise this")
	}
	f := &kasuhara.RetaliationFlag{ID: newID(), CaseID: c.ID, CaseRef: c.Ref, ReporterID: v.UserID, Body: strings.TrimSpace(body), CreatedAt: s.now()}
	if _, err := tx.ExecContext(ctx, `INSERT INTO retaliation_flags (id, case_id, org_id, reporter_id, body, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, f.ID, c.ID, c.OrgID, v.UserID, f.Body, f.CreatedAt); err != nil {
		return nil, err
	}
	// Legal hears of it at once; never the supervisor.
	if err := s.notifyHandlers(ctx, tx, c, notify.CaseRetaliation, "", kasuhara.RoleLegal); err != nil {
		return nil, err
	}
	return f, s.appendAudit(ctx, tx, change{actor: v, orgID: c.OrgID, action: "retaliation.flag", objectType: "case", objectID: c.ID,
		detail: map[string]string{"flag_id": f.ID}})
}

// RetaliationFlags implements kasuhara.MessageService: legal of the
// organisation only, newest first, leaving out the cases the reader is
// excluded from. Reading them is audited.
func (s *Store) RetaliationFlags(ctx context.Context, v kasuhara.Actor) ([]kasuhara.RetaliationFlag, error) {
	if err := access.Check(v, access.ViewRetaliation); err != nil {
		return nil, err
	}
	out, err := list(ctx, s.db.Read, "retaliation flags", scanFlag, `SELECT `+flagColumns+`
		FROM retaliation_flags f JOIN cases c ON c.id = f.case_id
		WHERE f.org_id = $1 AND NOT EXISTS (SELECT 1 FROM case_exclusions x WHERE x.case_id = f.case_id AND x.user_id = $2)
		ORDER BY f.created_at DESC, f.id`, v.OrgID, v.UserID)
	if err != nil {
		return nil, err
	}
	err = s.tx(ctx, func(tx *sqldb.Tx) error {
		return s.appendAudit(ctx, tx, change{actor: v, orgID: v.OrgID, action: "retaliation.list", objectType: "retaliation_flag",
			detail: map[string]int{"count": len(out)}})
	})
	return out, wrap("store.RetaliationFlags", err)
}

// flagColumns are a retaliation flag's columns as scanFlag reads them.
const flagColumns = "f.id, f.case_id, c.ref, f.reporter_id, f.body, f.created_at, f.handled_at, COALESCE(f.handled_by, ''), f.handled_note"

func scanFlag(sc scanner) (kasuhara.RetaliationFlag, error) {
	var f kasuhara.RetaliationFlag
	var handled sql.NullTime
	err := sc.Scan(&f.ID, &f.CaseID, &f.CaseRef, &f.ReporterID, &f.Body, &f.CreatedAt, &handled, &f.HandledBy, &f.HandledNote)
	f.CreatedAt, f.HandledAt = f.CreatedAt.UTC(), nullTime(handled)
	return f, err
}

// HandleRetaliation implements kasuhara.MessageService.
func (s *Store) HandleRetaliation(ctx context.Context, v kasuhara.Actor, flagID, note string) (*kasuhara.RetaliationFlag, error) {
	if err := access.Check(v, access.ViewRetaliation); err != nil {
		return nil, err
	}
	var f kasuhara.RetaliationFlag
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		var err error
		// An alarm of another organisation, or of a case the reader is
		// excluded from, is not found, as on the list.
		f, err = scanFlag(tx.QueryRowContext(ctx, `SELECT `+flagColumns+` FROM retaliation_flags f JOIN cases c ON c.id = f.case_id
			WHERE f.id = $1 AND f.org_id = $2 AND NOT EXISTS (SELECT 1 FROM case_exclusions x WHERE x.case_id = f.case_id AND x.user_id = $3)`,
			flagID, v.OrgID, v.UserID))
		if errors.Is(err, sql.ErrNoRows) {
			return &kasuhara.Error{Code: kasuhara.ENOTFOUND, Message: "retaliation alarm not found"}
		}
		if err != nil {
			return err
		}
		if err := checkText("note", note, true); err != nil {
			return err
		}
		if !f.HandledAt.IsZero() {
			return kasuhara.Errorf(kasuhara.ECONFLICT, "the alarm was handled already")
		}
		f.HandledAt, f.HandledBy, f.HandledNote = s.now(), v.UserID, strings.TrimSpace(note)
		if _, err := tx.ExecContext(ctx, "UPDATE retaliation_flags SET handled_at = $1, handled_by = $2, handled_note = $3 WHERE id = $4",
			f.HandledAt, f.HandledBy, f.HandledNote, f.ID); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: v, orgID: v.OrgID, action: "retaliation.handle", objectType: "retaliation_flag", objectID: f.ID})
	})
	if err != nil {
		return nil, wrap("store.HandleRetaliation", err)
	}
	return &f, nil
}
