package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/jobs"
	"github.com/kasuhara/kasuhara/internal/notify"
	"github.com/kasuhara/kasuhara/internal/sqldb"
)

var _ kasuhara.NotificationService = (*Store)(nil)

// Job kinds the store enqueues besides notify's mail and webhook.
const KindClock = "clock"

// clockJob is the payload of a "clock" job: look at a case when one of its
// clocks is about to run out, has run out, or is to be escalated.
type clockJob struct {
	CaseID string `json:"case_id"`
	Clock  string `json:"clock"` // acknowledge or feedback
	Stage  string `json:"stage"` // due_soon, overdue, escalate
}

// DueSoon is how long before a clock runs out the handlers are reminded;
// EscalateAfter is how long after it ran out the supervisor (or legal) is told.
const (
	DueSoon       = 2 * time.Hour
	EscalateAfter = 24 * time.Hour
)

// notifyEvent tells recipients (user ids) about an event on case c, inside
// tx: an in-app notification and a mail job for each, and a webhook job for
// the organisation. Jobs carry dedupe keys, so an event is sent once.
func (s *Store) notifyEvent(ctx context.Context, tx *sqldb.Tx, c *kasuhara.Case, typ string, recipients []string) error {
	var slug string
	if err := tx.QueryRowContext(ctx, "SELECT slug FROM orgs WHERE id = $1", c.OrgID).Scan(&slug); err != nil {
		return fmt.Errorf("notify: org: %w", err)
	}
	ev := notify.Event{ID: newID(), Type: typ, OrgSlug: slug, CaseID: c.ID, CaseRef: c.Ref, Urgent: c.Urgent, OccurredAt: s.now()}
	// The recipients' addresses in one query, their notifications and mails
	// in one statement each.
	var ids []string
	var args []any
	for _, uid := range recipients {
		if uid == "" || slices.Contains(ids, uid) {
			continue
		}
		ids = append(ids, uid)
		args = append(args, uid)
	}
	if len(ids) > 0 {
		marks := make([]string, len(ids))
		for i := range ids {
			marks[i] = fmt.Sprintf("$%d", i+1)
		}
		rows, err := tx.QueryContext(ctx, "SELECT id, email, language FROM users WHERE NOT disabled AND id IN ("+strings.Join(marks, ", ")+")", args...)
		if err != nil {
			return err
		}
		to := map[string][2]string{}
		for rows.Next() {
			var id, email, lang string
			if err := rows.Scan(&id, &email, &lang); err != nil {
				rows.Close()
				return err
			}
			to[id] = [2]string{email, lang}
		}
		if err := rows.Close(); err != nil {
			return err
		}
		var notes [][]any
		var mails []jobs.Job
		for _, uid := range ids { // in the order given
			u, ok := to[uid]
			if !ok {
				continue
			}
			notes = append(notes, []any{newID(), uid, c.OrgID, typ, c.ID, c.Ref, c.Urgent, ev.OccurredAt})
			lang := u[1]
			if lang == "" {
				lang = "ja"
			}
			mails = append(mails, jobs.Job{Kind: notify.KindMail, Payload: notify.MailJob{To: []string{u[0]}, Lang: lang, Event: ev},
				DedupeKey: "mail:" + ev.ID + ":" + uid})
		}
		if err := tx.InsertRows(ctx, "notifications", []string{"id", "user_id", "org_id", "type", "case_id", "case_ref", "urgent", "created_at"}, notes); err != nil {
			return err
		}
		if err := jobs.EnqueueAll(ctx, tx, mails...); err != nil {
			return err
		}
	}
	st, err := s.settings(ctx, tx, c.OrgID)
	if err != nil {
		return err
	}
	if st.WebhookURL != "" {
		if err := jobs.Enqueue(ctx, tx, jobs.Job{Kind: notify.KindWebhook, Payload: notify.WebhookJob{Webhook: c.OrgID, Event: ev},
			DedupeKey: "webhook:" + ev.ID + ":" + c.OrgID}); err != nil {
			return err
		}
	}
	return nil
}

// handlersOf lists the desk and legal members of an organisation who may
// see the case (not excluded).
func handlersOf(ctx context.Context, tx *sqldb.Tx, c *kasuhara.Case, roles ...kasuhara.Role) ([]string, error) {
	if len(roles) == 0 {
		roles = []kasuhara.Role{kasuhara.RoleDesk, kasuhara.RoleLegal}
	}
	var out []string
	for _, role := range roles {
		ids, err := userIDs(ctx, tx, `SELECT m.user_id FROM memberships m
			WHERE m.org_id = $1 AND m.role = $2
			AND NOT EXISTS (SELECT 1 FROM case_exclusions x WHERE x.case_id = $3 AND x.user_id = m.user_id)`, c.OrgID, string(role), c.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, ids...)
	}
	return out, nil
}

// userIDs runs a query that selects user ids.
func userIDs(ctx context.Context, tx *sqldb.Tx, q string, args ...any) ([]string, error) {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// handlersOrDesk is the case's handler and second person, or the whole desk
// while nobody is assigned.
func handlersOrDesk(ctx context.Context, tx *sqldb.Tx, c *kasuhara.Case) ([]string, error) {
	if c.AssigneeID != "" || c.SecondID != "" {
		return []string{c.AssigneeID, c.SecondID}, nil
	}
	return handlersOf(ctx, tx, c)
}

// clockStage is one reminder of a case's clocks.
type clockStage struct {
	clock, stage string
	at           time.Time
}

// clockStages are the reminders of c's clocks in the order they fall due:
// for acknowledging and for feedback, a reminder before the deadline, one at
// it and an escalation after it.
func clockStages(c *kasuhara.Case) []clockStage {
	var out []clockStage
	for _, clk := range []struct {
		name string
		due  time.Time
	}{{"acknowledge", c.AcknowledgeBy}, {"feedback", c.FeedbackBy}} {
		out = append(out, clockStage{clk.name, "due_soon", clk.due.Add(-DueSoon)}, clockStage{clk.name, "overdue", clk.due},
			clockStage{clk.name, "escalate", clk.due.Add(EscalateAfter)})
	}
	slices.SortStableFunc(out, func(a, b clockStage) int { return a.at.Compare(b.at) })
	return out
}

func clockJobOf(caseID string, st clockStage) jobs.Job {
	return jobs.Job{Kind: KindClock, Payload: clockJob{CaseID: caseID, Clock: st.clock, Stage: st.stage},
		RunAt: st.at, DedupeKey: "clock:" + caseID + ":" + st.clock + ":" + st.stage}
}

// scheduleClocks enqueues the first reminder of a new case's clocks; each
// reminder, when it runs, enqueues the next (ClockHandler), so a case holds
// one waiting job instead of six.
func (s *Store) scheduleClocks(ctx context.Context, tx *sqldb.Tx, c *kasuhara.Case) error {
	return jobs.Enqueue(ctx, tx, clockJobOf(c.ID, clockStages(c)[0]))
}

// armNextClock enqueues the reminder after the one that ran. The next one
// is armed whatever the case's state, because a closed case can be
// reopened; a reminder whose clock has been met says nothing.
func armNextClock(ctx context.Context, tx *sqldb.Tx, c *kasuhara.Case, j clockJob) error {
	stages := clockStages(c)
	for i, st := range stages {
		if st.clock == j.Clock && st.stage == j.Stage && i+1 < len(stages) {
			return jobs.Enqueue(ctx, tx, clockJobOf(c.ID, stages[i+1]))
		}
	}
	return nil
}

// ClockHandler runs "clock" jobs: when a clock is near or past and the
// case has not moved on, it reminds the handlers (or the desk), and on
// escalation the supervisor of the department (or legal when there is
// none, or when the reporter asked for confidentiality).
func (s *Store) ClockHandler(ctx context.Context, payload json.RawMessage) error {
	var j clockJob
	if err := json.Unmarshal(payload, &j); err != nil {
		return jobs.Permanent(fmt.Errorf("store: clock job: %w", err))
	}
	return s.tx(ctx, func(tx *sqldb.Tx) error {
		c, err := scanCase(tx.QueryRowContext(ctx, "SELECT "+caseColumns+" FROM cases c WHERE c.id = $1", j.CaseID))
		if err == sql.ErrNoRows {
			return nil // purged meanwhile
		}
		if err != nil {
			return err
		}
		if err := armNextClock(ctx, tx, c, j); err != nil {
			return err
		}
		pending := (j.Clock == "acknowledge" && c.State == kasuhara.StateNew) ||
			(j.Clock == "feedback" && (c.State == kasuhara.StateNew || c.State == kasuhara.StateAcknowledged || c.State == kasuhara.StateInProgress))
		if !pending {
			return nil
		}
		typ := notify.CaseOverdue
		var to []string
		switch j.Stage {
		case "due_soon":
			typ = notify.CaseClockDue
			to, err = handlersOrDesk(ctx, tx, c)
		case "overdue":
			to, err = handlersOrDesk(ctx, tx, c)
		case "escalate":
			to, err = s.escalationTargets(ctx, tx, c)
		}
		if err != nil {
			return err
		}
		return s.notifyEvent(ctx, tx, c, typ, to)
	})
}

func (s *Store) escalationTargets(ctx context.Context, tx *sqldb.Tx, c *kasuhara.Case) ([]string, error) {
	if c.Report.DepartmentID != "" && !c.HideFromSupervisor {
		out, err := userIDs(ctx, tx, `SELECT m.user_id FROM memberships m WHERE m.org_id = $1 AND m.role = 'supervisor' AND m.department_id = $2
			AND NOT EXISTS (SELECT 1 FROM case_exclusions x WHERE x.case_id = $3 AND x.user_id = m.user_id)`, c.OrgID, c.Report.DepartmentID, c.ID)
		if err != nil || len(out) > 0 {
			return out, err
		}
	}
	return handlersOf(ctx, tx, c, kasuhara.RoleLegal)
}

// Webhook returns the organisation's webhook for the notify package.
func (s *Store) Webhook(ctx context.Context, orgID string) (notify.Webhook, error) {
	st, err := s.Settings(ctx, orgID)
	if err != nil {
		return notify.Webhook{}, err
	}
	if st.WebhookURL == "" || st.WebhookSecret == "" {
		return notify.Webhook{}, notify.ErrWebhookGone
	}
	return notify.Webhook{URL: st.WebhookURL, Secret: st.WebhookSecret}, nil
}

// Notifications implements kasuhara.NotificationService.
func (s *Store) Notifications(ctx context.Context, userID string, limit int) ([]kasuhara.Notification, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT id, type, case_id, case_ref, urgent, created_at, read_at FROM notifications
		WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, userID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: notifications: %w", err)
	}
	defer rows.Close()
	var out []kasuhara.Notification
	for rows.Next() {
		var n kasuhara.Notification
		var read sql.NullTime
		if err := rows.Scan(&n.ID, &n.Type, &n.CaseID, &n.CaseRef, &n.Urgent, &n.CreatedAt, &read); err != nil {
			return nil, err
		}
		n.CreatedAt, n.ReadAt = n.CreatedAt.UTC(), nullTime(read)
		out = append(out, n)
	}
	return out, rows.Err()
}

// UnreadCount implements kasuhara.NotificationService.
func (s *Store) UnreadCount(ctx context.Context, userID string) (int, error) {
	var n int
	err := s.db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL", userID).Scan(&n)
	return n, err
}

// MarkRead implements kasuhara.NotificationService.
func (s *Store) MarkRead(ctx context.Context, userID string) error {
	return s.tx(ctx, func(tx *sqldb.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL", s.now(), userID)
		return err
	})
}

// without returns ids without the actor: nobody is notified of their own act.
func without(ids []string, actor string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if id != actor {
			out = append(out, id)
		}
	}
	return out
}
