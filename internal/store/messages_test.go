package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

func TestAnonymousReports(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		r := report(d.shop.ID, "匿名での報告です。「殴るぞ」と言われた", "threat")
		_, _, err := d.s.FileAnonymousReport(ctx, "no-such-org", r)
		wantField(t, err, "org")
		_, _, err = d.s.FileAnonymousReport(ctx, "acme", kasuhara.Report{})
		wantField(t, err, "conduct")
		c, receipt, err := d.s.FileAnonymousReport(ctx, "acme", r)
		if err != nil {
			t.Fatal(err)
		}
		if !c.Anonymous || c.ReporterID != "" || c.Report.DepartmentID != "" || len(strings.ReplaceAll(receipt, "-", "")) < 16 {
			t.Fatalf("case %+v receipt %q", c, receipt)
		}
		// Only a hash of the secret part is stored, anywhere.
		secret := strings.ReplaceAll(receipt, "-", "")[8:]
		for _, q := range []string{"SELECT COALESCE(receipt_hash, '') || COALESCE(receipt_lookup, '') FROM cases", "SELECT detail FROM audit_entries", "SELECT data FROM case_events"} {
			for _, v := range testdb.Strings(t, d.db, q) {
				if strings.Contains(v, secret) || strings.Contains(v, receipt) {
					t.Fatalf("the receipt is stored: %q", v)
				}
			}
		}
		// The receipt, however typed, is the way back; nothing else is.
		for _, typed := range []string{receipt, strings.ToLower(receipt), strings.ReplaceAll(receipt, "-", " ")} {
			got, err := d.s.CaseByReceipt(ctx, typed)
			if err != nil || got.ID != c.ID {
				t.Fatalf("CaseByReceipt(%q) = %v, %v", typed, got, err)
			}
		}
		wrong := receipt[:len(receipt)-1] + map[bool]string{true: "A", false: "B"}[receipt[len(receipt)-1] != 'A']
		for _, bad := range []string{wrong, "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA", "", "not a receipt"} {
			_, err := d.s.CaseByReceipt(ctx, bad)
			wantCode(t, err, kasuhara.ENOTFOUND)
		}
		// The desk sees it; the employee who maybe filed it cannot find it by name.
		if _, err := d.s.CaseByID(ctx, d.people["desk1"], c.ID); err != nil {
			t.Fatal(err)
		}
		for _, who := range []string{"clerk", "shopboss"} {
			if _, err := d.s.CaseByID(ctx, d.people[who], c.ID); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
				t.Fatalf("%s opens the anonymous case: %v", who, err)
			}
		}
		// The conversation through the receipt.
		if _, err := d.s.AddMessage(ctx, d.people["desk1"], c.ID, "ご報告ありがとうございます。いつ頃のことですか？"); err != nil {
			t.Fatal(err)
		}
		ms, err := d.s.ReceiptMessages(ctx, receipt)
		if err != nil || len(ms) != 1 || ms[0].FromReporter {
			t.Fatalf("messages by receipt = %+v, %v", ms, err)
		}
		if _, err := d.s.AddReceiptMessage(ctx, receipt, "昨日の夕方です"); err != nil {
			t.Fatal(err)
		}
		_, err = d.s.AddReceiptMessage(ctx, wrong, "x")
		wantCode(t, err, kasuhara.ENOTFOUND)
		// The status: the case and both messages, with one check.
		sc, sms, err := d.s.ReceiptStatus(ctx, receipt)
		if err != nil || sc.ID != c.ID || len(sms) != 2 || !sms[1].FromReporter {
			t.Fatalf("status by receipt = %+v, %+v, %v", sc, sms, err)
		}
		_, _, err = d.s.ReceiptStatus(ctx, wrong)
		wantCode(t, err, kasuhara.ENOTFOUND)
		_, err = d.s.AddReceiptMessage(ctx, receipt, " ")
		wantField(t, err, "body")
		ms, _ = d.s.Messages(ctx, d.people["desk1"], c.ID)
		if len(ms) != 2 || !ms[1].FromReporter || ms[1].AuthorID != "" {
			t.Fatalf("desk reads %+v", ms)
		}
		if _, err := d.s.AddReceiptEvidence(ctx, receipt, kasuhara.Evidence{BlobID: "blob-anon", Filename: "a.png", MediaType: "image/png", Size: 3, SHA256: "ff"}); err != nil {
			t.Fatal(err)
		}
		es, _ := d.s.EvidenceList(ctx, d.people["desk1"], c.ID)
		if len(es) != 1 || es[0].UploadedBy != "" {
			t.Fatalf("evidence = %+v", es)
		}
		// The audit trail knows an anonymous person acted, and nothing more.
		entries, _ := d.s.AuditEntries(ctx, kasuhara.CLIActor, kasuhara.AuditFilter{ObjectID: c.ID, Limit: 100})
		anon := 0
		for _, e := range entries {
			if e.ActorLabel == "anonymous" {
				anon++
				if e.ActorID != "" {
					t.Fatalf("anonymous entry with an actor: %+v", e)
				}
			}
		}
		if anon < 3 {
			t.Fatalf("%d anonymous audit entries", anon)
		}
	})
}

func TestNamedMessagesConfidentialityAndRetaliation(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		clerk, boss, desk1, legal := d.people["clerk"], d.people["shopboss"], d.people["desk1"], d.people["legal"]
		c := d.file(t, clerk, kasuhara.Report{OccurredAt: time.Now(), Channel: "phone", Conduct: "x", Consultation: true, DepartmentID: d.shop.ID})
		if _, err := d.s.AddMessage(ctx, clerk, c.ID, "上司には知られたくありません"); err != nil {
			t.Fatal(err)
		}
		if _, err := d.s.AddMessage(ctx, desk1, c.ID, "承知しました"); err != nil {
			t.Fatal(err)
		}
		ms, _ := d.s.Messages(ctx, clerk, c.ID)
		if len(ms) != 2 || !ms[0].FromReporter || ms[1].FromReporter {
			t.Fatalf("messages %+v", ms)
		}
		if _, err := d.s.Messages(ctx, d.people["clerk2"], c.ID); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Fatalf("another employee reads messages: %v", err)
		}
		// The supervisor sees the case until the reporter asks for confidentiality.
		if _, err := d.s.CaseByID(ctx, boss, c.ID); err != nil {
			t.Fatal(err)
		}
		wantCode(t, d.s.SetConfidential(ctx, desk1, c.ID, true), kasuhara.EFORBIDDEN)
		if err := d.s.SetConfidential(ctx, clerk, c.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := d.s.CaseByID(ctx, boss, c.ID); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Fatalf("the supervisor still opens a confidential case: %v", err)
		}
		list, _, _ := d.s.Cases(ctx, boss, kasuhara.CaseFilter{})
		if len(list) != 0 {
			t.Fatal("the supervisor still lists a confidential case")
		}
		if _, err := d.s.CaseByID(ctx, desk1, c.ID); err != nil {
			t.Fatal("the desk lost the case")
		}
		// Retaliation goes to legal, never to the supervisor or the desk.
		_, err := d.s.FlagRetaliation(ctx, desk1, c.ID, "x")
		wantCode(t, err, kasuhara.EFORBIDDEN)
		if _, err := d.s.FlagRetaliation(ctx, clerk, c.ID, "報告してからシフトを減らされた"); err != nil {
			t.Fatal(err)
		}
		fs, err := d.s.RetaliationFlags(ctx, legal)
		if err != nil || len(fs) != 1 || fs[0].CaseRef != c.Ref {
			t.Fatalf("legal sees %+v, %v", fs, err)
		}
		for _, who := range []string{"shopboss", "desk1", "admin2", "analyst"} {
			if _, err := d.s.RetaliationFlags(ctx, d.people[who]); kasuhara.ErrorCode(err) != kasuhara.EFORBIDDEN {
				t.Fatalf("%s reads retaliation flags: %v", who, err)
			}
		}
		// A legal member excluded from the case does not see its alarm
		// (the home's count left it out, the list did not).
		legal2 := addLegal(t, d)
		if _, err := d.s.Exclude(ctx, legal, c.ID, legal2.UserID); err != nil {
			t.Fatal(err)
		}
		if fs, err := d.s.RetaliationFlags(ctx, legal2); err != nil || len(fs) != 0 {
			t.Fatalf("a legal member excluded from the case sees its alarm: %+v, %v", fs, err)
		}
		if fs, _ := d.s.RetaliationFlags(ctx, legal); len(fs) != 1 {
			t.Fatalf("legal lost the alarm: %+v", fs)
		}
		other, _ := d.s.RetaliationFlags(ctx, kasuhara.Actor{UserID: "x", OrgID: d.other.ID, Role: kasuhara.RoleLegal})
		if len(other) != 0 {
			t.Fatal("another organisation's legal sees the flag")
		}
		// Legal records that the alarm was handled (issue 22): only legal
		// who sees it, once, with what was done; the home stops counting it.
		before, err := d.s.CaseCounts(ctx, legal)
		if err != nil || before.Retaliation != 1 {
			t.Fatalf("legal's count before = %+v, %v", before, err)
		}
		_, err = d.s.HandleRetaliation(ctx, desk1, fs[0].ID, "面談した")
		wantCode(t, err, kasuhara.EFORBIDDEN)
		_, err = d.s.HandleRetaliation(ctx, legal2, fs[0].ID, "面談した")
		wantCode(t, err, kasuhara.ENOTFOUND)
		_, err = d.s.HandleRetaliation(ctx, kasuhara.Actor{UserID: "x", OrgID: d.other.ID, Role: kasuhara.RoleLegal}, fs[0].ID, "面談した")
		wantCode(t, err, kasuhara.ENOTFOUND)
		_, err = d.s.HandleRetaliation(ctx, legal, fs[0].ID, "  ")
		wantField(t, err, "note")
		h, err := d.s.HandleRetaliation(ctx, legal, fs[0].ID, "本人と面談し、シフトを元に戻した")
		if err != nil || h.HandledAt.IsZero() || h.HandledBy != legal.UserID {
			t.Fatalf("handle = %+v, %v", h, err)
		}
		_, err = d.s.HandleRetaliation(ctx, legal, fs[0].ID, "もう一度")
		wantCode(t, err, kasuhara.ECONFLICT)
		if fs, _ := d.s.RetaliationFlags(ctx, legal); len(fs) != 1 || fs[0].HandledNote != "本人と面談し、シフトを元に戻した" {
			t.Fatalf("the handled alarm reads %+v", fs)
		}
		if after, _ := d.s.CaseCounts(ctx, legal); after.Retaliation != 0 {
			t.Errorf("a handled alarm is still counted on legal's home: %+v", after)
		}
		// The admin's audit view leaves out the alarms and the
		// confidentiality choice; legal's keeps them (finding 3).
		actions := func(role kasuhara.Role) string {
			es, err := d.s.AuditEntries(ctx, kasuhara.CLIActor, kasuhara.AuditFilter{Role: role, OrgID: d.org.ID, Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			var as []string
			for _, e := range es {
				as = append(as, e.Action)
			}
			return strings.Join(as, ",")
		}
		for _, a := range []string{"retaliation.flag", "retaliation.list", "case.confidential"} {
			if !strings.Contains(actions(kasuhara.RoleLegal), a) {
				t.Fatalf("legal's audit view lacks %s", a)
			}
			if strings.Contains(actions(kasuhara.RoleAdmin), a) {
				t.Fatalf("the admin's audit view shows %s", a)
			}
		}
		if !strings.Contains(actions(kasuhara.RoleAdmin), "case.message") {
			t.Fatal("the admin's audit view lost the other entries")
		}
	})
}
