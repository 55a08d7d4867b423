package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/calendar"
	"github.com/kasuhara/kasuhara/internal/testpdf"
)

// pdfPlain is a PDF's text without white space, "" without pdftotext.
func pdfPlain(t *testing.T, data []byte) string {
	t.Helper()
	text, _ := testpdf.Text(t, data)
	return testpdf.Squash(text)
}

// TestLetterPreviewAndCustomerText: the internal reason of a measure is
// never printed, the customer reads the text written for them (or a
// neutral one), the preview of a proposed measure's letter records
// nothing, and "after our warning" is said only once a warning letter was
// issued, with its date.
func TestLetterPreviewAndCustomerText(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		deskV := e.actor(kasuhara.RoleDesk)
		legalV := e.actor(kasuhara.RoleLegal)
		c, id := e.threatenedByACustomer(t)
		review := time.Now().AddDate(0, 6, 0)
		end, err := e.st.ProposeMeasure(ctx, deskV, id, kasuhara.NewMeasure{Level: "discontinued", Reason: "店長の私見：酔っていた", CustomerText: "繰り返し大声で従業員を威圧されたこと",
			CaseIDs: []string{c.ID}, ReviewAt: review})
		if err != nil {
			t.Fatal(err)
		}
		plain, err := e.st.ProposeMeasure(ctx, deskV, id, kasuhara.NewMeasure{Level: "warned", Reason: "社内メモのみ", ReviewAt: review})
		if err != nil {
			t.Fatal(err)
		}
		ms, err := e.st.Measures(ctx, legalV, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.ID == end.ID && (m.CustomerText != "繰り返し大声で従業員を威圧されたこと" || m.Reason != "店長の私見：酔っていた") {
				t.Errorf("stored reason %q, customer text %q", m.Reason, m.CustomerText)
			}
		}
		l := e.signedIn(kasuhara.RoleLegal)
		must(t, l.get("/customers/"+id), 200, "letter/preview?lang=ja", `name="customer_text"`, "文書に印刷されます", "繰り返し大声で従業員を威圧されたこと")
		preview := func(m *kasuhara.Measure) string {
			t.Helper()
			r := l.get("/customers/" + id + "/measures/" + m.ID + "/letter/preview?lang=ja")
			if r.status != 200 || !strings.HasPrefix(r.body, "%PDF") {
				t.Fatalf("preview: %d %.200s", r.status, r.body)
			}
			return pdfPlain(t, []byte(r.body))
		}
		text := preview(end)
		if text != "" && (!strings.Contains(text, "繰り返し大声で従業員を威圧されたこと") || strings.Contains(text, "酔っていた") || strings.Contains(text, "警告")) {
			t.Errorf("the preview of a customer never warned:\n%s", text)
		}
		// The preview recorded no letter: the proposed measure has none.
		if _, err := e.st.StoredLetter(ctx, legalV, id, end.ID, "ja"); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Fatalf("a preview kept a letter: %v", err)
		}
		if text := preview(plain); text != "" && (strings.Contains(text, "社内メモ") || !strings.Contains(text, "社会通念上相当な範囲を超える")) {
			t.Errorf("a measure without a text for the customer:\n%s", text)
		}
		// A warning letter issued: the discontinuation now names it.
		u, err := e.st.CreateUser(ctx, kasuhara.CLIActor, kasuhara.NewUser{Email: "legal2@acme.example", Name: "Legal Two", Password: password, OrgID: e.org.ID, Role: kasuhara.RoleLegal})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.st.ApproveMeasure(ctx, kasuhara.Actor{UserID: u.ID, OrgID: e.org.ID, Role: kasuhara.RoleLegal}, id, plain.ID, ""); err != nil {
			t.Fatal(err)
		}
		must(t, l.get("/customers/"+id+"/measures/"+plain.ID+"/letter?lang=ja"), 200)
		now := time.Now().In(calendar.JST)
		want := fmt.Sprintf("当社は%d年%d月%d日付の書面で警告いたしましたが、その後も同様の言動が続きました。", now.Year(), now.Month(), now.Day())
		if text := preview(end); text != "" && !strings.Contains(text, want) {
			t.Errorf("the preview after a warning letter lacks %q:\n%s", want, text)
		}
		// The preview is for desk and legal; nobody else.
		emp := e.signedIn(kasuhara.RoleEmployee)
		if r := emp.get("/customers/" + id + "/measures/" + end.ID + "/letter/preview?lang=ja"); r.status != http.StatusForbidden {
			t.Errorf("an employee's preview answered %d", r.status)
		}
	})
}

// TestLetterSenderFromSettings: the administrator fills in the
// organisation's legal name, address, representative and contact point on
// the settings page, and the letters print them.
func TestLetterSenderFromSettings(t *testing.T) {
	e := newEnv(t, "sqlite")
	admin := e.signedIn(kasuhara.RoleAdmin)
	must(t, admin.get("/admin/settings"), 200, `name="legal_name"`, `name="contact_phone"`)
	must(t, admin.post("/admin/settings?org=acme", url.Values{"acknowledge": {"1bd"}, "feedback": {"7d"}, "contact_limit_minutes": {"30"},
		"legal_name": {strings.Repeat("株", 201)}}), 422)
	must(t, admin.post("/admin/settings?org=acme", url.Values{"acknowledge": {"1bd"}, "feedback": {"7d"}, "contact_limit_minutes": {"30"},
		"legal_name": {"株式会社アクメ商事"}, "address": {"東京都新宿区西新宿1-1-1"}, "representative": {"代表取締役 山田 一郎"},
		"contact_phone": {"03-1234-5678"}, "contact_desk": {"お客様相談室"}}), http.StatusSeeOther)
	must(t, admin.get("/admin/settings"), 200, `value="株式会社アクメ商事"`, `value="03-1234-5678"`, `value="お客様相談室"`)

	deskV := e.actor(kasuhara.RoleDesk)
	_, id := e.threatenedByACustomer(t)
	m, err := e.st.ProposeMeasure(ctx, deskV, id, kasuhara.NewMeasure{Level: "warned", Reason: "x", ReviewAt: time.Now().AddDate(0, 6, 0)})
	if err != nil {
		t.Fatal(err)
	}
	l := e.signedIn(kasuhara.RoleLegal)
	r := l.get("/customers/" + id + "/measures/" + m.ID + "/letter/preview?lang=ja")
	if r.status != 200 {
		t.Fatalf("preview: %d", r.status)
	}
	text := pdfPlain(t, []byte(r.body))
	for _, want := range []string{"株式会社アクメ商事", "東京都新宿区西新宿1-1-1", "代表取締役山田一郎", "お客様相談室", "03-1234-5678", "記", "以上"} {
		if text != "" && !strings.Contains(text, want) {
			t.Errorf("the letter lacks %q:\n%s", want, text)
		}
	}
}

// threatenedByACustomer files an employee's report of a threat by a named
// customer, and returns the case and the customer's id.
func (e *env) threatenedByACustomer(t *testing.T) (*kasuhara.Case, string) {
	t.Helper()
	c := e.file(t, e.actor(kasuhara.RoleEmployee), kasuhara.Report{OccurredAt: time.Now().Add(-time.Hour), Channel: "phone",
		Conduct: "x", Subtypes: []string{"threat"}, Customer: kasuhara.CustomerDetails{Name: "高橋 次郎", Phone: "070-1234-0000"}})
	cs, err := e.st.Customers(ctx, e.actor(kasuhara.RoleDesk), "")
	if err != nil || len(cs) != 1 {
		t.Fatalf("customers after one report: %d, %v", len(cs), err)
	}
	return c, cs[0].ID
}
