package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
)

// TestAddresseeIsKeptAndAudited (issue 20): how letters address a customer
// (a company or a person, the formal name, the address) is kept, trimmed,
// audited, refused naming the field when too long, and only for the desk
// and legal of the customer's organisation.
func TestAddresseeIsKeptAndAudited(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		_, id := caseWithCustomer(t, d)
		got, err := d.s.CustomerByID(ctx, d.people["desk1"], id)
		if err != nil || got.Addressee != (kasuhara.Addressee{}) {
			t.Fatalf("a new customer's addressee = %+v, %v", got.Addressee, err)
		}
		in := kasuhara.Addressee{Company: true, FormalName: " 株式会社ブラック商事 ", Address: "東京都新宿区西新宿2-8-1\n新宿ビル3階"}
		if err := d.s.SetAddressee(ctx, d.people["desk1"], id, in); err != nil {
			t.Fatal(err)
		}
		want := kasuhara.Addressee{Company: true, FormalName: "株式会社ブラック商事", Address: "東京都新宿区西新宿2-8-1\n新宿ビル3階"}
		if got, err := d.s.CustomerByID(ctx, d.people["legal"], id); err != nil || got.Addressee != want {
			t.Fatalf("addressee = %+v, %v; want %+v", got.Addressee, err, want)
		}
		es, _ := d.s.AuditEntries(ctx, kasuhara.CLIActor, kasuhara.AuditFilter{OrgID: d.org.ID, Action: "customer.addressee", Limit: 5})
		if len(es) != 1 || es[0].ObjectID != id || !strings.Contains(es[0].Detail, `"company":"true"`) || strings.Contains(es[0].Detail, "ブラック") {
			t.Fatalf("audit = %+v", es)
		}
		wantField(t, d.s.SetAddressee(ctx, d.people["desk1"], id, kasuhara.Addressee{FormalName: strings.Repeat("名", kasuhara.MaxShortText+1)}), "formal_name")
		wantField(t, d.s.SetAddressee(ctx, d.people["desk1"], id, kasuhara.Addressee{Address: strings.Repeat("所", kasuhara.MaxSenderText+1)}), "postal_address")
		// Nobody else changes it: an employee, another organisation.
		wantCode(t, d.s.SetAddressee(ctx, d.people["clerk"], id, kasuhara.Addressee{FormalName: "x"}), kasuhara.EFORBIDDEN)
		outsider := kasuhara.Actor{UserID: d.people["desk1"].UserID, OrgID: d.other.ID, Role: kasuhara.RoleDesk}
		if err := d.s.SetAddressee(ctx, outsider, id, kasuhara.Addressee{FormalName: "x"}); err == nil {
			t.Fatal("another organisation changed the addressee")
		}
		if got, _ := d.s.CustomerByID(ctx, d.people["desk1"], id); got.Addressee != want {
			t.Fatalf("a refused change was kept: %+v", got.Addressee)
		}
	})
}

// TestBanRecordsItsPremises (issue 20): a ban names the premises it
// covers, required when it is proposed; other levels keep none.
func TestBanRecordsItsPremises(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		c, id := caseWithCustomer(t, d)
		review := time.Now().AddDate(0, 6, 0)
		_, err := d.s.ProposeMeasure(ctx, d.people["desk1"], id, kasuhara.NewMeasure{Checks: testChecks, Level: kasuhara.LevelBanned, Reason: "威圧", ReviewAt: review, CaseIDs: []string{c.ID}})
		wantField(t, err, "premises")
		ban, err := d.s.ProposeMeasure(ctx, d.people["desk1"], id, kasuhara.NewMeasure{Checks: testChecks, Level: kasuhara.LevelBanned, Reason: "威圧", ReviewAt: review,
			CaseIDs: []string{c.ID}, Premises: " 新宿店、渋谷店 "})
		if err != nil {
			t.Fatal(err)
		}
		warn, err := d.s.ProposeMeasure(ctx, d.people["desk1"], id, kasuhara.NewMeasure{Checks: testChecks, Level: kasuhara.LevelWarned, Reason: "威圧", ReviewAt: review, Premises: "新宿店"})
		if err != nil {
			t.Fatal(err)
		}
		ms, err := d.s.Measures(ctx, d.people["legal"], id)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, m := range ms {
			got[m.ID] = m.Premises
		}
		if got[ban.ID] != "新宿店、渋谷店" || got[warn.ID] != "" {
			t.Fatalf("premises = %q (ban), %q (warning)", got[ban.ID], got[warn.ID])
		}
	})
}

// TestConsentBeforeNamingInARemovalRequest (issue 20): the employee's
// consent to being named is recorded with who gave it, when and who
// recorded it, audited without the name; a bad one is refused naming the
// field; only the desk and legal record it.
func TestConsentBeforeNamingInARemovalRequest(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		desk := d.people["desk1"]
		p, err := d.s.CreatePost(ctx, desk, kasuhara.OnlinePost{URL: "https://sns.example/p/7", Platform: "SNS", EmployeesNamed: "佐藤"})
		if err != nil {
			t.Fatal(err)
		}
		if p.Consent.Given() {
			t.Fatalf("a new post has consent: %+v", p.Consent)
		}
		at := time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC) // 21 November in Japan
		_, err = d.s.RecordConsent(ctx, desk, p.ID, " ", at)
		wantField(t, err, "consent_name")
		_, err = d.s.RecordConsent(ctx, desk, p.ID, "佐藤 花子", time.Now().AddDate(0, 0, 2))
		wantField(t, err, "consent_at")
		_, err = d.s.RecordConsent(ctx, desk, p.ID, "佐藤 花子", time.Time{})
		wantField(t, err, "consent_at")
		_, err = d.s.RecordConsent(ctx, d.people["clerk"], p.ID, "佐藤 花子", at)
		wantCode(t, err, kasuhara.EFORBIDDEN)
		got, err := d.s.RecordConsent(ctx, desk, p.ID, " 佐藤 花子 ", at)
		if err != nil {
			t.Fatal(err)
		}
		want := kasuhara.Consent{Name: "佐藤 花子", At: at, RecordedBy: desk.UserID}
		if got.Consent != want || !got.Consent.Given() {
			t.Fatalf("consent = %+v; want %+v", got.Consent, want)
		}
		if again, err := d.s.PostByID(ctx, d.people["legal"], p.ID); err != nil || again.Consent != want {
			t.Fatalf("read back = %+v, %v", again, err)
		}
		es, _ := d.s.AuditEntries(ctx, kasuhara.CLIActor, kasuhara.AuditFilter{OrgID: d.org.ID, Action: "post.consent", Limit: 5})
		if len(es) != 1 || es[0].ObjectID != p.ID || strings.Contains(es[0].Detail, "佐藤") {
			t.Fatalf("audit = %+v", es)
		}
	})
}

// TestBanLetterTemplate (issue 20): the ban letter has its own template,
// saved and read back like the others on both engines (migration 0035
// widened the kinds); an unknown kind is refused naming the field.
func TestBanLetterTemplate(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		legal := d.people["legal"]
		def, err := d.s.LetterTemplate(ctx, d.org.ID, "ban", "ja")
		if err != nil || def.Title != "通知書" || !strings.Contains(def.Body, "{premises}") || strings.Contains(def.Body, "{review}") {
			t.Fatalf("built-in ban template = %+v, %v", def, err)
		}
		if err := d.s.SaveLetterTemplate(ctx, legal, kasuhara.LetterTemplate{Kind: "ban", Lang: "ja", Title: "通知書（出入り禁止）", Body: "{premises}への立入りを禁止します。"}); err != nil {
			t.Fatal(err)
		}
		got, err := d.s.LetterTemplate(ctx, d.org.ID, "ban", "ja")
		if err != nil || got.Title != "通知書（出入り禁止）" || got.Body != "{premises}への立入りを禁止します。" {
			t.Fatalf("saved ban template = %+v, %v", got, err)
		}
		if w, _ := d.s.LetterTemplate(ctx, d.org.ID, "discontinuation", "ja"); w.Body == got.Body {
			t.Fatal("the ban template changed the discontinuation's")
		}
		ts, err := d.s.LetterTemplates(ctx, legal)
		if err != nil || len(ts) != 6 {
			t.Fatalf("templates = %d, %v; want 3 kinds × 2 languages", len(ts), err)
		}
		wantField(t, d.s.SaveLetterTemplate(ctx, legal, kasuhara.LetterTemplate{Kind: "eviction", Lang: "ja", Title: "x", Body: "y"}), "kind")
	})
}
