package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
	"github.com/kasuhara/kasuhara/internal/notify"
	"github.com/kasuhara/kasuhara/internal/sqldb"
)

var _ kasuhara.CheckinService = (*Store)(nil)

// KindCheckins is the daily job that asks reporters whether they have been
// treated disadvantageously since their report.
const KindCheckins = "checkins"

// CheckinHour is the hour, in Japan, at which reporters are asked: in the
// working day, when the question can be answered at once.
const CheckinHour = 10

// checkinCatchUp is how late a check-in is still asked after its day (a
// server down that day, a day added to the settings): a report whose day
// passed longer ago is not asked about it any more.
const checkinCatchUp = 7 * 24 * time.Hour

// checkinYesBody is the alarm's text when the reporter answers yes without
// writing anything.
const checkinYesBody = "報告の後に不利益な取扱いを受けたと回答がありました（報告後の確認）。 / Answered yes to the check-in after the report."

// ScheduleCheckins enqueues the check-in job for the next CheckinHour:00 in
// Japan after at (at once when first), once per day.
func (s *Store) ScheduleCheckins(ctx context.Context, at time.Time, first bool) error {
	return s.scheduleDaily(ctx, KindCheckins, CheckinHour, at, first)
}

// CheckinsHandler is the job handler of KindCheckins: it asks the day's
// reporters and schedules the next day's run.
func (s *Store) CheckinsHandler(ctx context.Context, _ json.RawMessage) error {
	if _, err := s.AskCheckins(ctx); err != nil {
		return err
	}
	return s.ScheduleCheckins(ctx, s.Now(), false)
}

// dueCheckin is a case whose reporter is to be asked on day Day.
type dueCheckin struct {
	c   kasuhara.Case
	day int
}

// AskCheckins asks every named reporter whose report reached one of its
// organisation's check-in days (OrgSettings.CheckinDays) in the last
// checkinCatchUp and who was not asked about that day yet: a row in
// retaliation_checkins, an in-app notification and a mail without content
// to the reporter, and an audit entry. A disabled reporter, an anonymous
// report and a purged case are not asked. It returns how many were asked;
// a second run the same day asks nobody again.
func (s *Store) AskCheckins(ctx context.Context) (int, error) {
	now := s.now()
	orgs, err := list(ctx, s.db.Read, "check-in days", func(sc scanner) (o struct{ id, days string }, err error) {
		return o, sc.Scan(&o.id, &o.days)
	}, "SELECT o.id, COALESCE(st.checkin_days, $1) FROM orgs o LEFT JOIN org_settings st ON st.org_id = o.id ORDER BY o.id",
		checkinDaysValue(kasuhara.DefaultCheckinDays))
	if err != nil {
		return 0, wrap("store.AskCheckins", err)
	}
	var due []dueCheckin
	for _, o := range orgs {
		days, _ := kasuhara.ParseCheckinDays(o.days)
		for _, day := range days {
			until := now.AddDate(0, 0, -day)
			cs, err := list(ctx, s.db.Read, "due check-ins", func(sc scanner) (d dueCheckin, err error) {
				d.day = day
				return d, sc.Scan(&d.c.ID, &d.c.OrgID, &d.c.Ref, &d.c.ReporterID, &d.c.Urgent)
			}, `SELECT c.id, c.org_id, c.ref, c.reporter_id, c.urgent FROM cases c JOIN users u ON u.id = c.reporter_id
				WHERE c.org_id = $1 AND NOT c.anonymous AND NOT u.disabled AND c.created_at > $2 AND c.created_at <= $3
				AND NOT EXISTS (SELECT 1 FROM retaliation_checkins k WHERE k.case_id = c.id AND k.day = $4)
				ORDER BY c.created_at, c.id`, o.id, until.Add(-checkinCatchUp), until, day)
			if err != nil {
				return 0, wrap("store.AskCheckins", err)
			}
			due = append(due, cs...)
		}
	}
	asked := 0
	for _, d := range due {
		err := s.tx(ctx, func(tx *sqldb.Tx) error {
			res, err := tx.ExecContext(ctx, `INSERT INTO retaliation_checkins (id, case_id, org_id, reporter_id, day, asked_at)
				VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (case_id, day) DO NOTHING`, newID(), d.c.ID, d.c.OrgID, d.c.ReporterID, d.day, now)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil // asked meanwhile, by another run
			}
			asked++
			if err := s.notifyEventDetail(ctx, tx, &d.c, notify.CaseCheckin, strconv.Itoa(d.day), []string{d.c.ReporterID}); err != nil {
				return err
			}
			return s.appendAudit(ctx, tx, change{actor: kasuhara.SystemActor, orgID: d.c.OrgID, action: "checkin.ask", objectType: "case",
				objectID: d.c.ID, detail: map[string]int{"day": d.day}})
		})
		if err != nil {
			return asked, wrap("store.AskCheckins", err)
		}
	}
	return asked, nil
}

// checkinColumns are a check-in's columns in the order scanCheckin reads.
const checkinColumns = "k.id, k.case_id, c.ref, k.day, k.asked_at, k.answered_at, COALESCE(k.answer, ''), COALESCE(k.flag_id, '')"

func scanCheckin(sc scanner) (kasuhara.Checkin, error) {
	var k kasuhara.Checkin
	var answered sql.NullTime
	err := sc.Scan(&k.ID, &k.CaseID, &k.CaseRef, &k.Day, &k.AskedAt, &answered, &k.Answer, &k.FlagID)
	k.AskedAt = k.AskedAt.UTC()
	if answered.Valid {
		k.AnsweredAt = answered.Time.UTC()
	}
	return k, err
}

// checkinCase is the case of caseID for a reader of its check-ins: its
// reporter, or legal (the alarms are legal's, view_retaliation). The desk
// and the supervisor never read them, whatever the reporter agreed to share.
func (s *Store) checkinCase(ctx context.Context, q queryer, v kasuhara.Actor, caseID string) (*kasuhara.Case, error) {
	c, level, err := s.caseFor(ctx, q, v, caseID, access.CaseReporter)
	if err != nil {
		return nil, err
	}
	if c.ReporterID != v.UserID && (level != access.CaseHandler || !access.Can(v.Role, access.ViewRetaliation)) {
		return nil, kasuhara.Errorf(kasuhara.EFORBIDDEN, "only the reporter and legal read the check-ins")
	}
	return c, nil
}

// Checkins implements kasuhara.CheckinService.
func (s *Store) Checkins(ctx context.Context, v kasuhara.Actor, caseID string) ([]kasuhara.Checkin, error) {
	c, err := s.checkinCase(ctx, s.db.Read, v, caseID)
	if err != nil {
		return nil, wrap("store.Checkins", err)
	}
	out, err := list(ctx, s.db.Read, "check-ins", scanCheckin,
		"SELECT "+checkinColumns+" FROM retaliation_checkins k JOIN cases c ON c.id = k.case_id WHERE k.case_id = $1 ORDER BY k.day", c.ID)
	if err != nil || c.ReporterID == v.UserID || len(out) == 0 {
		return out, wrap("store.Checkins", err)
	}
	// Legal reading a reporter's answers is a read of the case, audited
	// (legal's to read, like the alarms).
	err = s.tx(ctx, func(tx *sqldb.Tx) error {
		return s.appendAudit(ctx, tx, change{actor: v, orgID: c.OrgID, action: "checkin.read", objectType: "case", objectID: c.ID,
			detail: map[string]int{"count": len(out)}})
	})
	return out, wrap("store.Checkins", err)
}

// AnswerCheckin implements kasuhara.CheckinService.
func (s *Store) AnswerCheckin(ctx context.Context, v kasuhara.Actor, caseID, answer, body string) (*kasuhara.Checkin, error) {
	var k kasuhara.Checkin
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		// Who asks first: the answer's form is checked only for the reporter.
		c, err := s.checkinCase(ctx, tx, v, caseID)
		if err != nil {
			return err
		}
		if c.ReporterID != v.UserID {
			return kasuhara.Errorf(kasuhara.EFORBIDDEN, "only the reporter answers")
		}
		if answer != kasuhara.CheckinNo && answer != kasuhara.CheckinYes {
			return kasuhara.Invalid(kasuhara.FieldErrors{"answer": kasuhara.OneOf(kasuhara.CheckinNo, kasuhara.CheckinYes)})
		}
		// Nothing written with a no is kept; a yes carries what was
		// written, or a sentence saying it came from the check-in.
		if body = strings.TrimSpace(body); answer == kasuhara.CheckinYes {
			if body == "" {
				body = checkinYesBody
			}
			if err := checkMessage(body); err != nil {
				return err
			}
		}
		k, err = scanCheckin(tx.QueryRowContext(ctx, "SELECT "+checkinColumns+
			" FROM retaliation_checkins k JOIN cases c ON c.id = k.case_id WHERE k.case_id = $1 AND k.answered_at IS NULL ORDER BY k.day LIMIT 1", c.ID))
		if err == sql.ErrNoRows {
			var n int
			if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM retaliation_checkins WHERE case_id = $1", c.ID).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return kasuhara.Errorf(kasuhara.ECONFLICT, "the check-in was answered already")
			}
			return kasuhara.Errorf(kasuhara.ENOTFOUND, "no check-in was asked")
		}
		if err != nil {
			return err
		}
		k.Answer, k.AnsweredAt = answer, s.now()
		if answer == kasuhara.CheckinYes {
			f, err := s.flagRetaliation(ctx, tx, v, c, body)
			if err != nil {
				return err
			}
			k.FlagID = f.ID
		}
		if _, err := tx.ExecContext(ctx, "UPDATE retaliation_checkins SET answered_at = $1, answer = $2, flag_id = $3 WHERE id = $4",
			k.AnsweredAt, k.Answer, nullString(k.FlagID), k.ID); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: v, orgID: c.OrgID, action: "checkin.answer", objectType: "case", objectID: c.ID,
			detail: map[string]any{"day": k.Day, "answer": answer}})
	})
	if err != nil {
		return nil, wrap("store.AnswerCheckin", err)
	}
	return &k, nil
}

// CheckinCounts implements kasuhara.CheckinService.
func (s *Store) CheckinCounts(ctx context.Context, v kasuhara.Actor, since time.Time) (kasuhara.CheckinCounts, error) {
	if err := s.authorize(ctx, v, access.ViewCompliance, v.OrgID); err != nil {
		return kasuhara.CheckinCounts{}, err
	}
	n, err := s.checkinCounts(ctx, v.OrgID, since)
	return n, wrap("store.CheckinCounts", err)
}

// checkinCounts are an organisation's check-in figures since since, for
// CheckinCounts and each organisation of the compliance page.
func (s *Store) checkinCounts(ctx context.Context, orgID string, since time.Time) (kasuhara.CheckinCounts, error) {
	var n kasuhara.CheckinCounts
	err := s.db.Read.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(answered_at), COUNT(CASE WHEN answer = 'yes' THEN 1 END)
		FROM retaliation_checkins WHERE org_id = $1 AND asked_at >= $2`, orgID, since).Scan(&n.Asked, &n.Answered, &n.Yes)
	return n, err
}
