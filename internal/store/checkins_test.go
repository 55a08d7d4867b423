package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/notify"
)

// TestRetaliationCheckins is issue 22's check-ins: a named reporter is
// asked on the organisation's days after the report, once; a "yes" raises
// the retaliation alarm for legal; only the reporter answers, only the
// reporter and legal read the answers; anonymous and disabled reporters
// are not asked; the figures count without names.
func TestRetaliationCheckins(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		now := time.Now().UTC().Truncate(time.Second)
		d.s.Now = func() time.Time { return now }
		clerk, clerk2, operator := d.people["clerk"], d.people["clerk2"], d.people["operator"]
		named := d.file(t, clerk, report(d.shop.ID, "「お前なんか辞めさせてやる」と言われた", "threat"))
		other := d.file(t, clerk2, report(d.shop.ID, "長時間の電話で同じ要求を繰り返された", "insult"))
		gone := d.file(t, operator, report(d.call.ID, "電話で怒鳴られ続けた", "insult"))
		anon, _, err := d.s.FileAnonymousReport(ctx, "acme", report(d.shop.ID, "匿名です。怒鳴られた", "insult"))
		if err != nil {
			t.Fatal(err)
		}
		if err := d.s.SetDisabled(ctx, kasuhara.CLIActor, operator.UserID, true); err != nil {
			t.Fatal(err)
		}

		// Nothing is asked before the first day.
		now = now.AddDate(0, 0, 29)
		if n, err := d.s.AskCheckins(ctx); err != nil || n != 0 {
			t.Fatalf("on day 29 AskCheckins = %d, %v", n, err)
		}
		_, err = d.s.AnswerCheckin(ctx, clerk, named.ID, kasuhara.CheckinNo, "")
		wantCode(t, err, kasuhara.ENOTFOUND)

		// On day 30 the two named, active reporters are asked, once.
		now = now.AddDate(0, 0, 1)
		if n, err := d.s.AskCheckins(ctx); err != nil || n != 2 {
			t.Fatalf("on day 30 AskCheckins = %d, %v, want the two named reporters", n, err)
		}
		if n, err := d.s.AskCheckins(ctx); err != nil || n != 0 {
			t.Fatalf("a second run asks %d again (%v)", n, err)
		}
		fanOut(t, d.db, d.s)
		for who, c := range map[string]*kasuhara.Case{"clerk": named, "clerk2": other} {
			ns, _ := d.s.Notifications(ctx, d.people[who].UserID, 10)
			if !slices.ContainsFunc(ns, func(n kasuhara.Notification) bool { return n.Type == notify.CaseCheckin && n.CaseRef == c.Ref }) {
				t.Errorf("%s was not notified of the check-in: %+v", who, ns)
			}
		}
		// Nobody else hears of it: not the desk, not the supervisor.
		for _, who := range []string{"desk1", "legal", "shopboss"} {
			ns, _ := d.s.Notifications(ctx, d.people[who].UserID, 50)
			if slices.ContainsFunc(ns, func(n kasuhara.Notification) bool { return n.Type == notify.CaseCheckin }) {
				t.Errorf("%s was notified of a reporter's check-in", who)
			}
		}
		for _, c := range []*kasuhara.Case{gone, anon} {
			ks, err := d.s.Checkins(ctx, d.people["legal"], c.ID)
			if err != nil || len(ks) != 0 {
				t.Errorf("case %s (disabled or anonymous reporter) has check-ins %+v, %v", c.Ref, ks, err)
			}
		}

		// Only the reporter answers; only the reporter and legal read.
		for _, who := range []string{"clerk2", "desk1", "legal", "shopboss"} {
			_, err := d.s.AnswerCheckin(ctx, d.people[who], named.ID, kasuhara.CheckinNo, "")
			if c := kasuhara.ErrorCode(err); c != kasuhara.EFORBIDDEN && c != kasuhara.ENOTFOUND {
				t.Errorf("%s answers the clerk's check-in: %v", who, err)
			}
		}
		for _, who := range []string{"desk1", "shopboss", "clerk2", "analyst", "admin2"} {
			if ks, err := d.s.Checkins(ctx, d.people[who], named.ID); err == nil {
				t.Errorf("%s reads the clerk's check-ins: %+v", who, ks)
			}
		}
		_, err = d.s.AnswerCheckin(ctx, clerk, named.ID, "maybe", "")
		wantField(t, err, "answer")

		// "No" is recorded; a second answer is a conflict.
		k, err := d.s.AnswerCheckin(ctx, clerk2, other.ID, kasuhara.CheckinNo, "書いても残らない")
		if err != nil || k.Answer != kasuhara.CheckinNo || k.Day != 30 || k.FlagID != "" || !k.AnsweredAt.Equal(now) {
			t.Fatalf("answer no = %+v, %v", k, err)
		}
		_, err = d.s.AnswerCheckin(ctx, clerk2, other.ID, kasuhara.CheckinYes, "")
		wantCode(t, err, kasuhara.ECONFLICT)

		// "Yes" raises the alarm for legal, with what the reporter wrote.
		k, err = d.s.AnswerCheckin(ctx, clerk, named.ID, kasuhara.CheckinYes, "報告の翌週からシフトを減らされました")
		if err != nil || k.FlagID == "" {
			t.Fatalf("answer yes = %+v, %v", k, err)
		}
		flags, err := d.s.RetaliationFlags(ctx, d.people["legal"])
		if err != nil || len(flags) != 1 || flags[0].CaseID != named.ID || flags[0].Body != "報告の翌週からシフトを減らされました" || flags[0].ID != k.FlagID {
			t.Fatalf("legal's alarms = %+v, %v", flags, err)
		}
		fanOut(t, d.db, d.s)
		ns, _ := d.s.Notifications(ctx, d.people["legal"].UserID, 50)
		if !slices.ContainsFunc(ns, func(n kasuhara.Notification) bool { return n.Type == notify.CaseRetaliation && n.CaseRef == named.Ref }) {
			t.Errorf("legal was not told of the yes: %+v", ns)
		}
		for _, who := range []string{"desk1", "shopboss"} {
			ns, _ := d.s.Notifications(ctx, d.people[who].UserID, 50)
			if slices.ContainsFunc(ns, func(n kasuhara.Notification) bool { return n.Type == notify.CaseRetaliation }) {
				t.Errorf("%s was told of the reporter's alarm", who)
			}
		}
		ks, err := d.s.Checkins(ctx, d.people["legal"], named.ID)
		if err != nil || len(ks) != 1 || ks[0].Answer != kasuhara.CheckinYes {
			t.Fatalf("legal reads %+v, %v", ks, err)
		}
		// Legal's read is audited (legal's to read); the reporter's own is not.
		reads := func() int {
			es, err := d.s.AuditEntries(ctx, kasuhara.CLIActor, kasuhara.AuditFilter{OrgID: d.org.ID, Action: "checkin.read", Role: kasuhara.RoleLegal})
			if err != nil {
				t.Fatal(err)
			}
			return len(es)
		}
		if n := reads(); n != 1 {
			t.Errorf("%d audited reads of the check-ins by legal, want 1", n)
		}
		if _, err := d.s.Checkins(ctx, clerk, named.ID); err != nil || reads() != 1 {
			t.Errorf("the reporter's own read of the check-ins was audited (%v)", err)
		}

		// Day 90 asks again; a day long past is not asked any more.
		now = now.AddDate(0, 0, 60)
		if n, err := d.s.AskCheckins(ctx); err != nil || n != 2 {
			t.Fatalf("on day 90 AskCheckins = %d, %v", n, err)
		}
		ks, _ = d.s.Checkins(ctx, clerk, named.ID)
		if len(ks) != 2 || ks[1].Day != 90 || !ks[1].AnsweredAt.IsZero() {
			t.Fatalf("the clerk's check-ins on day 90: %+v", ks)
		}
		now = now.AddDate(0, 0, 30)
		if n, err := d.s.AskCheckins(ctx); err != nil || n != 0 {
			t.Fatalf("on day 120 AskCheckins = %d, %v", n, err)
		}

		// The figures: the analyst reads counts, the desk nothing.
		n, err := d.s.CheckinCounts(ctx, d.people["analyst"], now.AddDate(-1, 0, 0))
		if err != nil || n != (kasuhara.CheckinCounts{Asked: 4, Answered: 2, Yes: 1}) {
			t.Fatalf("CheckinCounts = %+v, %v", n, err)
		}
		_, err = d.s.CheckinCounts(ctx, d.people["desk1"], now.AddDate(-1, 0, 0))
		wantCode(t, err, kasuhara.EFORBIDDEN)

		// An organisation that asks on no day asks nothing.
		st, err := d.s.Settings(ctx, d.org.ID)
		if err != nil || !slices.Equal(st.CheckinDays, kasuhara.DefaultCheckinDays) {
			t.Fatalf("default check-in days = %v, %v", st.CheckinDays, err)
		}
		st.CheckinDays, st.WebhookSecret = nil, ""
		if err := d.s.SaveSettings(ctx, d.actor, *st); err != nil {
			t.Fatal(err)
		}
		late := d.file(t, clerk, report(d.shop.ID, "また怒鳴られた", "insult"))
		now = now.AddDate(0, 0, 30)
		if n, err := d.s.AskCheckins(ctx); err != nil || n != 0 {
			t.Fatalf("with no days AskCheckins = %d, %v", n, err)
		}
		if ks, _ := d.s.Checkins(ctx, clerk, late.ID); len(ks) != 0 {
			t.Fatalf("asked with no days: %+v", ks)
		}
		st.CheckinDays = []int{0}
		wantField(t, d.s.SaveSettings(ctx, d.actor, *st), "checkin_days")
	})
}

func TestParseCheckinDays(t *testing.T) {
	for in, want := range map[string][]int{"30,90": {30, 90}, "９０、３０": {30, 90}, " 7 , 14 ": {7, 14}, "": nil, "1,2,3,730": {1, 2, 3, 730}} {
		got, err := kasuhara.ParseCheckinDays(in)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("ParseCheckinDays(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"0", "731", "30,30", "1,2,3,4,5", "thirty", "-1"} {
		_, err := kasuhara.ParseCheckinDays(bad)
		wantField(t, err, "checkin_days")
	}
	if got := kasuhara.FormatCheckinDays([]int{30, 90}); got != "30, 90" {
		t.Errorf("FormatCheckinDays = %q", got)
	}
}
