package store_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/notify"
)

func notified(t *testing.T, d desk, who, typ, ref string) bool {
	t.Helper()
	ns, err := d.s.Notifications(ctx, d.people[who].UserID, 50)
	if err != nil {
		t.Fatal(err)
	}
	return slices.ContainsFunc(ns, func(n kasuhara.Notification) bool { return n.Type == typ && n.CaseRef == ref })
}

func TestFileOnBehalfValidation(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		r := report("", "店長が代わりに書きます", "insult")
		ob := kasuhara.OnBehalf{Employee: "operator@example.jp", ReceivedVia: "phone"}
		for _, who := range []string{"clerk", "analyst", "admin2"} {
			_, err := d.s.FileOnBehalf(ctx, d.people[who], ob, r)
			wantCode(t, err, kasuhara.EFORBIDDEN)
		}
		// Two people of the same name: the e-mail address is needed.
		if _, err := d.s.CreateUser(ctx, d.actor, kasuhara.NewUser{Email: "op2@example.jp", Name: "Ｏｐｅｒａｔｏｒ", Password: "long-enough-pw",
			OrgID: d.org.ID, Role: kasuhara.RoleEmployee}); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			ob    kasuhara.OnBehalf
			field string
			code  kasuhara.FieldCode
		}{
			{kasuhara.OnBehalf{Employee: "nobody@example.jp", ReceivedVia: "phone"}, "employee", kasuhara.FieldNoMatch},
			{kasuhara.OnBehalf{Employee: "誰でもない人", ReceivedVia: "phone"}, "employee", kasuhara.FieldNoMatch},
			{kasuhara.OnBehalf{Employee: "otherdesk@example.jp", ReceivedVia: "phone"}, "employee", kasuhara.FieldNoMatch},
			{kasuhara.OnBehalf{Employee: "operator", ReceivedVia: "phone"}, "employee", kasuhara.FieldAmbiguous},
			{kasuhara.OnBehalf{Employee: "shopboss@example.jp", ReceivedVia: "phone"}, "employee", kasuhara.FieldSelf},
			{kasuhara.OnBehalf{Employee: "clerk", Unnamed: true, ReceivedVia: "phone"}, "employee", kasuhara.FieldUnnamedOrNamed},
			{kasuhara.OnBehalf{ReceivedVia: "phone"}, "employee", kasuhara.FieldRequired},
			{kasuhara.OnBehalf{Employee: "clerk", ReceivedVia: "fax"}, "received_via", kasuhara.FieldOneOf},
		} {
			_, err := d.s.FileOnBehalf(ctx, d.people["shopboss"], tc.ob, r)
			if got := kasuhara.ErrorFields(err)[tc.field].Code; got != tc.code {
				t.Errorf("%+v: %s = %q (%v), want %q", tc.ob, tc.field, got, err, tc.code)
			}
		}
		// The report's own fields are named at the same time.
		_, err := d.s.FileOnBehalf(ctx, d.people["shopboss"], kasuhara.OnBehalf{ReceivedVia: "x"}, kasuhara.Report{})
		for _, f := range []string{"employee", "received_via", "conduct", "channel"} {
			wantField(t, err, f)
		}
		var n int
		d.db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM cases").Scan(&n)
		if n != 0 {
			t.Fatalf("%d cases after refused reports", n)
		}
	})
}

func TestReportsTakenOnBehalf(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		shopboss, operator := d.people["shopboss"], d.people["operator"]
		// The shop's supervisor takes, by telephone, the report of an
		// operator of the call centre (another department), found by name.
		r := report(d.shop.ID, "電話で聞き取った内容：客に「殺すぞ」と言われた", "threat")
		c, err := d.s.FileOnBehalf(ctx, shopboss, kasuhara.OnBehalf{Employee: " operator ", ReceivedVia: "phone"}, r)
		if err != nil {
			t.Fatal(err)
		}
		if c.ReporterID != operator.UserID || c.RecordedBy != shopboss.UserID || c.ReceivedVia != "phone" || c.Report.DepartmentID != d.call.ID {
			t.Fatalf("case = reporter %q recorder %q via %q department %q; want the operator's, in the call centre",
				c.ReporterID, c.RecordedBy, c.ReceivedVia, c.Report.DepartmentID)
		}
		// An unrelated case of the call centre, which the shop's supervisor
		// must not reach by having recorded for someone there.
		callCase := d.file(t, d.people["operator"], report(d.call.ID, "別の件：長時間の電話", "long_contact"))

		// The employee sees it among their reports, as theirs, and is told.
		mine, _, err := d.s.Cases(ctx, operator, kasuhara.CaseFilter{Mine: true})
		if err != nil || !slices.ContainsFunc(mine, func(x kasuhara.Case) bool { return x.ID == c.ID }) {
			t.Fatalf("the operator's reports %v (%v) lack the case taken for them", of(mine, func(x kasuhara.Case) string { return x.Ref }), err)
		}
		got, err := d.s.CaseByID(ctx, operator, c.ID)
		if err != nil || got.RecordedBy != shopboss.UserID || got.ReceivedVia != "phone" {
			t.Fatalf("the operator reads %+v, %v", got, err)
		}
		fanOut(t, d.db, d.s)
		if !notified(t, d, "operator", notify.CaseRecorded, c.Ref) {
			t.Error("the employee was not told a report was taken for them")
		}
		if notified(t, d, "shopboss", notify.CaseRecorded, c.Ref) {
			t.Error("the recorder was told of their own report")
		}
		if !notified(t, d, "desk1", notify.CaseReported, c.Ref) {
			t.Error("the desk was not told of the new case")
		}

		// The desk works the case.
		desk := d.people["desk1"]
		if _, err := d.s.AddNote(ctx, desk, c.ID, kasuhara.EventNote, "デスクの内部メモ：店長に確認"); err != nil {
			t.Fatal(err)
		}
		if _, err := d.s.AddMessage(ctx, desk, c.ID, "デスクからのメッセージ：お話を伺えますか"); err != nil {
			t.Fatal(err)
		}
		if _, err := d.s.Assess(ctx, desk, c.ID, kasuhara.Assessment{Request: "not_valid", Manner: "inappropriate", Verdict: "harassment",
			Rationale: "デスクの判断理由"}); err != nil {
			t.Fatal(err)
		}
		if _, err := d.s.AddCare(ctx, desk, c.ID, kasuhara.CareAction{Kind: "counselling", Note: "デスクのケア記録"}); err != nil {
			t.Fatal(err)
		}

		// The recorder keeps what they typed, read-only, and nothing else.
		rr, err := d.s.RecordedReport(ctx, shopboss, c.ID)
		if err != nil || rr.Report.Conduct != r.Conduct || rr.Ref != c.Ref || rr.EmployeeID != operator.UserID {
			t.Fatalf("RecordedReport = %+v, %v", rr, err)
		}
		b, _ := json.Marshal(rr)
		for _, secret := range []string{"デスクの内部メモ", "デスクからのメッセージ", "デスクの判断理由", "デスクのケア記録", "harassment"} {
			if strings.Contains(string(b), secret) {
				t.Errorf("the recorder's copy carries %q", secret)
			}
		}
		list, err := d.s.RecordedReports(ctx, shopboss, 0)
		if err != nil || len(list) != 1 || list[0].CaseID != c.ID {
			t.Fatalf("RecordedReports = %+v, %v", list, err)
		}
		for _, tt := range []struct {
			what string
			call func() error
		}{
			{"opens the case", func() error { _, err := d.s.CaseByID(ctx, shopboss, c.ID); return err }},
			{"reads the timeline", func() error { _, err := d.s.Timeline(ctx, shopboss, c.ID); return err }},
			{"reads the assessment", func() error { _, err := d.s.Assessments(ctx, shopboss, c.ID); return err }},
			{"reads the messages", func() error { _, err := d.s.Messages(ctx, shopboss, c.ID); return err }},
			{"reads the care record", func() error { _, err := d.s.CareActions(ctx, shopboss, c.ID); return err }},
			{"reads the employee's corrections", func() error { _, err := d.s.Corrections(ctx, shopboss, c.ID); return err }},
			{"adds a note", func() error { _, err := d.s.AddNote(ctx, shopboss, c.ID, kasuhara.EventNote, "x"); return err }},
		} {
			if err := tt.call(); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
				t.Errorf("the recorder %s: %v", tt.what, err)
			}
		}
		// …nor gains the employee's department.
		if _, err := d.s.CaseByID(ctx, shopboss, callCase.ID); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Errorf("the shop's supervisor opens a call-centre case: %v", err)
		}
		seen, _, err := d.s.Cases(ctx, shopboss, kasuhara.CaseFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if slices.ContainsFunc(seen, func(x kasuhara.Case) bool { return x.ID == c.ID || x.ID == callCase.ID }) {
			t.Errorf("the shop's supervisor lists %v", of(seen, func(x kasuhara.Case) string { return x.Ref }))
		}
		// Access follows the employee's: the call centre's supervisor sees it.
		if _, err := d.s.CaseByID(ctx, d.people["callboss"], c.ID); err != nil {
			t.Errorf("the employee's supervisor does not see the case: %v", err)
		}
		// Nobody else has a recorded copy.
		for _, who := range []string{"callboss", "desk1", "operator"} {
			if _, err := d.s.RecordedReport(ctx, d.people[who], c.ID); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
				t.Errorf("%s reads the recorder's copy: %v", who, err)
			}
		}

		// The employee adds to it and corrects it; the recorded text stays.
		if _, err := d.s.CorrectReport(ctx, operator, c.ID, "訂正：言われたのは「ぶっ飛ばすぞ」でした"); err != nil {
			t.Fatal(err)
		}
		for _, who := range []string{"shopboss", "clerk", "callboss"} {
			if _, err := d.s.CorrectReport(ctx, d.people[who], c.ID, "x"); err == nil {
				t.Errorf("%s corrected the operator's report", who)
			}
		}
		_, err = d.s.CorrectReport(ctx, operator, c.ID, " ")
		wantField(t, err, "body")
		cs, err := d.s.Corrections(ctx, desk, c.ID)
		if err != nil || len(cs) != 1 || !strings.Contains(cs[0].Body, "ぶっ飛ばす") {
			t.Fatalf("the desk reads corrections %+v, %v", cs, err)
		}
		if rr, _ := d.s.RecordedReport(ctx, shopboss, c.ID); rr.Report.Conduct != r.Conduct {
			t.Errorf("the recorded text changed: %q", rr.Report.Conduct)
		}
		found, _, err := d.s.Cases(ctx, operator, kasuhara.CaseFilter{Mine: true, Query: "ぶっ飛ばす"})
		if err != nil || len(found) != 1 {
			t.Errorf("the correction is not searchable for its writer: %v, %v", len(found), err)
		}

		// The employee hides the case from their supervisor; the recorder
		// still keeps their copy.
		if err := d.s.SetConfidential(ctx, operator, c.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := d.s.RecordedReport(ctx, shopboss, c.ID); err != nil {
			t.Errorf("the recorder lost their copy: %v", err)
		}

		// "I did not make this report": legal is alerted, once.
		if err := d.s.DisownReport(ctx, operator, c.ID, "この日は休みでした"); err != nil {
			t.Fatal(err)
		}
		wantCode(t, d.s.DisownReport(ctx, operator, c.ID, ""), kasuhara.ECONFLICT)
		fanOut(t, d.db, d.s)
		if !notified(t, d, "legal", notify.CaseDisowned, c.Ref) {
			t.Error("legal was not alerted")
		}
		for _, who := range []string{"shopboss", "callboss", "desk1"} {
			if notified(t, d, who, notify.CaseDisowned, c.Ref) {
				t.Errorf("%s was alerted of the employee's word", who)
			}
		}
		got, _ = d.s.CaseByID(ctx, desk, c.ID)
		if got.DisownedAt.IsZero() {
			t.Error("the case does not say it was disowned")
		}
		tl, _ := d.s.Timeline(ctx, desk, c.ID)
		if !slices.ContainsFunc(tl, func(e kasuhara.Event) bool { return e.Kind == kasuhara.EventDisowned }) {
			t.Error("the timeline lacks the employee's word for the desk")
		}
		entries, err := d.s.AuditEntries(ctx, kasuhara.CLIActor, kasuhara.AuditFilter{ObjectID: c.ID})
		if err != nil {
			t.Fatal(err)
		}
		actions := of(entries, func(e kasuhara.AuditEntry) string { return e.Action })
		for _, want := range []string{"case.create", "case.correct", "case.disown"} {
			if !slices.Contains(actions, want) {
				t.Errorf("audit %v lacks %s", actions, want)
			}
		}
		// A report the employee filed themselves cannot be disowned.
		err = d.s.DisownReport(ctx, operator, callCase.ID, "")
		wantField(t, err, "case")
		// How each case was received, and its disowning, are in its
		// audited state (case_intake).
		recordsMatch(t, d)
	})
}

// recordsMatch fails unless every record matches its last audited state.
func recordsMatch(t *testing.T, d desk) {
	t.Helper()
	check, err := d.s.VerifyRecords(ctx)
	if err != nil || len(check.Problems) > 0 || len(check.Unaudited) > 0 || len(check.Older) > 0 {
		t.Fatalf("VerifyRecords: %+v, %v", check, err)
	}
}

func TestOnBehalfUnnamed(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		desk := d.people["desk1"]
		r := report(d.shop.ID, "手紙で届いた相談：名前は伏せてほしいとのこと", "insult")
		c, err := d.s.FileOnBehalf(ctx, desk, kasuhara.OnBehalf{Unnamed: true, ReceivedVia: "letter"}, r)
		if err != nil {
			t.Fatal(err)
		}
		if c.ReporterID != "" || !c.UnnamedReporter || c.Report.DepartmentID != d.shop.ID {
			t.Fatalf("case = %+v", c)
		}
		if _, err := d.s.CaseByID(ctx, d.people["shopboss"], c.ID); err != nil {
			t.Errorf("the department's supervisor does not see it: %v", err)
		}
		for _, who := range []string{"clerk", "clerk2"} {
			mine, _, _ := d.s.Cases(ctx, d.people[who], kasuhara.CaseFilter{Mine: true})
			if len(mine) != 0 {
				t.Errorf("%s has the unnamed report among theirs", who)
			}
		}
		if rr, err := d.s.RecordedReport(ctx, desk, c.ID); err != nil || !rr.Unnamed || rr.EmployeeID != "" {
			t.Fatalf("RecordedReport = %+v, %v", rr, err)
		}
		recordsMatch(t, d)
	})
}

// TestOnBehalfEmployeeAdds: the employee adds a file and a message to the
// report taken on their behalf, as to their own; the desk gets both and is
// told of the message; the recorder's copy stays what they typed, and
// their every read of it is audited as theirs ("case.read", part
// "recorded"), while the employee's additions stay out of their reach.
func TestOnBehalfEmployeeAdds(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		// The shop's supervisor records for an operator of the call centre:
		// they are not the operator's supervisor.
		shopboss, clerk, desk := d.people["shopboss"], d.people["operator"], d.people["desk1"]
		r := report(d.shop.ID, "店長が聞き取った内容", "insult")
		c, err := d.s.FileOnBehalf(ctx, shopboss, kasuhara.OnBehalf{Employee: "operator@example.jp", ReceivedVia: "in_person"}, r)
		if err != nil {
			t.Fatal(err)
		}
		fanOut(t, d.db, d.s)
		ev := kasuhara.Evidence{BlobID: strings.Repeat("7", 32), Filename: "レシート.png", MediaType: "image/png", Size: 10, SHA256: strings.Repeat("8", 64)}
		added, err := d.s.AddEvidence(ctx, clerk, c.ID, ev)
		if err != nil {
			t.Fatalf("the employee adds a file: %v", err)
		}
		if _, err := d.s.AddMessage(ctx, clerk, c.ID, "本人より：相手の顔も覚えています"); err != nil {
			t.Fatalf("the employee adds a message: %v", err)
		}
		// Nobody else adds to it.
		if _, err := d.s.AddEvidence(ctx, d.people["clerk"], c.ID, ev); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Errorf("another employee adds a file: %v", err)
		}
		if _, err := d.s.AddMessage(ctx, shopboss, c.ID, "店長より"); err == nil {
			t.Errorf("the recorder writes to the employee's conversation with the desk")
		}
		list, err := d.s.EvidenceList(ctx, desk, c.ID)
		if err != nil || len(list) != 1 || list[0].ID != added.ID || list[0].Filename != "レシート.png" {
			t.Fatalf("the desk's evidence = %+v, %v", list, err)
		}
		msgs, err := d.s.Messages(ctx, desk, c.ID)
		if err != nil || len(msgs) != 1 || msgs[0].AuthorID != clerk.UserID || !strings.Contains(msgs[0].Body, "顔も覚えて") {
			t.Fatalf("the desk's messages = %+v, %v", msgs, err)
		}
		fanOut(t, d.db, d.s)
		if !notified(t, d, "desk1", notify.CaseMessage, c.Ref) {
			t.Error("the desk was not told of the employee's message")
		}
		if notified(t, d, "shopboss", notify.CaseMessage, c.Ref) {
			t.Error("the recorder was told of the employee's message")
		}
		if entries, _ := d.s.AuditEntries(ctx, kasuhara.CLIActor, kasuhara.AuditFilter{ObjectID: c.ID, Action: "evidence.upload"}); len(entries) != 1 || entries[0].ActorID != clerk.UserID {
			t.Errorf("the employee's file is audited as %+v", entries)
		}

		// The recorder's copy: what they typed, nothing the employee added.
		before, _ := d.s.AuditEntries(ctx, kasuhara.CLIActor, kasuhara.AuditFilter{ObjectID: c.ID, Action: "case.read"})
		rr, err := d.s.RecordedReport(ctx, shopboss, c.ID)
		if err != nil || rr.Report.Conduct != r.Conduct {
			t.Fatalf("the recorder's copy = %+v, %v", rr, err)
		}
		if b, _ := json.Marshal(rr); strings.Contains(string(b), "レシート") || strings.Contains(string(b), "顔も覚えて") {
			t.Errorf("the recorder's copy carries the employee's additions: %s", b)
		}
		if _, err := d.s.EvidenceList(ctx, shopboss, c.ID); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Errorf("the recorder lists the employee's files: %v", err)
		}
		after, _ := d.s.AuditEntries(ctx, kasuhara.CLIActor, kasuhara.AuditFilter{ObjectID: c.ID, Action: "case.read"})
		var reads []kasuhara.AuditEntry
		for _, e := range after {
			if e.ActorID == shopboss.UserID && strings.Contains(e.Detail, `"part":"recorded"`) {
				reads = append(reads, e)
			}
		}
		if len(after) != len(before)+1 || len(reads) != 1 || reads[0].OrgID != d.org.ID {
			t.Errorf("the recorder's read is audited as %+v (before: %d entries)", reads, len(before))
		}
		// A refused read (another supervisor) leaves no read entry.
		if _, err := d.s.RecordedReport(ctx, d.people["callboss"], c.ID); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Errorf("the employee's supervisor reads the recorder's copy: %v", err)
		}
		if again, _ := d.s.AuditEntries(ctx, kasuhara.CLIActor, kasuhara.AuditFilter{ObjectID: c.ID, Action: "case.read"}); len(again) != len(after) {
			t.Errorf("a refused read was audited as a read")
		}
	})
}
