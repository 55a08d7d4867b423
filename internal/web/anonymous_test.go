package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/testdb"
	"github.com/kasuhara/kasuhara/internal/web"
)

func TestAnonymousChannelAPI(t *testing.T) {
	for _, eng := range testdb.Engines {
		t.Run(string(eng), func(t *testing.T) {
			// The receipt slow-down counts on the server's clock: stopped
			// here, so that the wrong receipts below are all "at once".
			stopped := time.Now()
			e := newEnv(t, eng, func(d *web.Deps) { d.Now = func() time.Time { return stopped } })
			anon := e.client()
			body := validReport()
			body["org"] = "acme"
			r := anon.do("POST", "/api/v1/anonymous-reports", strings.NewReader(mustJSON(body)), map[string]string{"Content-Type": "application/json"})
			must(t, r, 201, `"receipt"`)
			receipt := decode(t, r.body)["receipt"].(string)
			if !regexp.MustCompile(`^[A-Z2-9]{4}(-[A-Z2-9]{4}){5}$`).MatchString(receipt) {
				t.Fatalf("receipt %q", receipt)
			}
			if anon.sessionCookie() != "" {
				t.Fatal("an anonymous report set a session cookie")
			}
			body["org"] = "no-such-org"
			must(t, anon.do("POST", "/api/v1/anonymous-reports", strings.NewReader(mustJSON(body)), map[string]string{"Content-Type": "application/json"}), 422, `"org"`)

			call := func(path string, v map[string]string) resp {
				return anon.do("POST", path, strings.NewReader(mustJSON(v)), map[string]string{"Content-Type": "application/json"})
			}
			must(t, call("/api/v1/anonymous-reports/status", map[string]string{"receipt": strings.ToLower(receipt)}), 200, `"state":"new"`, `"messages":[]`)
			// The desk answers; the reporter reads and replies with the receipt.
			desk := e.api(kasuhara.RoleDesk)
			list := desk.call("GET", "/api/v1/cases", nil)
			id := regexp.MustCompile(`"id":"([^"]+)"`).FindStringSubmatch(list.body)[1]
			must(t, desk.call("POST", "/api/v1/cases/"+id+"/messages", map[string]string{"body": "詳しく教えていただけますか"}), 201, `"from_reporter":false`)
			must(t, call("/api/v1/anonymous-reports/status", map[string]string{"receipt": receipt}), 200, "詳しく教えていただけますか")
			must(t, call("/api/v1/anonymous-reports/messages", map[string]string{"receipt": receipt, "body": "昨日の18時頃です"}), 201, `"from_reporter":true`)
			must(t, desk.call("GET", "/api/v1/cases/"+id+"/messages", nil), 200, "昨日の18時頃です")
			// The case shows no reporter.
			mustNot(t, desk.call("GET", "/api/v1/cases/"+id, nil), `"mine":true`)
			// Wrong receipts: 404, then 429 (slowed down) so that receipts
			// cannot be guessed.
			statuses := map[int]int{}
			for range 12 {
				statuses[call("/api/v1/anonymous-reports/status", map[string]string{"receipt": "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA"}).status]++
			}
			if statuses[404] != 10 || statuses[429] != 2 {
				t.Fatalf("wrong receipts answered %v, want 10×404 then 429", statuses)
			}
			must(t, call("/api/v1/anonymous-reports/status", map[string]string{"receipt": receipt}), 429)
			// Nothing of the receipt in the log.
			logs := e.logs.String()
			for _, secret := range []string{receipt, strings.ReplaceAll(receipt, "-", ""), strings.ToLower(receipt), "昨日の18時頃"} {
				if strings.Contains(logs, secret) {
					t.Fatalf("the log contains %q", secret)
				}
			}
		})
	}
}

func TestAnonymousChannelPages(t *testing.T) {
	e := newEnv(t, "sqlite")
	anon := e.client()
	must(t, anon.get("/o/acme/report"), 200, "匿名で報告する", "Acme 株式会社", `action="/o/acme/report"`)
	mustNot(t, anon.get("/o/acme/report"), `id="department"`)
	must(t, anon.get("/o/no-such-org/report"), 404)
	fields := map[string][]string{"occurred_at": {"2026-11-26T18:30"}, "channel": {"phone"}, "subtypes": {"insult"},
		"conduct": {"匿名の報告：「役立たず」と言われた"}, "idempotency_key": {"form-key-1"}}
	body, ct := multipartBody(t, fields, map[string][]byte{"memo.png": pngBytes(t, 20, 20)})
	// Post/redirect/get: the receipt page is a GET.
	r := anon.do("POST", "/o/acme/report", body, map[string]string{"Content-Type": ct})
	must(t, r, http.StatusSeeOther)
	if got := r.header.Get("Location"); got != "/o/acme/receipt" {
		t.Fatalf("an anonymous report leads to %q", got)
	}
	r = anon.get("/o/acme/receipt")
	must(t, r, 200, `id="receipt"`, "受付番号を控えました", `action="/o/acme/receipt"`)
	receipt := receiptOf(t, r.body)
	// The language switch of the page carries the receipt in its body and
	// draws the same receipt in English; it files nothing.
	r = anon.post("/o/acme/receipt", url.Values{"lang": {"en"}, "receipt": {receipt}})
	must(t, r, 200, `lang="en"`, "Your receipt", receiptMarkup(receipt))
	must(t, anon.post("/o/acme/receipt", url.Values{"lang": {"en"}, "receipt": {"<b>not a receipt</b>"}}), 422)
	must(t, anon.post("/o/acme/receipt", url.Values{"lang": {"ja"}, "receipt": {receipt}}), 200, `lang="ja"`, receiptMarkup(receipt))
	// The text file holds the receipt and where to follow up.
	r = anon.post("/o/acme/receipt/file", url.Values{"receipt": {receipt}})
	must(t, r, 200, receipt, "/o/acme/status")
	if ct := r.header.Get("Content-Type"); ct != "text/plain; charset=utf-8" || !strings.HasPrefix(r.header.Get("Content-Disposition"), "attachment") {
		t.Errorf("the receipt file is %q, %q", ct, r.header.Get("Content-Disposition"))
	}
	r = anon.post("/o/acme/receipt/file", url.Values{"receipt": {receipt}, "format": {"pdf"}})
	must(t, r, 200, "%PDF")
	if ct := r.header.Get("Content-Type"); ct != "application/pdf" {
		t.Errorf("the receipt PDF is %q", ct)
	}
	// Shown once: a second view (reload, Back) says the report was filed
	// but no longer shows the receipt, and neither does a repeat of the
	// form, which files nothing.
	r = anon.get("/o/acme/receipt")
	must(t, r, 200, `id="receipt-gone"`)
	mustNot(t, r, receipt, `id="receipt"`)
	body, ct = multipartBody(t, fields, map[string][]byte{"memo.png": pngBytes(t, 20, 20)})
	must(t, anon.do("POST", "/o/acme/report", body, map[string]string{"Content-Type": ct}), http.StatusSeeOther)
	r = anon.get("/o/acme/receipt")
	must(t, r, 200, `id="receipt-gone"`)
	mustNot(t, r, receipt)
	anon.header.Set("Cookie", "ksh_receipt=form-key-1")
	mustNot(t, anon.get("/o/acme/receipt"), receipt)
	anon.header.Del("Cookie")
	must(t, anon.get("/o/acme/status?saved=1"), 200, "ありがとうございました", `id="receipt-form"`)
	r = anon.post("/o/acme/status", url.Values{"receipt": {receipt}})
	must(t, r, 200, "新規", `id="anon-message-form"`)
	r = anon.post("/o/acme/status/messages", url.Values{"receipt": {receipt}, "body": {"追加で伝えたいことがあります"}})
	must(t, r, 200, "メッセージを相談窓口に送りました", "追加で伝えたいことがあります")
	// A refused file on the follow-up page: the page again, naming it.
	elf := append([]byte("\x7fELF\x02\x01\x01\x00"), make([]byte, 200)...)
	body, ct = multipartBody(t, map[string][]string{"receipt": {receipt}}, map[string][]byte{"道具.exe": elf})
	must(t, anon.do("POST", "/o/acme/status/evidence", body, map[string]string{"Content-Type": ct}), http.StatusUnsupportedMediaType,
		"送信できませんでした。「道具.exe」は対応していない形式です", `id="anon-message-form"`)
	must(t, anon.post("/o/acme/status", url.Values{"receipt": {"BBBB-BBBB-BBBB-BBBB-BBBB-BBBB"}}), 404, "この受付番号の報告はありません")
	// Another organisation's status page does not open this receipt.
	must(t, anon.post("/o/acme-retail/status", url.Values{"receipt": {receipt}}), 404)
	if anon.sessionCookie() != "" {
		t.Fatal("the anonymous pages set a session cookie")
	}
	// The desk sees the case and the photo, with no reporter.
	desk := e.signedIn(kasuhara.RoleDesk)
	q := desk.get("/cases")
	id := regexp.MustCompile(`href="/cases/([0-9a-f-]+)"`).FindStringSubmatch(q.body)[1]
	page := desk.get("/cases/" + id)
	must(t, page, 200, "役立たず", "memo.png", "追加で伝えたいことがあります", "報告者は匿名です")
	if strings.Contains(e.logs.String(), receipt) {
		t.Fatal("the receipt is in the log")
	}
}

// consultation files a consultation as the employee and signs them in: the
// employee's client, the employee, and the case.
func (e *env) consultation(t *testing.T) (*client, kasuhara.Actor, *kasuhara.Case) {
	t.Helper()
	emp := e.signedIn(kasuhara.RoleEmployee)
	empV := e.actor(kasuhara.RoleEmployee)
	return emp, empV, e.file(t, empV, kasuhara.Report{OccurredAt: e.srvNow(), Channel: "phone", Conduct: "x", Consultation: true})
}

func TestNamedMessagesAndRetaliationPages(t *testing.T) {
	e := newEnv(t, "sqlite")
	emp, _, c := e.consultation(t)
	must(t, emp.post("/cases/"+c.ID+"/messages", url.Values{"body": {"相談したいです"}}), http.StatusSeeOther)
	must(t, emp.get("/cases/"+c.ID), 200, "相談したいです", `id="confidential-form"`, `id="retaliation-form"`)
	must(t, emp.post("/cases/"+c.ID+"/retaliation", url.Values{"body": {"報告後に仕事を外された"}}), http.StatusSeeOther)
	desk := e.signedIn(kasuhara.RoleDesk)
	page := desk.get("/cases/" + c.ID)
	must(t, page, 200, "相談したいです")
	mustNot(t, page, "報告後に仕事を外された", `id="retaliation-form"`)
	must(t, desk.get("/retaliation"), http.StatusForbidden)
	legal := e.signedIn(kasuhara.RoleLegal)
	must(t, legal.get("/retaliation"), 200, "報告後に仕事を外された", c.Ref, "User employee")
}

func TestAnonymousChannelGuards(t *testing.T) {
	e := newEnv(t, "sqlite")
	// A receipt of one organisation does not write into it through
	// another organisation's page, and counts as one wrong receipt.
	if _, err := e.st.CreateDepartment(ctx, kasuhara.CLIActor, e.sub.ID, "店舗"); err != nil {
		t.Fatal(err)
	}
	anon := e.client()
	body := validReport()
	body["org"] = "acme"
	receipt := decode(t, anon.do("POST", "/api/v1/anonymous-reports", strings.NewReader(mustJSON(body)), map[string]string{"Content-Type": "application/json"}).body)["receipt"].(string)
	r := anon.post("/o/acme-retail/status/messages", url.Values{"receipt": {receipt}, "body": {"別組織経由の書き込み"}})
	must(t, r, 404)
	ms, _ := e.st.ReceiptMessages(ctx, receipt)
	if len(ms) != 0 {
		t.Fatal("a message was stored through another organisation's page")
	}
	// A signed-in browser filing anonymously gets no session cookie and its
	// session is not touched.
	signed := e.signedIn(kasuhara.RoleEmployee)
	before := signed.sessionCookie()
	r = signed.do("POST", "/api/v1/anonymous-reports", strings.NewReader(mustJSON(body)), map[string]string{"Content-Type": "application/json"})
	must(t, r, 201)
	if r.header.Get("Set-Cookie") != "" || signed.sessionCookie() != before {
		t.Fatal("the anonymous report touched the reporter's session")
	}
	// Ten reports an hour per connection, then 429.
	statuses := map[int]int{}
	for range 10 {
		statuses[anon.do("POST", "/api/v1/anonymous-reports", strings.NewReader(mustJSON(body)), map[string]string{"Content-Type": "application/json"}).status]++
	}
	if statuses[429] == 0 {
		t.Fatalf("anonymous filing is not limited: %v", statuses)
	}
}

// TestAdminAuditHidesAlarmsAndConfidentiality is issue 16's finding 3: the
// admin's audit page does not show retaliation alarms or confidentiality
// choices with who made them; legal's still does.
func TestAdminAuditHidesAlarmsAndConfidentiality(t *testing.T) {
	e := newEnv(t, "sqlite")
	emp, empV, c := e.consultation(t)
	must(t, emp.post("/cases/"+c.ID+"/retaliation", url.Values{"body": {"報告後に仕事を外された"}}), http.StatusSeeOther)
	must(t, emp.post("/cases/"+c.ID+"/confidential", url.Values{"hide": {"true"}}), http.StatusSeeOther)
	legal := e.signedIn(kasuhara.RoleLegal)
	must(t, legal.get("/retaliation"), 200)
	must(t, legal.get("/admin/audit"), 200, "不利益な取扱いの申告", "上司への開示の変更", "不利益な取扱いの申告の閲覧", e.users[kasuhara.RoleEmployee].Name)
	if strings.Contains(auditTable(t, legal.get("/admin/audit")), empV.UserID) {
		t.Fatal("the audit table shows the employee's id")
	}
	admin := e.signedIn(kasuhara.RoleAdmin)
	page := admin.get("/admin/audit")
	must(t, page, 200)
	// The employee's sign-in stays; the alarm, its reading and the
	// confidentiality choice are not there at all.
	mustNot(t, page, "不利益な取扱いの申告", "上司への開示の変更")
}

// TestSupervisorSeesNoCareWithoutConsent is issue 16's finding 15: the
// supervisor's case page and API answers leave out the care record, the
// messages and the message box until the reporter agrees.
func TestSupervisorSeesNoCareWithoutConsent(t *testing.T) {
	e := newEnv(t, "sqlite")
	dep, err := e.st.CreateDepartment(ctx, kasuhara.CLIActor, e.org.ID, "新宿店")
	if err != nil {
		t.Fatal(err)
	}
	var people [2]*kasuhara.User
	for i, r := range []kasuhara.Role{kasuhara.RoleEmployee, kasuhara.RoleSupervisor} {
		if people[i], err = e.st.CreateUser(ctx, kasuhara.CLIActor, kasuhara.NewUser{Email: "shop-" + string(r) + "@acme.example", Name: "Shop " + string(r),
			Password: password, OrgID: e.org.ID, Role: r, DepartmentID: dep.ID}); err != nil {
			t.Fatal(err)
		}
	}
	empV := kasuhara.Actor{UserID: people[0].ID, OrgID: e.org.ID, Role: kasuhara.RoleEmployee, DepartmentID: dep.ID}
	deskV := e.actor(kasuhara.RoleDesk)
	c := e.file(t, empV, kasuhara.Report{OccurredAt: e.srvNow(), Channel: "phone", Conduct: "x", Consultation: true, DepartmentID: dep.ID})
	if _, err := e.st.AddCare(ctx, deskV, c.ID, kasuhara.CareAction{Kind: "counselling", Note: "産業医面談"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.AddMessage(ctx, deskV, c.ID, "眠れていますか"); err != nil {
		t.Fatal(err)
	}
	boss := e.client()
	must(t, boss.signIn(people[1].Email, password), http.StatusSeeOther)
	page := boss.get("/cases/" + c.ID)
	must(t, page, 200, `id="care-private"`)
	mustNot(t, page, "産業医面談", "眠れていますか", `id="message-form"`)
	_, tok, err := e.st.CreateToken(ctx, kasuhara.CLIActor, people[1].ID, "t")
	if err != nil {
		t.Fatal(err)
	}
	api := &apiClient{c: e.client(), tok: tok}
	must(t, api.call("GET", "/api/v1/cases/"+c.ID+"/care", nil), http.StatusForbidden)
	must(t, api.call("GET", "/api/v1/cases/"+c.ID+"/messages", nil), http.StatusForbidden)
	mustNot(t, api.call("GET", "/api/v1/cases/"+c.ID+"/timeline", nil), `"care"`, `"message"`)
	// The reporter agrees on their page; now the supervisor reads them.
	emp := e.client()
	must(t, emp.signIn(people[0].Email, password), http.StatusSeeOther)
	must(t, emp.get("/cases/"+c.ID), 200, `id="care-consent-form"`, "眠れていますか")
	must(t, emp.post("/cases/"+c.ID+"/care-consent", url.Values{"share": {"true"}}), http.StatusSeeOther)
	must(t, boss.get("/cases/"+c.ID), 200, "産業医面談", "眠れていますか", `id="message-form"`)
	must(t, api.call("GET", "/api/v1/cases/"+c.ID+"/care", nil), 200, "産業医面談")
}

// receiptOf reads the receipt shown on the receipt page.
func receiptOf(t *testing.T, body string) string {
	t.Helper()
	m := regexp.MustCompile(`id="receipt"[^>]*>((?:<span class="receipt-group">[A-Z0-9-]+</span>)+)</p>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no receipt on the page:\n%s", body)
	}
	return regexp.MustCompile(`<[^>]+>`).ReplaceAllString(m[1], "")
}

// receiptMarkup is the receipt as the page writes it: each group of four
// (with its hyphen) kept from wrapping.
func receiptMarkup(receipt string) string {
	gs := strings.Split(receipt, "-")
	for i := range gs[:len(gs)-1] {
		gs[i] += "-"
	}
	return `<span class="receipt-group">` + strings.Join(gs, `</span><span class="receipt-group">`) + `</span>`
}
