package store_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/notify"
)

// TestCooperationRegister is issue 22's cooperation between employers
// (Art. 33(3)): the register's states and clock, the reminders to the
// handler once per stage, the redacted summary (the reporter's name is
// blacked out without consent, given with it), the figures, and the roles
// that may not read it.
func TestCooperationRegister(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		now := time.Now().UTC().Truncate(time.Second)
		d.s.Now = func() time.Time { return now }
		desk1, legal := d.people["desk1"], d.people["legal"]
		rep := report(d.shop.ID, "客が「clerk に土下座させろ」と怒鳴り、clerk の名札を撮影した", "threat")
		c := d.file(t, d.people["clerk"], rep)

		// Bad input names the field.
		_, err := d.s.CreateCooperationRequest(ctx, desk1, kasuhara.CooperationRequest{Direction: "sideways", Asked: ""})
		if got := kasuhara.ErrorFields(err); got["direction"].Code != kasuhara.FieldChoice || got["employer"].Code != kasuhara.FieldRequired ||
			got["asked"].Code != kasuhara.FieldRequired {
			t.Errorf("bad request: %v (%+v)", err, got)
		}
		_, err = d.s.CreateCooperationRequest(ctx, desk1, kasuhara.CooperationRequest{Direction: kasuhara.CooperationReceived, Employer: "乙社",
			Asked: "事実確認", CaseID: "no-such-case"})
		if kasuhara.ErrorFields(err)["case_id"].Code != kasuhara.FieldUnlinkable {
			t.Errorf("an unknown case: %v", err)
		}

		// A request received with the default clock: 14 days.
		r, err := d.s.CreateCooperationRequest(ctx, desk1, kasuhara.CooperationRequest{Direction: kasuhara.CooperationReceived, Employer: "乙運輸株式会社",
			ContactPerson: "総務部 鈴木", ContactPhone: "03-1234-5678", ContactEmail: "suzuki@otsu.example", CaseID: c.ID,
			Asked: "同じ顧客による当社社員への暴言について事実確認をお願いしたい"})
		if err != nil {
			t.Fatal(err)
		}
		if want := now.AddDate(0, 0, kasuhara.DefaultCooperationDays); !r.DueAt.Equal(want) || r.State != kasuhara.CooperationOpen ||
			!strings.HasPrefix(r.Ref, "CO-") || r.CaseRef != c.Ref {
			t.Errorf("created %+v, want open, due %v, numbered, case %s", r, want, c.Ref)
		}
		sent, err := d.s.CreateCooperationRequest(ctx, legal, kasuhara.CooperationRequest{Direction: kasuhara.CooperationSent, Employer: "丙商事",
			Asked: "再発防止のための情報提供", RequestedAt: now.Add(-time.Hour), DueAt: now.AddDate(0, 0, 30)})
		if err != nil {
			t.Fatal(err)
		}
		if sent.Ref == r.Ref {
			t.Errorf("two requests share the number %s", r.Ref)
		}

		// Nobody but the desk and legal reads the register or a request.
		for _, who := range []string{"clerk", "shopboss", "analyst", "admin2"} {
			if rs, err := d.s.CooperationRequests(ctx, d.people[who], kasuhara.CooperationFilter{}); err == nil {
				t.Errorf("%s reads the register: %d requests", who, len(rs))
			}
			if _, _, _, err := d.s.CooperationRequest(ctx, d.people[who], r.ID); err == nil {
				t.Errorf("%s reads a request", who)
			}
			if _, err := d.s.SharedSummary(ctx, d.people[who], r.ID, kasuhara.ShareChoice{Fields: []string{kasuhara.ShareConduct}}); err == nil {
				t.Errorf("%s previews a shared summary", who)
			}
		}
		rs, err := d.s.CooperationRequests(ctx, legal, kasuhara.CooperationFilter{})
		if err != nil || len(rs) != 2 || rs[0].ID != r.ID {
			t.Fatalf("legal's register = %+v, %v; want the two, the soonest deadline first", rs, err)
		}

		// The clock: three days before the deadline the handler (its
		// creator) is reminded, once; after it, once more.
		now = now.AddDate(0, 0, 10)
		if n, err := d.s.RemindCooperation(ctx); err != nil || n != 0 {
			t.Fatalf("on day 10 RemindCooperation = %d, %v", n, err)
		}
		now = now.AddDate(0, 0, 2)
		if n, err := d.s.RemindCooperation(ctx); err != nil || n != 1 {
			t.Fatalf("on day 12 RemindCooperation = %d, %v, want the due-soon reminder", n, err)
		}
		if n, _ := d.s.RemindCooperation(ctx); n != 0 {
			t.Fatalf("a second run reminds %d again", n)
		}
		now = now.AddDate(0, 0, 3)
		if !rs[0].Overdue(now) {
			t.Error("a request open past its deadline is not overdue")
		}
		if n, err := d.s.RemindCooperation(ctx); err != nil || n != 1 {
			t.Fatalf("on day 15 RemindCooperation = %d, %v, want the overdue reminder", n, err)
		}
		fanOut(t, d.db, d.s)
		ns, _ := d.s.Notifications(ctx, desk1.UserID, 20)
		for _, typ := range []string{notify.CooperationDueSoon, notify.CooperationOverdue} {
			if !slices.ContainsFunc(ns, func(n kasuhara.Notification) bool { return n.Type == typ && n.CaseRef == r.Ref }) {
				t.Errorf("the handler was not told %s: %+v", typ, ns)
			}
		}
		for _, who := range []string{"desk2", "clerk", "shopboss"} {
			ns, _ := d.s.Notifications(ctx, d.people[who].UserID, 20)
			if slices.ContainsFunc(ns, func(n kasuhara.Notification) bool { return strings.HasPrefix(n.Type, "cooperation.") }) {
				t.Errorf("%s was reminded of another's request", who)
			}
		}
		// A new deadline brings new reminders.
		if _, err := d.s.SetCooperationDeadline(ctx, desk1, r.ID, now.AddDate(0, 0, 1)); err != nil {
			t.Fatal(err)
		}
		if n, _ := d.s.RemindCooperation(ctx); n != 1 {
			t.Errorf("after a new deadline a day away RemindCooperation = %d, want 1", n)
		}

		// The redacted summary: without consent the reporter's name is
		// blacked out and nothing else about them is given.
		_, err = d.s.SharedSummary(ctx, desk1, r.ID, kasuhara.ShareChoice{})
		wantFieldCode(t, err, "fields", kasuhara.FieldRequired)
		_, err = d.s.SharedSummary(ctx, desk1, r.ID, kasuhara.ShareChoice{Fields: []string{kasuhara.ShareConduct, "salary"}})
		wantFieldCode(t, err, "fields", kasuhara.FieldChoice)
		_, err = d.s.SharedSummary(ctx, desk1, r.ID, kasuhara.ShareChoice{Fields: []string{kasuhara.ShareConduct, kasuhara.ShareReporter}})
		wantFieldCode(t, err, "consent_at", kasuhara.FieldRequired)
		_, err = d.s.SharedSummary(ctx, desk1, sent.ID, kasuhara.ShareChoice{Fields: []string{kasuhara.ShareConduct}})
		wantFieldCode(t, err, "case_id", kasuhara.FieldRequired)
		choice := kasuhara.ShareChoice{Fields: []string{kasuhara.ShareConduct, kasuhara.ShareDates, kasuhara.ShareCategories}}
		sum, err := d.s.SharedSummary(ctx, desk1, r.ID, choice)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(sum.Conduct, "clerk") || !strings.Contains(sum.Conduct, "土下座") || sum.Reporter != "" || sum.ReporterDepartment != "" {
			t.Errorf("without consent the summary gives the reporter: %+v", sum)
		}
		if sum.Location != "" || sum.Demand == "" || sum.OccurredAt.IsZero() || len(sum.Measures) != 0 {
			t.Errorf("the summary holds other than the fields chosen: %+v", sum)
		}
		if !slices.Equal(sum.Fields, []string{kasuhara.ShareDates, kasuhara.ShareCategories, kasuhara.ShareConduct}) {
			t.Errorf("fields %v, want them in the summary's order", sum.Fields)
		}
		// With consent, recorded.
		consent := now.Add(-time.Hour)
		with, err := d.s.SharedSummary(ctx, desk1, r.ID, kasuhara.ShareChoice{Fields: []string{kasuhara.ShareConduct, kasuhara.ShareReporter}, ConsentAt: consent})
		if err != nil || with.Reporter != "clerk" || with.ReporterDepartment != "新宿店" || !strings.Contains(with.Conduct, "clerk") {
			t.Errorf("with consent: %+v, %v", with, err)
		}
		sh, err := d.s.RecordShare(ctx, desk1, r.ID, kasuhara.ShareChoice{Fields: []string{kasuhara.ShareConduct, kasuhara.ShareReporter}, ConsentAt: consent}, []byte("%PDF-1.4 test"))
		if err != nil || len(sh.SHA256) != 64 || !sh.ConsentAt.Equal(consent) || sh.ConsentBy != desk1.UserID {
			t.Fatalf("RecordShare = %+v, %v", sh, err)
		}
		got, pdf, err := d.s.SharePDF(ctx, legal, r.ID, sh.ID)
		if err != nil || string(pdf) != "%PDF-1.4 test" || got.SHA256 != sh.SHA256 {
			t.Errorf("SharePDF = %+v, %q, %v", got, pdf, err)
		}
		if _, _, err := d.s.SharePDF(ctx, d.people["analyst"], r.ID, sh.ID); err == nil {
			t.Error("the analyst reads a shared summary")
		}
		entries, err := d.s.AuditEntries(ctx, kasuhara.CLIActor, kasuhara.AuditFilter{OrgID: d.org.ID, ObjectType: "case", ObjectID: c.ID})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(entries, func(e kasuhara.AuditEntry) bool {
			return e.Action == "cooperation.share" && strings.Contains(e.Detail, `"conduct"`) && strings.Contains(e.Detail, `"reporter_consent":true`)
		}) {
			t.Errorf("the sharing is not in the case's audit trail with its fields: %+v", entries)
		}
		all, _ := d.s.AuditEntries(ctx, kasuhara.CLIActor, kasuhara.AuditFilter{OrgID: d.org.ID, Action: "cooperation."})
		if !slices.ContainsFunc(entries, func(e kasuhara.AuditEntry) bool {
			return e.Action == "case.read" && e.ActorID == legal.UserID && strings.Contains(e.Detail, "cooperation_share")
		}) {
			t.Error("reading a shared summary is not an audited read of the case")
		}
		if names, err := d.s.AuditNames(ctx, kasuhara.RoleAdmin, all); err != nil || names["cooperation_request:"+r.ID] != r.Ref {
			t.Errorf("the audit trail names the request %q, want its number %s (%v)", names["cooperation_request:"+r.ID], r.Ref, err)
		}
		for _, e := range append(entries, all...) {
			if strings.Contains(e.Detail, "suzuki") || strings.Contains(e.Detail, "03-1234") {
				t.Errorf("the contact is in the audit trail: %s", e.Detail)
			}
		}

		// States: answered (with the answer), then closed; nothing back.
		_, err = d.s.MoveCooperationRequest(ctx, desk1, r.ID, kasuhara.CooperationAnswered, "")
		wantFieldCode(t, err, "answer", kasuhara.FieldRequired)
		_, err = d.s.MoveCooperationRequest(ctx, desk1, sent.ID, kasuhara.CooperationDeclined, " ")
		wantFieldCode(t, err, "reason", kasuhara.FieldRequired)
		r2, err := d.s.MoveCooperationRequest(ctx, desk1, r.ID, kasuhara.CooperationAnswered, "事実確認の結果を要約で共有した")
		if err != nil || r2.State != kasuhara.CooperationAnswered || r2.AnsweredBy != desk1.UserID || r2.AnsweredAt.IsZero() {
			t.Fatalf("answered: %+v, %v", r2, err)
		}
		_, err = d.s.MoveCooperationRequest(ctx, desk1, r.ID, kasuhara.CooperationDeclined, "対象外")
		wantCode(t, err, kasuhara.ECONFLICT)
		_, err = d.s.SetCooperationDeadline(ctx, desk1, r.ID, now.AddDate(0, 0, 5))
		wantCode(t, err, kasuhara.ECONFLICT)
		if _, err := d.s.MoveCooperationRequest(ctx, legal, r.ID, kasuhara.CooperationClosed, ""); err != nil {
			t.Fatal(err)
		}
		_, events, shares, err := d.s.CooperationRequest(ctx, desk1, r.ID)
		var kinds []string
		for _, e := range events {
			kinds = append(kinds, e.Kind)
		}
		if err != nil || !slices.Equal(kinds, []string{"create", "deadline", "share", "answer", "close"}) || len(shares) != 1 {
			t.Errorf("history %v, shares %d, %v", kinds, len(shares), err)
		}
		if n, _ := d.s.RemindCooperation(ctx); n != 0 {
			t.Errorf("a closed request is reminded (%d)", n)
		}

		// The register's changes leave the case's audited record intact.
		if check, err := d.s.VerifyRecords(ctx); err != nil || len(check.Problems) > 0 {
			t.Errorf("VerifyRecords after the register's changes: %+v, %v", check, err)
		}

		// The figures: one received answered late (its first deadline
		// passed, the second was kept), one sent.
		for _, who := range []string{"desk1", "clerk"} {
			if _, err := d.s.CooperationCounts(ctx, d.people[who], now.AddDate(-1, 0, 0)); err == nil {
				t.Errorf("%s reads the compliance figures", who)
			}
		}
		n, err := d.s.CooperationCounts(ctx, d.people["analyst"], now.AddDate(-1, 0, 0))
		if err != nil || n != (kasuhara.CooperationCounts{Received: 1, AnsweredInTime: 1, Sent: 1}) {
			t.Errorf("CooperationCounts = %+v, %v", n, err)
		}
	})
}

// wantFieldCode fails unless err is a FieldError on field with code.
func wantFieldCode(t *testing.T, err error, field string, code kasuhara.FieldCode) {
	t.Helper()
	if got := kasuhara.ErrorFields(err)[field].Code; got != code {
		t.Errorf("error %v: field %q has %q, want %q", err, field, got, code)
	}
}
