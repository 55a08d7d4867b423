package store_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/notify"
)

// A proposed measure reaches every person who may approve it (issue 19):
// each legal member but the proposer, one made lately by the same admin,
// or one excluded from a case the measure rests on. It is in their list
// with the customer's name and the cases behind it, and counted for their
// home. The approval and the rejection take a comment, kept with the
// measure, audited by the approver's name and notified to the proposer.
func TestApprovalsReachTheApprover(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		c, cust := caseWithCustomer(t, d)
		mk := func(email string) kasuhara.Actor {
			t.Helper()
			u, err := d.s.CreateUser(ctx, kasuhara.CLIActor, kasuhara.NewUser{Email: email, Name: email, Password: "long-enough-pw", OrgID: d.org.ID, Role: kasuhara.RoleLegal})
			if err != nil {
				t.Fatal(err)
			}
			return kasuhara.Actor{UserID: u.ID, OrgID: d.org.ID, Role: kasuhara.RoleLegal}
		}
		// "legal" was made by the admin who made desk1 and desk2 too.
		proposer, legal2, excluded := d.people["legal"], addLegal(t, d), mk("legal-x@example.jp")
		if _, err := d.s.Exclude(ctx, legal2, c.ID, excluded.UserID); err != nil {
			t.Fatal(err)
		}
		fanOut(t, d.db, d.s)
		if err := d.s.MarkRead(ctx, legal2.UserID); err != nil {
			t.Fatal(err)
		}
		before := map[string]int{}
		for _, who := range []kasuhara.Actor{proposer, legal2, excluded, d.people["desk1"]} {
			ns, _ := d.s.Notifications(ctx, who.UserID, 100)
			before[who.UserID] = len(ns)
		}
		m, err := d.s.ProposeMeasure(ctx, proposer, cust, kasuhara.NewMeasure{Checks: testChecks, Level: kasuhara.LevelBanned, Reason: "再三の威圧", ReviewAt: time.Now().AddDate(0, 6, 0), CaseIDs: []string{c.ID},
			Premises: "新宿店"})
		if err != nil || m.Status != kasuhara.MeasureProposed {
			t.Fatalf("propose = %+v, %v", m, err)
		}
		fanOut(t, d.db, d.s)
		news := func(who kasuhara.Actor) []kasuhara.Notification {
			t.Helper()
			ns, err := d.s.Notifications(ctx, who.UserID, 100)
			if err != nil {
				t.Fatal(err)
			}
			out := ns[:len(ns)-before[who.UserID]]
			before[who.UserID] = len(ns)
			return out
		}
		if ns := news(legal2); len(ns) != 1 || ns[0].Type != notify.MeasureProposed || ns[0].CaseID != cust || ns[0].CaseRef != m.Ref() || ns[0].Detail != "banned" {
			t.Fatalf("the approver's notifications = %+v", ns)
		}
		for name, who := range map[string]kasuhara.Actor{"the proposer": proposer, "an excluded legal member": excluded, "the desk": d.people["desk1"]} {
			if ns := news(who); len(ns) != 0 {
				t.Errorf("%s was told: %+v", name, ns)
			}
		}
		// The mail job carries the measure's reference, never the name.
		var mailed bool
		for _, p := range jobRows(t, d.db, notify.KindMail) {
			if strings.Contains(p, notify.MeasureProposed) {
				mailed = true
				if strings.Contains(p, "山田") || strings.Contains(p, "再三") || !strings.Contains(p, m.Ref()) {
					t.Errorf("mail job %s", p)
				}
			}
		}
		if !mailed {
			t.Error("no mail job for the approver")
		}

		// The list and the counts.
		for who, want := range map[kasuhara.Actor]int{legal2: 1, proposer: 0, excluded: 0, d.people["desk1"]: 0} {
			if n, err := d.s.ApprovalsWaiting(ctx, who); err != nil || n != want {
				t.Errorf("%s: %d waiting (%v), want %d", who.UserID, n, err, want)
			}
		}
		as, err := d.s.Approvals(ctx, legal2)
		if err != nil || len(as) != 1 {
			t.Fatalf("approvals = %+v, %v", as, err)
		}
		if a := as[0]; !a.MayApprove || a.CustomerName != "山田 太郎" || a.ProposedBy != proposer.UserID || a.Reason != "再三の威圧" ||
			len(a.Cases) != 1 || a.Cases[0].Ref != c.Ref || a.Hidden != 0 {
			t.Errorf("approval = %+v", a)
		}
		if as, _ := d.s.Approvals(ctx, excluded); len(as) != 1 || as[0].MayApprove || len(as[0].Cases) != 0 || as[0].Hidden != 1 {
			t.Errorf("the excluded member's list names the case: %+v", as)
		}
		if as, _ := d.s.Approvals(ctx, d.people["desk1"]); len(as) != 1 || as[0].MayApprove {
			t.Errorf("the desk's list = %+v", as)
		}
		for _, who := range []string{"clerk", "shopboss", "analyst", "admin2"} {
			_, err := d.s.Approvals(ctx, d.people[who])
			wantCode(t, err, kasuhara.EFORBIDDEN)
		}
		if as, _ := d.s.Approvals(ctx, d.people["otherdesk"]); len(as) != 0 {
			t.Errorf("another organisation's desk sees %+v", as)
		}

		// Neither the excluded member nor the proposer may approve; the
		// comment has a limit.
		_, err = d.s.ApproveMeasure(ctx, excluded, cust, m.ID, "")
		wantCode(t, err, kasuhara.EFORBIDDEN)
		_, err = d.s.ApproveMeasure(ctx, proposer, cust, m.ID, "")
		wantCode(t, err, kasuhara.EFORBIDDEN)
		_, err = d.s.ApproveMeasure(ctx, legal2, cust, m.ID, strings.Repeat("長", kasuhara.MaxLongText+1))
		wantField(t, err, "comment")
		got, err := d.s.ApproveMeasure(ctx, legal2, cust, m.ID, "  事実関係を確認した。出入り禁止が相当。  ")
		if err != nil || got.Status != kasuhara.MeasureActive || got.ApprovalComment != "事実関係を確認した。出入り禁止が相当。" || got.ApprovedBy != legal2.UserID {
			t.Fatalf("approve = %+v, %v", got, err)
		}
		fanOut(t, d.db, d.s)
		if ns := news(proposer); len(ns) != 1 || ns[0].Type != notify.MeasureApproved || ns[0].CaseRef != m.Ref() {
			t.Errorf("the proposer's notifications = %+v", ns)
		}
		if ns := news(legal2); len(ns) != 0 {
			t.Errorf("the approver was told of their own approval: %+v", ns)
		}
		ms, _ := d.s.Measures(ctx, d.people["desk1"], cust)
		if len(ms) != 1 || ms[0].ApprovalComment != got.ApprovalComment || ms[0].ApprovedBy != legal2.UserID {
			t.Errorf("measures = %+v", ms)
		}
		es, err := d.s.AuditEntries(ctx, kasuhara.CLIActor, kasuhara.AuditFilter{OrgID: d.org.ID, ObjectType: "customer", ObjectID: cust})
		if err != nil || len(es) == 0 || es[0].Action != "measure.approve" || es[0].ActorID != legal2.UserID {
			t.Fatalf("audit = %+v, %v", es, err)
		}
		var detail map[string]any
		json.Unmarshal([]byte(es[0].Detail), &detail)
		if detail["proposed_by"] != proposer.UserID || detail["comment"] != true || strings.Contains(es[0].Detail, "事実") {
			t.Errorf("audit detail %s", es[0].Detail)
		}
		if n, _ := d.s.ApprovalsWaiting(ctx, legal2); n != 0 {
			t.Errorf("%d still waiting", n)
		}

		// A rejection: its comment is the reason; the proposer hears of it.
		w, err := d.s.ProposeMeasure(ctx, d.people["desk1"], cust, kasuhara.NewMeasure{Checks: testChecks, Level: kasuhara.LevelWarned, Reason: "警告", ReviewAt: time.Now().AddDate(0, 3, 0)})
		if err != nil {
			t.Fatal(err)
		}
		fanOut(t, d.db, d.s)
		if ns := news(legal2); len(ns) != 1 || ns[0].Type != notify.MeasureProposed {
			t.Errorf("legal2 = %+v", ns)
		}
		if ns := news(proposer); len(ns) != 0 { // made by the same admin as desk1
			t.Errorf("a legal member made by the proposer's maker was told: %+v", ns)
		}
		if err := d.s.LiftMeasure(ctx, legal2, cust, w.ID, "事実の記録が不足"); err != nil {
			t.Fatal(err)
		}
		fanOut(t, d.db, d.s)
		if ns := news(d.people["desk1"]); len(ns) != 1 || ns[0].Type != notify.MeasureRejected || ns[0].Detail != "warned" {
			t.Errorf("the proposer's notifications = %+v", ns)
		}
		ms, _ = d.s.Measures(ctx, d.people["desk1"], cust)
		if ms[0].Status != kasuhara.MeasureRejected || ms[0].LiftedBy != legal2.UserID || ms[0].LiftReason != "事実の記録が不足" {
			t.Errorf("rejected = %+v", ms[0])
		}
		// The proposer who withdraws is told nothing.
		w2, _ := d.s.ProposeMeasure(ctx, d.people["desk1"], cust, kasuhara.NewMeasure{Checks: testChecks, Level: kasuhara.LevelWarned, Reason: "再提案", ReviewAt: time.Now().AddDate(0, 3, 0)})
		if err := d.s.LiftMeasure(ctx, d.people["desk1"], cust, w2.ID, "取り下げ"); err != nil {
			t.Fatal(err)
		}
		fanOut(t, d.db, d.s)
		if ns := news(d.people["desk1"]); len(ns) != 0 {
			t.Errorf("told of their own withdrawal: %+v", ns)
		}
	})
}

// The proposals to exclude a person from a case wait for a second person:
// they are listed for each desk or legal member who handles the case and
// neither proposed it nor is its subject, and for nobody else (issue 19).
func TestExclusionRequestsWaitForTheSecondPerson(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		c, _ := caseWithCustomer(t, d)
		pending, err := d.s.Exclude(ctx, d.people["desk1"], c.ID, d.people["callboss"].UserID)
		if err != nil || !pending {
			t.Fatalf("propose: pending %v, %v", pending, err)
		}
		list := func(who string) []kasuhara.ExclusionRequest {
			t.Helper()
			xs, err := d.s.ExclusionRequests(ctx, d.people[who])
			if err != nil {
				t.Fatalf("%s: %v", who, err)
			}
			return xs
		}
		for _, who := range []string{"desk2", "legal"} {
			if xs := list(who); len(xs) != 1 || xs[0].CaseRef != c.Ref || xs[0].UserID != d.people["callboss"].UserID || xs[0].ProposedBy != d.people["desk1"].UserID {
				t.Errorf("%s sees %+v", who, xs)
			}
		}
		for _, who := range []string{"desk1", "callboss", "shopboss", "otherdesk"} {
			if xs := list(who); len(xs) != 0 {
				t.Errorf("%s sees %+v", who, xs)
			}
		}
		for _, who := range []string{"clerk", "analyst", "admin2"} {
			_, err := d.s.ExclusionRequests(ctx, d.people[who])
			wantCode(t, err, kasuhara.EFORBIDDEN)
		}
		// Confirmed by the second person, it waits no more.
		if pending, err := d.s.Exclude(ctx, d.people["desk2"], c.ID, d.people["callboss"].UserID); err != nil || pending {
			t.Fatalf("confirm: pending %v, %v", pending, err)
		}
		if xs := list("legal"); len(xs) != 0 {
			t.Errorf("after the confirmation legal sees %+v", xs)
		}
	})
}
