package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
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

// notifyEvent tells recipients (user ids) about an event on case c. Inside
// tx it writes only the event's outbox entry, one job (notify.EventJob);
// after the commit, notify.FanoutHandler reads the recipients and writes
// their in-app notifications, a mail job for each and a webhook job for the
// organisation (Audience, Deliver).
func (s *Store) notifyEvent(ctx context.Context, tx *sqldb.Tx, c *kasuhara.Case, typ string, recipients []string) error {
	return s.notifyEventDetail(ctx, tx, c, typ, "", recipients)
}

// notifyEventDetail is notifyEvent with what changed: the new state, the
// clock (notify.Event.Detail).
func (s *Store) notifyEventDetail(ctx context.Context, tx *sqldb.Tx, c *kasuhara.Case, typ, detail string, recipients []string) error {
	return s.enqueueEvent(ctx, tx, c, typ, notify.EventJob{Users: uniqueIDs(recipients), Event: notify.Event{Detail: detail}})
}

// uniqueIDs is ids without empty and repeated ones, in order.
func uniqueIDs(ids []string) []string {
	var out []string
	for _, uid := range ids {
		if uid != "" && !slices.Contains(out, uid) {
			out = append(out, uid)
		}
	}
	return out
}

// notifyMeasure tells recipients about an event on measure m of a
// customer: the event carries the customer's id, the measure's reference
// and level, nothing else.
func (s *Store) notifyMeasure(ctx context.Context, tx *sqldb.Tx, orgID string, m *kasuhara.Measure, typ string, recipients []string) error {
	j := notify.EventJob{OrgID: orgID, Users: uniqueIDs(recipients)}
	if len(j.Users) == 0 {
		return nil
	}
	j.Event = notify.Event{ID: newID(), Type: typ, CustomerID: m.CustomerID, CaseRef: m.Ref(), Detail: m.Level, OccurredAt: s.now()}
	return jobs.Enqueue(ctx, tx, jobs.Job{Kind: notify.KindEvent, Payload: j, DedupeKey: "event:" + j.Event.ID})
}

// notifyHandlers tells the desk and legal members of c's organisation who
// may see c (the roles given, or both), except the actor, about an event on
// c. Who they are is read after the commit, by the fan-out.
func (s *Store) notifyHandlers(ctx context.Context, tx *sqldb.Tx, c *kasuhara.Case, typ, except string, roles ...kasuhara.Role) error {
	if len(roles) == 0 {
		roles = []kasuhara.Role{kasuhara.RoleDesk, kasuhara.RoleLegal}
	}
	j := notify.EventJob{Except: except}
	for _, r := range roles {
		j.Roles = append(j.Roles, string(r))
	}
	return s.enqueueEvent(ctx, tx, c, typ, j)
}

// notifyHandlersOrDesk tells the case's handler and second person, or the
// whole desk and legal while nobody is assigned, except the actor.
func (s *Store) notifyHandlersOrDesk(ctx context.Context, tx *sqldb.Tx, c *kasuhara.Case, typ, except string) error {
	if c.AssigneeID != "" || c.SecondID != "" {
		return s.notifyEvent(ctx, tx, c, typ, without([]string{c.AssigneeID, c.SecondID}, except))
	}
	return s.notifyHandlers(ctx, tx, c, typ, except)
}

// enqueueEvent writes the outbox entry of an event on c for the audience j.
func (s *Store) enqueueEvent(ctx context.Context, tx *sqldb.Tx, c *kasuhara.Case, typ string, j notify.EventJob) error {
	return jobs.Enqueue(ctx, tx, s.eventJob(c, typ, j))
}

// eventJob is the outbox entry of an event on c for the audience j.
func (s *Store) eventJob(c *kasuhara.Case, typ string, j notify.EventJob) jobs.Job {
	j.Event = notify.Event{ID: newID(), Type: typ, CaseID: c.ID, CaseRef: c.Ref, Urgent: c.Urgent, Detail: j.Event.Detail, OccurredAt: s.now()}
	if typ == notify.CaseClockDue || typ == notify.CaseOverdue {
		// The deadline, for chat messages to show in Japan's time.
		switch j.Event.Detail {
		case "acknowledge":
			j.Event.DueAt = c.AcknowledgeBy
		case "feedback":
			j.Event.DueAt = c.FeedbackBy
		}
	}
	j.OrgID = c.OrgID
	return jobs.Job{Kind: notify.KindEvent, Payload: j, DedupeKey: "event:" + j.Event.ID}
}

// handlersJob is notifyHandlers' outbox entry (desk and legal, except the
// actor), for a caller that writes it with other jobs in one statement.
func (s *Store) handlersJob(c *kasuhara.Case, typ, except string) jobs.Job {
	return s.eventJob(c, typ, notify.EventJob{Except: except, Roles: []string{string(kasuhara.RoleDesk), string(kasuhara.RoleLegal)}})
}

var _ notify.Outbox = (*Store)(nil)

// Audience implements notify.Outbox.
func (s *Store) Audience(ctx context.Context, j notify.EventJob) ([]notify.Recipient, string, bool, error) {
	var slug string
	q, object := "SELECT o.slug FROM orgs o JOIN cases c ON c.org_id = o.id WHERE c.id = $1 AND o.id = $2", j.Event.CaseID
	cooperation := strings.HasPrefix(j.Event.Type, "cooperation.")
	switch {
	case j.Event.CustomerID != "":
		q, object = "SELECT o.slug FROM orgs o JOIN customers cu ON cu.org_id = o.id WHERE cu.id = $1 AND o.id = $2", j.Event.CustomerID
	case cooperation:
		// A cooperation request's reminder names its recipients (Users) and
		// goes to no webhook: receivers expect events on cases.
		q = "SELECT o.slug FROM orgs o JOIN cooperation_requests r ON r.org_id = o.id WHERE r.id = $1 AND o.id = $2"
	}
	err := s.db.Read.QueryRowContext(ctx, unprobed(s.db.Engine, q), object, j.OrgID).Scan(&slug)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", false, nil // the case (or customer) was purged or merged meanwhile
	}
	if err != nil {
		return nil, "", false, fmt.Errorf("store: audience: %w", err)
	}
	members, err := membersFor(ctx, s.db.Read, s.db.Engine, j.OrgID, j.Event.CaseID, j.Roles)
	if err != nil {
		return nil, "", false, fmt.Errorf("store: audience: %w", err)
	}
	to, err := s.recipients(ctx, append(slices.Clone(j.Users), members...), j.Except)
	if err != nil {
		return nil, "", false, fmt.Errorf("store: audience: %w", err)
	}
	st, err := s.settings(ctx, s.db.Read, j.OrgID)
	if err != nil {
		return nil, "", false, err
	}
	return to, slug, st.WebhookURL != "" && !cooperation, nil
}

// recipients returns the active users among ids, each once, in the order
// given, without except.
func (s *Store) recipients(ctx context.Context, ids []string, except string) ([]notify.Recipient, error) {
	var uniq []string
	var args []any
	for _, uid := range ids {
		if uid == "" || uid == except || slices.Contains(uniq, uid) {
			continue
		}
		uniq = append(uniq, uid)
		args = append(args, uid)
	}
	if len(uniq) == 0 {
		return nil, nil
	}
	marks := make([]string, len(uniq))
	for i := range uniq {
		marks[i] = fmt.Sprintf("$%d", i+1)
	}
	rows, err := s.db.Read.QueryContext(ctx, unprobed(s.db.Engine, "SELECT id, email, language, mail_digest FROM users WHERE NOT disabled AND id IN ("+strings.Join(marks, ", ")+")"), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	found := map[string]notify.Recipient{}
	for rows.Next() {
		var r notify.Recipient
		if err := rows.Scan(&r.UserID, &r.Email, &r.Lang, &r.Digest); err != nil {
			return nil, err
		}
		found[r.UserID] = r
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []notify.Recipient
	for _, uid := range uniq {
		if r, ok := found[uid]; ok {
			out = append(out, r)
		}
	}
	return out, nil
}

// Deliver implements notify.Outbox. A notification's id is derived from
// its event and recipient, so that a fan-out run again adds none twice.
func (s *Store) Deliver(ctx context.Context, ev notify.Event, orgID string, to []notify.Recipient, js []jobs.Job) error {
	return s.tx(ctx, func(tx *sqldb.Tx) error {
		if len(to) > 0 {
			var gone bool
			q, object := "SELECT NOT EXISTS (SELECT 1 FROM cases WHERE id = $1)", ev.CaseID
			switch {
			case ev.CustomerID != "":
				// A notification about a measure keeps the customer as its object.
				q, object = "SELECT NOT EXISTS (SELECT 1 FROM customers WHERE id = $1)", ev.CustomerID
			case strings.HasPrefix(ev.Type, "cooperation."):
				q = "SELECT NOT EXISTS (SELECT 1 FROM cooperation_requests WHERE id = $1)"
			}
			if err := tx.QueryRowContext(ctx, q, object).Scan(&gone); err != nil {
				return err
			}
			if gone {
				return nil // purged meanwhile: its notifications were deleted with it
			}
			notes := make([][]any, len(to))
			for i, r := range to {
				notes[i] = []any{notificationID(ev.ID, r.UserID), r.UserID, orgID, ev.Type, object, ev.CaseRef, ev.Detail, ev.Urgent, ev.OccurredAt}
			}
			if err := tx.InsertRowsThen(ctx, "notifications", []string{"id", "user_id", "org_id", "type", "case_id", "case_ref", "detail", "urgent", "created_at"},
				notes, " ON CONFLICT (id) DO NOTHING"); err != nil {
				return err
			}
		}
		return jobs.EnqueueAll(ctx, tx, js...)
	})
}

// notificationID is the id of the notification of event eventID (a UUIDv7)
// for userID: the event's time and sequence, so that notifications sort as
// their events do, then bits of a hash of both.
func notificationID(eventID, userID string) string {
	id, err := uuid.Parse(eventID)
	if err != nil {
		id = uuid.Nil
	}
	sum := sha256.Sum256([]byte(eventID + ":" + userID))
	copy(id[8:], sum[:8])
	id[8] = id[8]&0x3f | 0x80 // the RFC 9562 variant
	return id.String()
}

// handlersOf lists the desk and legal members of an organisation who may
// see the case (not excluded).
func (s *Store) handlersOf(ctx context.Context, q queryer, c *kasuhara.Case, roles ...kasuhara.Role) ([]string, error) {
	if len(roles) == 0 {
		roles = []kasuhara.Role{kasuhara.RoleDesk, kasuhara.RoleLegal}
	}
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	return membersFor(ctx, q, s.db.Engine, c.OrgID, c.ID, names)
}

// membersFor lists the members of an organisation with the roles given, in
// that order, who are not excluded from the case.
func membersFor(ctx context.Context, q queryer, e sqldb.Engine, orgID, caseID string, roles []string) ([]string, error) {
	var out []string
	for _, role := range roles {
		ids, err := selectIDs(ctx, q, unprobed(e, `SELECT m.user_id FROM memberships m
			WHERE m.org_id = $1 AND m.role = $2
			AND NOT EXISTS (SELECT 1 FROM case_exclusions x WHERE x.case_id = $3 AND x.user_id = m.user_id)`), orgID, role, caseID)
		if err != nil {
			return nil, err
		}
		out = append(out, ids...)
	}
	return out, nil
}

// handlersOrDesk is the case's handler and second person, or the whole desk
// while nobody is assigned.
func (s *Store) handlersOrDesk(ctx context.Context, tx *sqldb.Tx, c *kasuhara.Case) ([]string, error) {
	if c.AssigneeID != "" || c.SecondID != "" {
		return []string{c.AssigneeID, c.SecondID}, nil
	}
	return s.handlersOf(ctx, tx, c)
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

// firstClockJob is the first reminder of a new case's clocks; each
// reminder, when it runs, enqueues the next (ClockHandler), so a case holds
// one waiting job instead of six.
func firstClockJob(c *kasuhara.Case) jobs.Job { return clockJobOf(c.ID, clockStages(c)[0]) }

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
// escalation the supervisor of the department or the nearest one above it
// (or legal when there is none, or when the reporter asked for
// confidentiality).
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
			to, err = s.handlersOrDesk(ctx, tx, c)
		case "overdue":
			to, err = s.handlersOrDesk(ctx, tx, c)
		case "escalate":
			to, err = s.escalationTargets(ctx, tx, c)
		}
		if err != nil {
			return err
		}
		return s.notifyEventDetail(ctx, tx, c, typ, j.Clock, to)
	})
}

// escalationTargets are the supervisors of the case's department or, when
// it has none, of the nearest department above it that has (a store
// without a supervisor escalates to its area's); legal when there is none
// or the reporter chose confidentiality.
func (s *Store) escalationTargets(ctx context.Context, tx *sqldb.Tx, c *kasuhara.Case) ([]string, error) {
	if c.Report.DepartmentID != "" && !c.HideFromSupervisor {
		path, err := departmentPath(ctx, tx, c.Report.DepartmentID)
		if err != nil {
			return nil, err
		}
		for _, dep := range path {
			out, err := selectIDs(ctx, tx, `SELECT m.user_id FROM memberships m WHERE m.org_id = $1 AND m.role = 'supervisor' AND m.department_id = $2
				AND NOT EXISTS (SELECT 1 FROM case_exclusions x WHERE x.case_id = $3 AND x.user_id = m.user_id)`, c.OrgID, dep, c.ID)
			if err != nil || len(out) > 0 {
				return out, err
			}
		}
	}
	return s.handlersOf(ctx, tx, c, kasuhara.RoleLegal)
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

const notificationColumns = "id, type, case_id, case_ref, detail, urgent, created_at, read_at"

func scanNotifications(rows *sql.Rows) ([]kasuhara.Notification, error) {
	defer rows.Close()
	var out []kasuhara.Notification
	for rows.Next() {
		var n kasuhara.Notification
		var read sql.NullTime
		if err := rows.Scan(&n.ID, &n.Type, &n.CaseID, &n.CaseRef, &n.Detail, &n.Urgent, &n.CreatedAt, &read); err != nil {
			return nil, err
		}
		n.CreatedAt, n.ReadAt = n.CreatedAt.UTC(), nullTime(read)
		out = append(out, n)
	}
	return out, rows.Err()
}

// Notifications implements kasuhara.NotificationService.
func (s *Store) Notifications(ctx context.Context, userID string, limit int) ([]kasuhara.Notification, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	rows, err := s.db.Read.QueryContext(ctx, "SELECT "+notificationColumns+` FROM notifications
		WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, userID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: notifications: %w", err)
	}
	return scanNotifications(rows)
}

// NotificationGroups implements kasuhara.NotificationService. A page reads
// its groups (one per case, the group with the newest notification first)
// and then at most NotificationGroupShown+1 notifications of each.
func (s *Store) NotificationGroups(ctx context.Context, userID string, page int) (*kasuhara.NotificationPage, error) {
	page = max(page, 1)
	per := kasuhara.NotificationsPerPage
	rows, err := s.db.Read.QueryContext(ctx, `SELECT case_id, COUNT(*), SUM(CASE WHEN read_at IS NULL THEN 1 ELSE 0 END) FROM notifications
		WHERE user_id = $1 GROUP BY case_id ORDER BY MAX(created_at) DESC, case_id DESC LIMIT $2 OFFSET $3`, userID, per+1, (page-1)*per)
	if err != nil {
		return nil, fmt.Errorf("store: notification groups: %w", err)
	}
	out := &kasuhara.NotificationPage{Page: page}
	var ids []string
	for rows.Next() {
		var g kasuhara.NotificationGroup
		var id string
		if err := rows.Scan(&id, &g.Count, &g.Unread); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
		out.Groups = append(out.Groups, g)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out.Groups) > per {
		out.Groups, ids, out.More = out.Groups[:per], ids[:per], true
	}
	if len(ids) == 0 {
		return out, nil
	}
	args := []any{userID, kasuhara.NotificationGroupShown + 1}
	marks := make([]string, len(ids))
	for i, id := range ids {
		args = append(args, id)
		marks[i] = fmt.Sprintf("$%d", i+3)
	}
	rows, err = s.db.Read.QueryContext(ctx, "SELECT "+notificationColumns+` FROM (SELECT `+notificationColumns+`,
		ROW_NUMBER() OVER (PARTITION BY case_id ORDER BY created_at DESC, id DESC) AS n
		FROM notifications WHERE user_id = $1 AND case_id IN (`+strings.Join(marks, ", ")+`)) t
		WHERE n <= $2 ORDER BY created_at DESC, id DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: notification groups: %w", err)
	}
	ns, err := scanNotifications(rows)
	if err != nil {
		return nil, err
	}
	for _, n := range ns {
		i := slices.Index(ids, n.CaseID)
		if g := &out.Groups[i]; g.Latest.ID == "" {
			g.Latest = n
		} else {
			g.Earlier = append(g.Earlier, n)
		}
	}
	return out, nil
}

// UnreadCount implements kasuhara.NotificationService.
func (s *Store) UnreadCount(ctx context.Context, userID string) (int, error) {
	var n int
	// At most UnreadCap of the unread ones, on notifications_unread
	// (migration 0051): the count walked every notification the person
	// ever had (TestUnreadCountWalksTheUnreadOnly).
	err := s.db.Read.QueryRowContext(ctx, unprobed(s.db.Engine, `SELECT COUNT(*) FROM (SELECT 1 FROM notifications
		WHERE user_id = $1 AND read_at IS NULL LIMIT $2) u`), userID, kasuhara.UnreadCap).Scan(&n)
	return n, err
}

// MarkRead implements kasuhara.NotificationService.
func (s *Store) MarkRead(ctx context.Context, userID string) error {
	return s.tx(ctx, func(tx *sqldb.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL", s.now(), userID)
		return err
	})
}

// MarkOneRead implements kasuhara.NotificationService: the notification
// and the earlier ones about the same case; one that arrived after it
// stays unread.
func (s *Store) MarkOneRead(ctx context.Context, userID, id string) error {
	return s.tx(ctx, func(tx *sqldb.Tx) error {
		var caseID string
		var at time.Time
		err := tx.QueryRowContext(ctx, "SELECT case_id, created_at FROM notifications WHERE id = $1 AND user_id = $2", id, userID).Scan(&caseID, &at)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // another person's, or gone: nothing to do
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND case_id = $3 AND read_at IS NULL
			AND (created_at < $4 OR id = $5)`, s.now(), userID, caseID, at, id)
		return err
	})
}

// MailDigest implements kasuhara.NotificationService.
func (s *Store) MailDigest(ctx context.Context, userID string) (bool, error) {
	var on bool
	err := s.db.Read.QueryRowContext(ctx, "SELECT mail_digest FROM users WHERE id = $1", userID).Scan(&on)
	return on, notFound(err, "store.MailDigest", "user")
}

// SetMailDigest implements kasuhara.NotificationService.
func (s *Store) SetMailDigest(ctx context.Context, v kasuhara.Actor, on bool) error {
	if v.UserID == "" {
		return kasuhara.Errorf(kasuhara.EFORBIDDEN, "only a person has notifications")
	}
	err := s.tx(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE users SET mail_digest = $1 WHERE id = $2", on, v.UserID); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{actor: v, orgID: v.OrgID, action: "user.mail_digest", objectType: "user", objectID: v.UserID,
			detail: map[string]bool{"digest": on}})
	})
	return wrap("store.SetMailDigest", err)
}

// KindDigest is the daily job that sends the digests.
const KindDigest = "digest"

// DigestHour is the hour, in the organisation's zone (Japan), at which the
// daily digest is sent.
const DigestHour = 8

// ScheduleDigest enqueues the digest job for the next DigestHour:00 in
// Japan after at, once per day. It has no run at start: a restart sends no
// extra digest, and a day's job kept in the queue runs late when the
// server was down at its hour.
func (s *Store) ScheduleDigest(ctx context.Context, at time.Time) error {
	return s.scheduleDaily(ctx, KindDigest, DigestHour, at, false)
}

// DigestHandler is the job handler of KindDigest: it sends the digests
// and schedules the next day's run.
func (s *Store) DigestHandler(ctx context.Context, _ json.RawMessage) error {
	if _, err := s.Digests(ctx); err != nil {
		return err
	}
	return s.ScheduleDigest(ctx, s.Now())
}

// Digests enqueues a digest mail for each active user who chose the daily
// digest and has unread notifications of the last day, grouped by case,
// and returns how many. The day's date is the dedupe key, so a day has one
// digest per person however often it runs.
func (s *Store) Digests(ctx context.Context) (int, error) {
	now := s.now()
	rows, err := s.db.Read.QueryContext(ctx, `SELECT u.id, u.email, u.language, n.type, n.case_id, n.case_ref, n.detail
		FROM notifications n JOIN users u ON u.id = n.user_id
		WHERE u.mail_digest AND NOT u.disabled AND n.read_at IS NULL AND n.created_at > $1 AND n.created_at <= $2
		ORDER BY u.id, n.created_at DESC, n.id DESC`, now.Add(-24*time.Hour), now)
	if err != nil {
		return 0, wrap("store.Digests", err)
	}
	date := now.In(kasuhara.JST).Format(kasuhara.DateLayout)
	var todo []jobs.Job
	var cur *notify.DigestJob
	flush := func() {
		if cur != nil {
			todo = append(todo, jobs.Job{Kind: notify.KindDigestMail, Payload: *cur, DedupeKey: "digest:" + cur.ID})
		}
	}
	var user string
	for rows.Next() {
		var uid, email, lang string
		var it notify.DigestItem
		var object string
		if err := rows.Scan(&uid, &email, &lang, &it.Type, &object, &it.Ref, &it.Detail); err != nil {
			rows.Close()
			return 0, wrap("store.Digests", err)
		}
		if uid != user {
			flush()
			user = uid
			if lang == "" {
				lang = "ja"
			}
			cur = &notify.DigestJob{ID: date + ":" + uid, To: []string{email}, Lang: lang, Date: date}
		}
		// Newest first: the first of a case is the line, the others count.
		it.Path = notify.Path(it.Type, object, object)
		if i := slices.IndexFunc(cur.Items, func(d notify.DigestItem) bool { return d.Path == it.Path }); i >= 0 {
			cur.Items[i].Count++
			continue
		}
		it.Count = 1
		cur.Items = append(cur.Items, it)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, wrap("store.Digests", err)
	}
	flush()
	sent := len(todo)
	for len(todo) > 0 {
		batch := todo[:min(len(todo), 200)]
		todo = todo[len(batch):]
		if err := s.tx(ctx, func(tx *sqldb.Tx) error { return jobs.EnqueueAll(ctx, tx, batch...) }); err != nil {
			return 0, wrap("store.Digests", err)
		}
	}
	return sent, nil
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
