package store_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/notify"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

// Notifications say what changed, are grouped by case and paged, are
// marked read by group (never another person's), and a person who chose
// the daily digest gets one mail a day instead of one per event (issue 19).
func TestNotificationGroupsAndDigest(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		clerk, desk1, desk2 := d.people["clerk"], d.people["desk1"], d.people["desk2"]
		c1 := d.file(t, clerk, report(d.shop.ID, "大声で怒鳴られた", "insult"))
		if _, err := d.s.Transition(ctx, desk1, c1.ID, kasuhara.StateAcknowledged, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := d.s.Assign(ctx, desk1, c1.ID, desk1.UserID, desk2.UserID); err != nil {
			t.Fatal(err)
		}
		if _, err := d.s.Transition(ctx, desk1, c1.ID, kasuhara.StateInProgress, ""); err != nil {
			t.Fatal(err)
		}
		fanOut(t, d.db, d.s)
		pg, err := d.s.NotificationGroups(ctx, clerk.UserID, 1)
		if err != nil || len(pg.Groups) != 1 || pg.More {
			t.Fatalf("the reporter's page = %+v, %v", pg, err)
		}
		g := pg.Groups[0]
		if g.Count != 2 || g.Unread != 2 || g.Latest.Type != notify.CaseStateChanged || g.Latest.Detail != "in_progress" ||
			len(g.Earlier) != 1 || g.Earlier[0].Detail != "acknowledged" || g.Latest.CaseRef != c1.Ref {
			t.Fatalf("group = %+v", g)
		}

		// Paging: 22 cases' notifications for desk2, one case with eight.
		at := time.Now()
		insert := func(userID, caseID string, n int) {
			t.Helper()
			err := d.db.Tx(ctx, func(tx *sqldb.Tx) error {
				for range n {
					at = at.Add(time.Minute)
					if _, err := tx.ExecContext(ctx, `INSERT INTO notifications (id, user_id, org_id, type, case_id, case_ref, detail, urgent, created_at)
						VALUES ($1, $2, $3, 'case.message', $4, 'K-2026-09999', '', FALSE, $5)`, uuid.Must(uuid.NewV7()).String(), userID, d.org.ID, caseID, at); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		many := uuid.Must(uuid.NewV7()).String()
		insert(desk2.UserID, many, 8)
		for range 21 {
			insert(desk2.UserID, uuid.Must(uuid.NewV7()).String(), 1)
		}
		insert(desk2.UserID, many, 1) // the busy case comes first again
		before, _ := d.s.UnreadCount(ctx, desk2.UserID)
		p1, err := d.s.NotificationGroups(ctx, desk2.UserID, 1)
		if err != nil || len(p1.Groups) != kasuhara.NotificationsPerPage || !p1.More {
			t.Fatalf("page 1: %d groups, more %v, %v", len(p1.Groups), p1.More, err)
		}
		if g := p1.Groups[0]; g.Latest.CaseID != many || g.Count != 9 || len(g.Earlier) != kasuhara.NotificationGroupShown {
			t.Fatalf("the busy case = %d notifications, %d shown, %s", g.Count, len(g.Earlier), g.Latest.CaseID)
		}
		p2, _ := d.s.NotificationGroups(ctx, desk2.UserID, 2)
		// 21 single ones + the busy one + c1's (reported, assigned) = 23 groups.
		if len(p2.Groups) != 3 || p2.More {
			t.Fatalf("page 2: %d groups, more %v", len(p2.Groups), p2.More)
		}
		seen := map[string]bool{}
		for _, g := range append(p1.Groups, p2.Groups...) {
			if seen[g.Latest.CaseID] {
				t.Fatalf("case %s on two pages", g.Latest.CaseID)
			}
			seen[g.Latest.CaseID] = true
		}

		// Marking one read marks its group up to it; a newer one and
		// other groups stay unread; another person's id changes nothing.
		if err := d.s.MarkOneRead(ctx, clerk.UserID, p1.Groups[0].Latest.ID); err != nil {
			t.Fatal(err)
		}
		if n, _ := d.s.UnreadCount(ctx, desk2.UserID); n != before {
			t.Fatalf("another person marked desk2's notifications: %d unread, want %d", n, before)
		}
		if err := d.s.MarkOneRead(ctx, desk2.UserID, p1.Groups[0].Earlier[0].ID); err != nil {
			t.Fatal(err)
		}
		p1, _ = d.s.NotificationGroups(ctx, desk2.UserID, 1)
		if g := p1.Groups[0]; g.Unread != 1 || !g.Latest.ReadAt.IsZero() {
			t.Fatalf("after marking the second newest: %d unread, latest read %v", g.Unread, g.Latest.ReadAt)
		}
		if n, _ := d.s.UnreadCount(ctx, desk2.UserID); n != before-8 {
			t.Fatalf("%d unread, want %d", n, before-8)
		}

		// The digest: chosen by the reporter (audited), the event's mail
		// is not sent, the day's digest is, once.
		if err := d.s.SetMailDigest(ctx, clerk, true); err != nil {
			t.Fatal(err)
		}
		if on, _ := d.s.MailDigest(ctx, clerk.UserID); !on {
			t.Fatal("the choice was not kept")
		}
		es, _ := d.s.AuditEntries(ctx, kasuhara.CLIActor, kasuhara.AuditFilter{OrgID: d.org.ID, ObjectType: "user", ObjectID: clerk.UserID})
		if len(es) == 0 || es[0].Action != "user.mail_digest" || es[0].ActorID != clerk.UserID {
			t.Fatalf("audit = %+v", es)
		}
		mailsTo := func(addr string) int {
			n := 0
			for _, p := range jobRows(t, d.db, notify.KindMail) {
				if strings.Contains(p, addr) {
					n++
				}
			}
			return n
		}
		mails := mailsTo("clerk@example.jp")
		if _, err := d.s.Transition(ctx, desk1, c1.ID, kasuhara.StateResolved, ""); err != nil {
			t.Fatal(err)
		}
		fanOut(t, d.db, d.s)
		if n := mailsTo("clerk@example.jp"); n != mails {
			t.Fatalf("a digest reader got %d mails of the event", n-mails)
		}
		if n, _ := d.s.UnreadCount(ctx, clerk.UserID); n != 3 {
			t.Fatalf("the digest reader has %d unread in-app notifications, want 3", n)
		}
		for range 2 {
			if _, err := d.s.Digests(ctx); err != nil {
				t.Fatal(err)
			}
		}
		digests := jobRows(t, d.db, notify.KindDigestMail)
		if len(digests) != 1 {
			t.Fatalf("%d digest jobs, want 1 (for the one person who chose it, once a day): %v", len(digests), digests)
		}
		var j notify.DigestJob
		if err := json.Unmarshal([]byte(digests[0]), &j); err != nil {
			t.Fatal(err)
		}
		want := notify.DigestItem{Type: notify.CaseStateChanged, Ref: c1.Ref, Detail: "resolved", Path: "/cases/" + c1.ID, Count: 3}
		if len(j.To) != 1 || j.To[0] != "clerk@example.jp" || j.Lang != "ja" || len(j.Items) != 1 || j.Items[0] != want ||
			j.Date != time.Now().In(kasuhara.JST).Format(kasuhara.DateLayout) {
			t.Fatalf("digest = %+v", j)
		}
		if strings.Contains(digests[0], "怒鳴") || strings.Contains(digests[0], "山田") {
			t.Fatalf("the digest holds a narrative or a name: %s", digests[0])
		}
		// Read notifications are not in the digest: nothing to send.
		if err := d.s.MarkRead(ctx, clerk.UserID); err != nil {
			t.Fatal(err)
		}
		d.s.Now = func() time.Time { return time.Now().Add(24 * time.Hour) }
		defer func() { d.s.Now = time.Now }()
		if n, err := d.s.Digests(ctx); err != nil || n != 0 {
			t.Fatalf("digests with nothing unread: %d, %v", n, err)
		}
	})
}

// TestUnreadCountWalksTheUnreadOnly: every page's menu counts the person's
// unread notifications. The count read every notification the person ever
// had, read ones included, one table row each: at a million cases a desk
// member has one per report, and the desk's queue page spent nine tenths
// of its time there. It counts the unread ones now, up to UnreadCap (the
// menu shows 99+), through notifications_unread; another person's and the
// read ones are not counted.
func TestUnreadCountWalksTheUnreadOnly(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		desk1, desk2 := d.people["desk1"], d.people["desk2"]
		c := d.file(t, d.people["clerk"], report(d.shop.ID, "大声で怒鳴られた", "insult"))
		fanOut(t, d.db, d.s)
		base1, _ := d.s.UnreadCount(ctx, desk1.UserID)
		if err := d.s.MarkRead(ctx, desk1.UserID); err != nil {
			t.Fatal(err)
		}
		base2, _ := d.s.UnreadCount(ctx, desk2.UserID)
		add := func(user string, n int, read bool) {
			t.Helper()
			now := time.Now().UTC()
			for i := range n {
				var at any
				if read {
					at = now
				}
				testdb.Exec(t, d.db, `INSERT INTO notifications (id, user_id, org_id, type, case_id, case_ref, urgent, created_at, read_at)
					VALUES ($1, $2, $3, 'case.created', $4, $5, FALSE, $6, $7)`,
					uuid.NewString(), user, d.org.ID, c.ID, c.Ref, now.Add(time.Duration(i)*time.Millisecond), at)
			}
		}
		add(desk1.UserID, 60, true)
		add(desk1.UserID, 40, false)
		add(desk2.UserID, 7, false)
		if n, err := d.s.UnreadCount(ctx, desk1.UserID); err != nil || n != 40 {
			t.Fatalf("desk1: %d unread, %v; want 40 (60 read ones not counted; %d before marking read)", n, err, base1)
		}
		if n, _ := d.s.UnreadCount(ctx, desk2.UserID); n != base2+7 {
			t.Fatalf("desk2: %d unread, want %d: another person's are not theirs", n, base2+7)
		}
		add(desk1.UserID, kasuhara.UnreadCap, false)
		if n, _ := d.s.UnreadCount(ctx, desk1.UserID); n != kasuhara.UnreadCap {
			t.Fatalf("desk1 with %d unread: counted %d, want the cap %d", 40+kasuhara.UnreadCap, n, kasuhara.UnreadCap)
		}
		if err := d.s.MarkRead(ctx, desk1.UserID); err != nil {
			t.Fatal(err)
		}
		if n, _ := d.s.UnreadCount(ctx, desk1.UserID); n != 0 {
			t.Fatalf("desk1 after marking all read: %d unread", n)
		}
		if d.db.Engine == sqldb.SQLite {
			plan := explain(t, d.db, `SELECT COUNT(*) FROM (SELECT 1 FROM notifications
				WHERE user_id = +$1 AND read_at IS NULL LIMIT +$2) u`, []any{desk1.UserID, kasuhara.UnreadCap})
			if !strings.Contains(plan, "USING COVERING INDEX notifications_unread") {
				t.Errorf("the count's plan does not walk notifications_unread alone:\n%s", plan)
			}
		}
	})
}
