package store_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/jobs"
	"github.com/kasuhara/kasuhara/internal/notify"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/store"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

// jobRows returns the payloads of queued jobs of a kind.
func jobRows(t *testing.T, db *sqldb.DB, kind string) []string {
	t.Helper()
	return testdb.Strings(t, db, "SELECT payload FROM jobs WHERE kind = $1 ORDER BY created_at, id", kind)
}

// fanOut runs the queue until no job is due: the fan-out of the events'
// outbox entries into notifications and jobs, and those jobs (mail with a
// disabled mailer, webhooks as if deleted: both do nothing).
func fanOut(t *testing.T, db *sqldb.DB, s *store.Store) {
	t.Helper()
	mailer, err := notify.NewMailer("", "")
	if err != nil {
		t.Fatal(err)
	}
	gone := func(context.Context, string) (notify.Webhook, error) { return notify.Webhook{}, notify.ErrWebhookGone }
	q := jobs.New(db, map[string]jobs.Handler{
		notify.KindEvent:   notify.FanoutHandler(s),
		notify.KindMail:    notify.MailHandler(mailer, "http://k"),
		notify.KindWebhook: notify.WebhookHandler(http.DefaultClient, "http://k", gone),
	}, jobs.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if _, err := q.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestNotificationsOnEvents(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		if err := d.s.SaveSettings(ctx, d.actor, kasuhara.OrgSettings{OrgID: d.org.ID, Acknowledge: "1bd", Feedback: "7d", PublicHolidays: true,
			ContactLimitMinutes: 30, WebhookURL: "https://hooks.example.jp/k", WebhookSecret: "a-long-webhook-secret"}); err != nil {
			t.Fatal(err)
		}
		r := report(d.shop.ID, "「店を燃やす」と言われた", "threat")
		c := d.file(t, d.people["clerk"], r)
		fanOut(t, d.db, d.s)
		// The desk and legal hear of the new report, in-app and by mail; the
		// webhook once; the clocks are scheduled.
		for _, who := range []string{"desk1", "desk2", "legal"} {
			ns, _ := d.s.Notifications(ctx, d.people[who].UserID, 10)
			if len(ns) != 1 || ns[0].Type != notify.CaseReported || !ns[0].Urgent || ns[0].CaseRef != c.Ref {
				t.Fatalf("%s notifications = %+v", who, ns)
			}
		}
		for _, who := range []string{"clerk", "clerk2", "shopboss", "analyst", "admin2", "otherdesk"} {
			if n, _ := d.s.UnreadCount(ctx, d.people[who].UserID); n != 0 {
				t.Fatalf("%s was notified of the report", who)
			}
		}
		mails := jobRows(t, d.db, notify.KindMail)
		if len(mails) != 3 {
			t.Fatalf("%d mail jobs, want 3", len(mails))
		}
		for _, m := range mails {
			for _, leak := range []string{"燃やす", "山田", "090-1234", "返金"} {
				if strings.Contains(m, leak) {
					t.Fatalf("a mail job carries %q: %s", leak, m)
				}
			}
		}
		if hooks := jobRows(t, d.db, notify.KindWebhook); len(hooks) != 1 || strings.Contains(hooks[0], "a-long-webhook-secret") {
			t.Fatalf("webhook jobs = %v", hooks)
		}
		// One reminder waits; each arms the next when it runs.
		if clocks := jobRows(t, d.db, store.KindClock); len(clocks) != 1 || !strings.Contains(clocks[0], `"clock":"acknowledge","stage":"due_soon"`) {
			t.Fatalf("clock jobs %v, want the acknowledgement's first reminder", clocks)
		}
		// Assignment tells the two people assigned, not the one who assigned.
		if _, err := d.s.Assign(ctx, d.people["desk1"], c.ID, d.people["desk1"].UserID, d.people["legal"].UserID); err != nil {
			t.Fatal(err)
		}
		fanOut(t, d.db, d.s)
		if ns, _ := d.s.Notifications(ctx, d.people["legal"].UserID, 10); len(ns) != 2 || ns[0].Type != notify.CaseAssigned {
			t.Fatalf("legal after assignment: %+v", ns)
		}
		if ns, _ := d.s.Notifications(ctx, d.people["desk1"].UserID, 10); len(ns) != 1 {
			t.Fatal("the assigner was notified of their own assignment")
		}
		// A state change reaches the named reporter; a message from the desk
		// too; the reporter's answer reaches the handlers.
		d.s.Transition(ctx, d.people["desk1"], c.ID, kasuhara.StateAcknowledged, "")
		d.s.AddMessage(ctx, d.people["desk1"], c.ID, "状況を教えてください")
		fanOut(t, d.db, d.s)
		ns, _ := d.s.Notifications(ctx, d.people["clerk"].UserID, 10)
		if len(ns) != 2 || ns[0].Type != notify.CaseMessage || ns[1].Type != notify.CaseStateChanged {
			t.Fatalf("reporter notifications = %+v", ns)
		}
		d.s.AddMessage(ctx, d.people["clerk"], c.ID, "今は落ち着いています")
		fanOut(t, d.db, d.s)
		if ns, _ := d.s.Notifications(ctx, d.people["legal"].UserID, 10); ns[0].Type != notify.CaseMessage {
			t.Fatalf("the second person was not told of the reply: %+v", ns)
		}
		if err := d.s.MarkRead(ctx, d.people["clerk"].UserID); err != nil {
			t.Fatal(err)
		}
		if n, _ := d.s.UnreadCount(ctx, d.people["clerk"].UserID); n != 0 {
			t.Fatalf("%d unread after marking read", n)
		}
	})
}

func TestClockReminders(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		c := d.file(t, d.people["clerk"], report(d.shop.ID, "x", "insult"))
		run := func(clock, stage string) {
			t.Helper()
			p, _ := json.Marshal(map[string]string{"case_id": c.ID, "clock": clock, "stage": stage})
			if err := d.s.ClockHandler(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		count := func(who string) int {
			fanOut(t, d.db, d.s)
			n, _ := d.s.UnreadCount(ctx, d.people[who].UserID)
			return n
		}
		before := count("desk1")
		run("acknowledge", "overdue")
		if count("desk1") != before+1 {
			t.Fatal("an unacknowledged case's overdue clock did not remind the desk")
		}
		run("acknowledge", "escalate")
		if count("shopboss") != 1 {
			t.Fatal("the escalation did not reach the supervisor of the department")
		}
		// Once acknowledged, the acknowledge clock says nothing more.
		d.s.Transition(ctx, d.people["desk1"], c.ID, kasuhara.StateAcknowledged, "")
		before = count("desk1")
		run("acknowledge", "overdue")
		if count("desk1") != before {
			t.Fatal("a reminder for a clock already met")
		}
		// A confidential case escalates to legal, not to the supervisor.
		d.s.SetConfidential(ctx, d.people["clerk"], c.ID, true)
		bossBefore, legalBefore := count("shopboss"), count("legal")
		run("feedback", "escalate")
		if count("shopboss") != bossBefore || count("legal") != legalBefore+1 {
			t.Fatal("the escalation of a confidential case went to the supervisor")
		}
	})
}

// The durable queue delivers the mail of an event exactly once even when
// the job is run again (dedupe), here with a disabled mailer as a no-op.
func TestQueueRunsNotificationJobs(t *testing.T) {
	db := testdb.Open(t, sqldb.SQLite)
	d := setupDesk(t, db)
	if _, err := d.s.FileReport(ctx, d.people["clerk"], report(d.shop.ID, "x", "insult")); err != nil {
		t.Fatal(err)
	}
	mailer, err := notify.NewMailer("", "")
	if err != nil {
		t.Fatal(err)
	}
	q := jobs.New(db, map[string]jobs.Handler{notify.KindEvent: notify.FanoutHandler(d.s), notify.KindMail: notify.MailHandler(mailer, "http://k"),
		store.KindClock: d.s.ClockHandler}, jobs.Options{Now: func() time.Time { return time.Now() }})
	n, err := q.RunOnce(ctx)
	if err != nil || n != 4 {
		t.Fatalf("ran %d jobs (%v), want the event's fan-out and its 3 mails now and the clocks later", n, err)
	}
	// The fan-out run again adds no notification and no mail.
	var id string
	if err := db.Read.QueryRowContext(ctx, "SELECT id FROM jobs WHERE kind = $1", notify.KindEvent).Scan(&id); err != nil {
		t.Fatal(err)
	}
	before, _ := d.s.Notifications(ctx, d.people["desk1"].UserID, 10)
	testdb.Exec(t, db, "UPDATE jobs SET state = 'pending' WHERE id = $1", id)
	if n, err := q.RunOnce(ctx); err != nil || n != 1 {
		t.Fatalf("ran %d jobs (%v) after the fan-out ran again, want only the fan-out", n, err)
	}
	if after, _ := d.s.Notifications(ctx, d.people["desk1"].UserID, 10); len(after) != len(before) || len(after) != 1 {
		t.Errorf("notifications %d before, %d after the fan-out ran again", len(before), len(after))
	}
}

// Each reminder arms the next: run one after another, the six reminders of a
// case's two clocks come in the order they fall due, and then none is left.
func TestClockChain(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		c := d.file(t, d.people["clerk"], report(d.shop.ID, "x", "insult"))
		var seen []string
		var last time.Time
		for range 10 {
			var id, payload string
			var at time.Time
			err := d.db.Read.QueryRowContext(ctx, "SELECT id, payload, run_at FROM jobs WHERE kind = $1 AND state = 'pending'", store.KindClock).Scan(&id, &payload, &at)
			if err == sql.ErrNoRows {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if at.Before(last) {
				t.Errorf("%s is due before the reminder that armed it", payload)
			}
			last = at
			var j struct{ Clock, Stage string }
			json.Unmarshal([]byte(payload), &j)
			seen = append(seen, j.Clock+"/"+j.Stage)
			if err := d.s.ClockHandler(ctx, json.RawMessage(payload)); err != nil {
				t.Fatal(err)
			}
			testdb.Exec(t, d.db, "UPDATE jobs SET state = 'done' WHERE id = $1", id)
			if len(seen) == 1 {
				// The acknowledgement meets its clock: its later reminders say
				// nothing, but still arm the feedback clock's.
				if _, err := d.s.Transition(ctx, d.people["desk1"], c.ID, kasuhara.StateAcknowledged, ""); err != nil {
					t.Fatal(err)
				}
			}
		}
		want := []string{"acknowledge/due_soon", "acknowledge/overdue", "acknowledge/escalate", "feedback/due_soon", "feedback/overdue", "feedback/escalate"}
		if !slices.Equal(seen, want) {
			t.Errorf("reminders %v, want %v", seen, want)
		}
	})
}

// TestReportFanoutOnceToNeedToKnow: a report's transaction writes one
// outbox entry for its event, and the fan-out after the commit tells the
// desk and legal members who may see the case, each once, in-app and by a
// mail job of their own (retried on its own); not the reporter, not a desk
// member excluded from the case before the fan-out ran, nobody of another
// role or organisation. Run twice, the fan-out adds no notification and no
// mail job: the second run finds the same notifications, with the same
// texts, and the same jobs.
func TestReportFanoutOnceToNeedToKnow(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		c := d.file(t, d.people["clerk"], report(d.shop.ID, "「店を燃やす」と言われた", "threat"))
		outbox := testdb.Strings(t, d.db, "SELECT id FROM jobs WHERE kind = $1 AND payload LIKE $2", notify.KindEvent, "%"+c.ID+"%")
		if len(outbox) != 1 {
			t.Fatalf("the report wrote %d outbox entries; want 1", len(outbox))
		}
		// desk2 is excluded from the case (proposed by desk1, confirmed by
		// legal) before the fan-out runs.
		for _, by := range []string{"desk1", "legal"} {
			if _, err := d.s.Exclude(ctx, d.people[by], c.ID, d.people["desk2"].UserID); err != nil {
				t.Fatal(err)
			}
		}
		told := func() map[string][]kasuhara.Notification {
			t.Helper()
			out := map[string][]kasuhara.Notification{}
			for who, a := range d.people {
				ns, err := d.s.Notifications(ctx, a.UserID, 50)
				if err != nil {
					t.Fatal(err)
				}
				for _, n := range ns {
					if n.Type == notify.CaseReported && n.CaseID == c.ID {
						out[who] = append(out[who], n)
					}
				}
			}
			return out
		}
		mails := func() []string {
			t.Helper()
			var to []string
			for _, p := range jobRows(t, d.db, notify.KindMail) {
				var m notify.MailJob
				if err := json.Unmarshal([]byte(p), &m); err != nil {
					t.Fatal(err)
				}
				if m.Event.Type == notify.CaseReported && m.Event.CaseID == c.ID {
					to = append(to, m.To...)
				}
			}
			slices.Sort(to)
			return to
		}
		fanOut(t, d.db, d.s)
		first, firstMails := told(), mails()
		var who []string
		for k, ns := range first {
			who = append(who, k)
			if len(ns) != 1 || ns[0].CaseRef != c.Ref || !ns[0].Urgent {
				t.Errorf("%s was told %+v; want one notification of %s", k, ns, c.Ref)
			}
		}
		slices.Sort(who)
		if want := []string{"desk1", "legal"}; !slices.Equal(who, want) {
			t.Errorf("told %v of the report; want %v (desk2 excluded, the reporter and other roles and organisations not)", who, want)
		}
		if want := []string{"desk1@example.jp", "legal@example.jp"}; !slices.Equal(firstMails, want) {
			t.Errorf("mail jobs to %v; want %v", firstMails, want)
		}
		// The fan-out run again.
		testdb.Exec(t, d.db, "UPDATE jobs SET state = 'pending' WHERE id = $1", outbox[0])
		fanOut(t, d.db, d.s)
		if again := told(); !reflect.DeepEqual(again, first) {
			t.Errorf("after the fan-out ran again: %+v; before %+v", again, first)
		}
		if again := mails(); !slices.Equal(again, firstMails) {
			t.Errorf("mail jobs after the fan-out ran again: %v; before %v", again, firstMails)
		}
	})
}
