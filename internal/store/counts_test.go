package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/store"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

// TestCaseCounts: the home's figures count the cases each viewer may see,
// each equal to the length of the queue under the same filter; a handler
// excluded from a case does not count it, a supervisor counts only their
// department and never the reporter's messages without consent, another
// organisation counts nothing.
func TestCaseCounts(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		// The figures are read on Monday 7 December 2026, 10:00 in Japan.
		at := func(s string) {
			t.Helper()
			v, err := time.ParseInLocation("2006-01-02 15:04", s, kasuhara.JST)
			if err != nil {
				t.Fatal(err)
			}
			d.s.Now = func() time.Time { return v }
		}
		file := func(when, dep, conduct string) *kasuhara.Case {
			t.Helper()
			at(when)
			r := report(dep, conduct, "insult")
			r.OccurredAt = d.s.Now().Add(-time.Hour)
			c, err := d.s.FileReport(ctx, d.people["clerk"], r)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		must := func(_ any, err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		desk1, desk2, legal := d.people["desk1"], d.people["desk2"], d.people["legal"]
		// overdue: filed Thursday, one business day to acknowledge ran out on Friday.
		overdue := file("2026-12-03 10:00", d.shop.ID, "怒鳴られた")
		// dueToday: filed Friday 15:00, due Monday 15:00.
		dueToday := file("2026-12-04 15:00", d.call.ID, "電話で二時間")
		// noSecond: acknowledged with a handler only.
		noSecond := file("2026-12-07 09:00", d.shop.ID, "土下座を求められた")
		must(d.s.Transition(ctx, desk1, noSecond.ID, kasuhara.StateAcknowledged, ""))
		must(d.s.Assign(ctx, desk1, noSecond.ID, desk1.UserID, ""))
		// awaiting: in progress with two people; the reporter wrote last.
		awaiting := file("2026-12-07 09:10", d.shop.ID, "SNSに書くと脅された")
		must(d.s.Transition(ctx, desk1, awaiting.ID, kasuhara.StateAcknowledged, ""))
		must(d.s.Assign(ctx, desk1, awaiting.ID, desk1.UserID, legal.UserID))
		must(d.s.Transition(ctx, desk1, awaiting.ID, kasuhara.StateInProgress, ""))
		at("2026-12-07 09:20")
		must(d.s.AddMessage(ctx, desk1, awaiting.ID, "ご報告ありがとうございます。"))
		at("2026-12-07 09:30")
		must(d.s.AddMessage(ctx, d.people["clerk"], awaiting.ID, "また来店しました。"))
		// answered: the desk replied after the reporter.
		answered := file("2026-12-07 09:40", d.call.ID, "長時間の電話")
		at("2026-12-07 09:41")
		must(d.s.AddMessage(ctx, d.people["clerk"], answered.ID, "よろしくお願いします"))
		at("2026-12-07 09:42")
		must(d.s.AddMessage(ctx, legal, answered.ID, "承知しました。"))
		// resolved: no clock runs.
		resolved := file("2026-12-01 10:00", d.shop.ID, "解決済み")
		must(d.s.Transition(ctx, desk1, resolved.ID, kasuhara.StateAcknowledged, ""))
		must(d.s.Assign(ctx, desk1, resolved.ID, desk1.UserID, desk2.UserID))
		must(d.s.Transition(ctx, desk1, resolved.ID, kasuhara.StateInProgress, ""))
		must(d.s.Transition(ctx, desk1, resolved.ID, kasuhara.StateResolved, ""))
		// hidden: overdue, and desk2 is excluded from it; the reporter fears retaliation.
		hidden := file("2026-12-02 10:00", d.shop.ID, "同僚が関わっている")
		if _, err := d.s.Exclude(ctx, legal, hidden.ID, desk2.UserID); err != nil {
			t.Fatal(err)
		}
		must(d.s.FlagRetaliation(ctx, d.people["clerk"], hidden.ID, "報告してから外された"))
		at("2026-12-07 10:00")

		want := map[string]kasuhara.CaseCounts{
			"desk1":     {Open: 6, New: 4, Overdue: 2, DueToday: 1, NoSecond: 1, AwaitingReply: 1},
			"desk2":     {Open: 5, New: 3, Overdue: 1, DueToday: 1, NoSecond: 1, AwaitingReply: 1},
			"legal":     {Open: 6, New: 4, Overdue: 2, DueToday: 1, NoSecond: 1, AwaitingReply: 1, Retaliation: 1},
			"shopboss":  {Open: 4, New: 2, Overdue: 2, NoSecond: 1},
			"callboss":  {Open: 2, New: 2, DueToday: 1},
			"otherdesk": {},
		}
		filters := map[string]kasuhara.CaseFilter{
			"Open": {Open: true}, "New": {State: kasuhara.StateNew, Open: true}, "Overdue": {Overdue: true}, "DueToday": {DueToday: true},
			"NoSecond": {NoSecond: true}, "AwaitingReply": {AwaitingReply: true, Open: true},
		}
		for who, w := range want {
			v := d.people[who]
			got, err := d.s.CaseCounts(ctx, v)
			if err != nil {
				t.Fatalf("%s: %v", who, err)
			}
			if *got != w {
				t.Errorf("%s: counts = %+v, want %+v", who, *got, w)
			}
			// Each figure is the length of the queue under its filter.
			for name, f := range filters {
				f.Limit = 200
				list, _, err := d.s.Cases(ctx, v, f)
				if err != nil {
					t.Fatal(err)
				}
				n := map[string]int{"Open": got.Open, "New": got.New, "Overdue": got.Overdue, "DueToday": got.DueToday,
					"NoSecond": got.NoSecond, "AwaitingReply": got.AwaitingReply}[name]
				if len(list) != n {
					t.Errorf("%s: queue %s lists %d cases, the home counts %d", who, name, len(list), n)
				}
				for _, c := range list {
					if who == "desk2" && c.ID == hidden.ID {
						t.Errorf("desk2's queue %s lists the case desk2 is excluded from", name)
					}
				}
			}
		}
		// The overdue and due-today lists are the right cases.
		for f, ids := range map[kasuhara.CaseFilter][]string{{Overdue: true}: {overdue.ID, hidden.ID}, {DueToday: true}: {dueToday.ID},
			{NoSecond: true}: {noSecond.ID}, {AwaitingReply: true}: {awaiting.ID}} {
			list, _, err := d.s.Cases(ctx, desk1, f)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{}
			for _, c := range list {
				got[c.ID] = true
			}
			for _, id := range ids {
				if !got[id] || len(got) != len(ids) {
					t.Errorf("filter %+v lists %v, want %v", f, got, ids)
				}
			}
		}
		// Sorted by deadline: the cases whose clock runs, the most overdue
		// first, paged by the deadline; the resolved case is not among them.
		var order []string
		f := kasuhara.CaseFilter{Sort: "deadline", Limit: 2}
		for {
			list, next, err := d.s.Cases(ctx, desk1, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range list {
				order = append(order, c.ID)
				if c.ID == resolved.ID {
					t.Error("the deadline order lists a resolved case")
				}
			}
			if next == "" {
				break
			}
			f.Cursor = next
		}
		// hidden (due 3 Dec), overdue (4 Dec), dueToday (7 Dec 15:00), answered
		// (8 Dec 09:40), noSecond (feedback 14 Dec 09:00), awaiting (14 Dec 09:10).
		wantOrder := []string{hidden.ID, overdue.ID, dueToday.ID, answered.ID, noSecond.ID, awaiting.ID}
		if fmt.Sprint(order) != fmt.Sprint(wantOrder) {
			t.Errorf("deadline order = %v, want %v", order, wantOrder)
		}
		// Roles without a queue have no counts.
		for _, who := range []string{"clerk", "analyst", "admin2"} {
			_, err := d.s.CaseCounts(ctx, d.people[who])
			wantCode(t, err, kasuhara.EFORBIDDEN)
		}
	})
}

// TestLastBackup: the newest recorded backup, zero before any.
func TestLastBackup(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *sqldb.DB) {
		s := newStore(t, db)
		if at, err := s.LastBackup(ctx); err != nil || !at.IsZero() {
			t.Fatalf("LastBackup before any = %v, %v", at, err)
		}
		first := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
		for i, kind := range []string{store.BackupCopy, store.BackupExternal} {
			s.Now = func() time.Time { return first.Add(time.Duration(i) * time.Hour) }
			if err := s.RecordBackup(ctx, kind); err != nil {
				t.Fatal(err)
			}
		}
		if at, err := s.LastBackup(ctx); err != nil || !at.Equal(first.Add(time.Hour)) {
			t.Fatalf("LastBackup = %v, %v; want %v", at, err, first.Add(time.Hour))
		}
	})
}
