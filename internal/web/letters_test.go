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
		end, err := e.st.ProposeMeasure(ctx, deskV, id, kasuhara.NewMeasure{Checks: testChecks, Level: "discontinued", Reason: "店長の私見：酔っていた", CustomerText: "繰り返し大声で従業員を威圧されたこと",
			CaseIDs: []string{c.ID}, ReviewAt: review})
		if err != nil {
			t.Fatal(err)
		}
		plain, err := e.st.ProposeMeasure(ctx, deskV, id, kasuhara.NewMeasure{Checks: testChecks, Level: "warned", Reason: "社内メモのみ", ReviewAt: review})
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
		if _, err := e.st.StoredLetter(ctx, legalV, id, end.ID, "ja", kasuhara.LayoutStandard); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Fatalf("a preview kept a letter: %v", err)
		}
		if text := preview(plain); text != "" && (strings.Contains(text, "社内メモ") || !strings.Contains(text, "範囲を超えるものであり、当社従業員の就業環境を害するものと判断いたしました")) {
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
	m, err := e.st.ProposeMeasure(ctx, deskV, id, kasuhara.NewMeasure{Checks: testChecks, Level: "warned", Reason: "x", ReviewAt: time.Now().AddDate(0, 6, 0)})
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

// TestBanLetterAddressesTheCompany (issue 20): the desk records how
// letters address the customer and proposes a ban naming its premises on
// the customer's page; the ban letter is its own kind (通知書) addressed to
// the company (御中, 貴社) at its address, names the premises and what
// happens on entry, and never prints the review date nor 様.
func TestBanLetterAddressesTheCompany(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		c, id := e.threatenedByACustomer(t)
		d := e.signedIn(kasuhara.RoleDesk)
		must(t, d.get("/customers/"+id), 200, `id="addressee-form"`, `name="premises"`)
		must(t, d.post("/customers/"+id+"/addressee", url.Values{"addressee_kind": {"robot"}}), 422, "addressee_kind")
		must(t, d.post("/customers/"+id+"/addressee", url.Values{"addressee_kind": {"company"}, "formal_name": {"株式会社ブラック商事"},
			"postal_address": {"東京都新宿区西新宿2-8-1"}}), http.StatusSeeOther)
		must(t, d.get("/customers/"+id), 200, `value="株式会社ブラック商事"`, "東京都新宿区西新宿2-8-1")
		review := time.Now().AddDate(0, 6, 0).In(calendar.JST)
		propose := url.Values{"level": {"banned"}, "reason": {"社内メモ"}, "case_ids": {c.ID}, "review_at": {review.Format("2006-01-02")},
			"check_axes": {testChecks.Axes}, "check_accommodation": {testChecks.Accommodation}, "check_duty": {testChecks.DutyToServe},
			"incident_" + c.ID: {"当社従業員に対し大声で土下座を要求したこと"}}
		must(t, d.post("/customers/"+id+"/measures", propose), 422, "premises")
		propose.Set("premises", "新宿店および渋谷店")
		must(t, d.post("/customers/"+id+"/measures", propose), http.StatusSeeOther)
		ms, err := e.st.Measures(ctx, e.actor(kasuhara.RoleLegal), id)
		if err != nil || len(ms) != 1 || ms[0].Premises != "新宿店および渋谷店" {
			t.Fatalf("measures = %+v, %v", ms, err)
		}
		must(t, e.api(kasuhara.RoleLegal).call("GET", "/api/v1/customers/"+id, nil), 200, `"premises":"新宿店および渋谷店"`,
			`"incidents":{"`+c.ID+`":"当社従業員に対し大声で土下座を要求したこと"}`)
		l := e.signedIn(kasuhara.RoleLegal)
		r := l.get("/customers/" + id + "/measures/" + ms[0].ID + "/letter/preview?lang=ja")
		if r.status != 200 || !strings.HasPrefix(r.body, "%PDF") {
			t.Fatalf("preview: %d", r.status)
		}
		text := pdfPlain(t, []byte(r.body))
		if text == "" {
			return
		}
		for _, want := range []string{"東京都新宿区西新宿2-8-1", "株式会社ブラック商事御中", "通知書", "貴社", "2立入りを禁止する施設新宿店および渋谷店", "不退去罪", "以上"} {
			if !strings.Contains(text, want) {
				t.Errorf("the ban letter lacks %q:\n%s", want, text)
			}
		}
		reviewDay := fmt.Sprintf("%d年%d月%d日", review.Year(), review.Month(), review.Day())
		for _, bad := range []string{"様", "貴殿", reviewDay, "社内メモ", "今後のご対応の終了"} {
			if strings.Contains(text, bad) {
				t.Errorf("the ban letter holds %q:\n%s", bad, text)
			}
		}
	})
}

// TestCertifiedLetterIsKeptApart (issue 20): the 内容証明 layout is a
// per-letter choice, for Japanese only; it is kept on record beside the
// standard letter (each generated once), and its lines hold at most 26
// characters.
func TestCertifiedLetterIsKeptApart(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		c, id := e.threatenedByACustomer(t)
		m, err := e.st.ProposeMeasure(ctx, e.actor(kasuhara.RoleDesk), id, kasuhara.NewMeasure{Checks: testChecks, Level: "warned", Reason: "x", CaseIDs: []string{c.ID},
			ReviewAt: time.Now().AddDate(0, 6, 0)})
		if err != nil {
			t.Fatal(err)
		}
		legal := e.api(kasuhara.RoleLegal)
		must(t, legal.call("POST", "/api/v1/customers/"+id+"/measures/"+m.ID+"/approve", nil), 200)
		base := "/api/v1/customers/" + id + "/measures/" + m.ID + "/letter?lang="
		must(t, legal.call("GET", base+"en&layout=certified", nil), 422, `"layout"`)
		must(t, legal.call("GET", base+"ja&layout=registered", nil), 422, `"layout"`)
		std := legal.call("GET", base+"ja", nil)
		cert := legal.call("GET", base+"ja&layout=certified", nil)
		again := legal.call("GET", base+"ja&layout=certified", nil)
		if std.status != 200 || cert.status != 200 || !strings.HasPrefix(cert.body, "%PDF") {
			t.Fatalf("letters: %d, %d", std.status, cert.status)
		}
		if std.header.Get("X-Content-SHA256") == cert.header.Get("X-Content-SHA256") {
			t.Error("the certified layout served the standard letter")
		}
		if again.header.Get("X-Content-SHA256") != cert.header.Get("X-Content-SHA256") {
			t.Error("the certified letter was generated twice: the one on record must be served")
		}
		if !strings.Contains(cert.header.Get("Content-Disposition"), "letter-certified-ja.pdf") {
			t.Errorf("file name: %q", cert.header.Get("Content-Disposition"))
		}
		l, err := e.st.StoredLetter(ctx, e.actor(kasuhara.RoleLegal), id, m.ID, "ja", kasuhara.LayoutCertified)
		if err != nil || l.Layout != kasuhara.LayoutCertified || l.SHA256 != cert.header.Get("X-Content-SHA256") {
			t.Fatalf("stored certified letter = %+v, %v", l, err)
		}
		es, _ := e.st.AuditEntries(ctx, kasuhara.CLIActor, kasuhara.AuditFilter{OrgID: e.org.ID, Action: "letter.create", Limit: 10})
		if len(es) != 2 {
			t.Errorf("%d letter.create entries, want 2 (standard and certified)", len(es))
		}
		if text := pdfPlain(t, []byte(cert.body)); text != "" && (!strings.Contains(text, "警告書") || !strings.Contains(text, "以上")) {
			t.Errorf("the certified letter:\n%s", text)
		}
	})
}
