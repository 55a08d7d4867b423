package web_test

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/i18n"
	"github.com/kasuhara/kasuhara/internal/notify"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/starter"
)

// TestEveryPageInBothLanguages renders every page for every role in both
// languages. A missing translation aborts rendering (500), so this fails on
// any key missing in either catalogue.
func TestEveryPageInBothLanguages(t *testing.T) {
	e := newEnv(t, sqldb.SQLite)
	if _, err := e.st.CreateDepartment(ctx, kasuhara.CLIActor, e.org.ID, "新宿店"); err != nil {
		t.Fatal(err)
	}
	// A case with everything on it, reported by the employee.
	empV := e.actor(kasuhara.RoleEmployee)
	deskV := e.actor(kasuhara.RoleDesk)
	c, err := e.st.FileReport(ctx, empV, kasuhara.Report{OccurredAt: time.Now().Add(-time.Hour), Channel: "phone", Subtypes: kasuhara.Subtypes,
		Conduct: "「殴るぞ」と怒鳴った", DangerOngoing: true, Customer: kasuhara.CustomerDetails{Name: "佐藤", Phone: "0312345678"}})
	if err != nil {
		t.Fatal(err)
	}
	e.st.Transition(ctx, deskV, c.ID, kasuhara.StateAcknowledged, "")
	e.st.Assign(ctx, deskV, c.ID, deskV.UserID, e.users[kasuhara.RoleLegal].ID)
	e.st.Transition(ctx, deskV, c.ID, kasuhara.StateInProgress, "開始")
	e.st.Assess(ctx, deskV, c.ID, kasuhara.Assessment{Request: "not_valid", Manner: "inappropriate", MannerReasons: kasuhara.MannerReasons, Verdict: "harassment", Rationale: "理由", AccommodationRequest: false})
	e.st.AddNote(ctx, deskV, c.ID, kasuhara.EventDecision, "決定")
	e.st.AddContact(ctx, deskV, c.ID, kasuhara.Contact{At: time.Now(), Channel: "email", Summary: "説明"})
	care, _ := e.st.AddCare(ctx, deskV, c.ID, kasuhara.CareAction{Kind: "counselling", DueOn: time.Now()})
	e.st.SetCareDone(ctx, deskV, c.ID, care.ID, true)
	e.st.AddTask(ctx, deskV, c.ID, "独自の手順")
	e.st.Exclude(ctx, e.actor(kasuhara.RoleLegal), c.ID, e.users[kasuhara.RoleSupervisor].ID)
	post, err := e.st.CreatePost(ctx, deskV, kasuhara.OnlinePost{URL: "https://sns.example/p/1", Platform: "SNS", CapturedText: "店員の名前を晒す", CaseID: c.ID})
	if err != nil {
		t.Fatal(err)
	}
	coop, err := e.st.CreateCooperationRequest(ctx, deskV, kasuhara.CooperationRequest{Direction: kasuhara.CooperationReceived, Employer: "乙社",
		ContactPhone: "03-0000-0000", Asked: "事実確認", CaseID: c.ID})
	if err != nil {
		t.Fatal(err)
	}
	e.st.MovePost(ctx, deskV, post.ID, "removal_requested")
	custs, err := e.st.Customers(ctx, deskV, "")
	if err != nil || len(custs) != 1 {
		t.Fatalf("customers = %v, %v", custs, err)
	}
	m, _ := e.st.ProposeMeasure(ctx, deskV, custs[0].ID, kasuhara.NewMeasure{Checks: testChecks, Level: "warned", Reason: "理由", ReviewAt: time.Now().AddDate(0, 1, 0)})
	e.st.RecordResponse(ctx, deskV, custs[0].ID, m.ID, "回答")
	// Policy and training: a published policy in two versions, a course
	// with an assignment and a passed attempt, a case study of a closed case.
	admin := e.actor(kasuhara.RoleAdmin)
	doc, err := e.st.CreatePolicy(ctx, admin, kasuhara.PolicyBasic, false, starter.Policy("basic_policy", starter.Params{Company: e.org.Name, ContactLimitMinutes: 30}))
	if err != nil {
		t.Fatal(err)
	}
	e.st.Publish(ctx, admin, doc.ID)
	e.st.SaveDraft(ctx, admin, doc.ID, starter.Policy("basic_policy", starter.Params{Company: "改", ContactLimitMinutes: 30}))
	e.st.Publish(ctx, admin, doc.ID)
	e.st.SaveDraft(ctx, admin, doc.ID, starter.Policy("basic_policy", starter.Params{Company: "下書き", ContactLimitMinutes: 30}))
	course, err := e.st.SaveCourse(ctx, admin, starter.Course(starter.Params{Company: e.org.Name, ContactLimitMinutes: 30}))
	if err != nil {
		t.Fatal(err)
	}
	e.st.PublishCourse(ctx, admin, course.ID, true)
	if _, err := e.st.AssignCourse(ctx, admin, kasuhara.Assignment{CourseID: course.ID, FirstDue: "2027-03-31", EveryMonths: 12}); err != nil {
		t.Fatal(err)
	}
	content, _ := course.Content("ja")
	attempt, err := e.st.SubmitAttempt(ctx, empV, course.ID, "ja", content.Key())
	if err != nil || !attempt.Passed {
		t.Fatalf("attempt: %v %+v", err, attempt)
	}
	closed, _ := e.st.FileReport(ctx, empV, kasuhara.Report{OccurredAt: time.Now().Add(-time.Hour), Channel: "phone", Subtypes: []string{"insult"}, Conduct: "x"})
	e.closeCase(t, deskV, closed, complaint)
	study, err := e.st.CreateCaseStudy(ctx, deskV, closed.ID, "事例", "### 概要\n本文", true)
	if err != nil {
		t.Fatal(err)
	}
	pages := []string{"/", "/account/password",
		"/policies", "/policies/" + doc.ID, "/policies/" + doc.ID + "?version=1", "/policies/acknowledgements", "/admin/policies", "/admin/policies/" + doc.ID, "/o/acme/policy",
		"/training", "/training/report", "/training/courses/" + course.ID, "/training/certificates/" + attempt.ID, "/training/case-studies/" + study.ID,
		"/admin/training", "/admin/training/courses/" + course.ID, "/insight", "/insight?group_by=department", "/insight?from=2026-13", "/compliance", "/compliance?org=nowhere", "/retention", "/cases/" + closed.ID + "/case-study", "/cases/" + closed.ID, "/admin/users", "/admin/departments", "/admin/audit", "/admin/users?org=acme-retail", "/no-such-page",
		"/report", "/reports", "/cases", "/cases?state=in_progress&q=殴る&overdue=true", "/cases?state=bogus", "/cases/" + c.ID, "/retaliation", "/o/acme/report", "/o/acme/status", "/admin/settings", "/notifications",
		"/timer", "/report?channel=phone&duration=42&started=2026-11-27T01:00:00Z&subtype=long_contact",
		"/lookup", "/lookup?phone=03-1234-5678", "/lookup?phone=abc", "/customers", "/customers?q=佐藤", "/customers/" + custs[0].ID, "/customers/letters", "/specialists", "/online-posts", "/online-posts/" + post.ID, "/online-posts/template",
		"/cooperation", "/cooperation?state=open", "/cooperation/" + coop.ID, "/cooperation/" + coop.ID + "/share?fields=conduct&fields=dates", "/cooperation/" + coop.ID + "/share"}
	markers := map[string][]string{"ja": {`<html lang="ja">`, "ログアウト"}, "en": {`<html lang="en">`, "Sign out"}}
	for _, lang := range i18n.Languages {
		anon := e.client()
		anon.header.Set("Accept-Language", lang)
		must(t, anon.get("/login"), 200, `<html lang="`+lang+`">`)
		for _, role := range kasuhara.Roles {
			c := e.client()
			c.header.Set("Accept-Language", lang)
			c.signInAs(role)
			for _, p := range pages {
				r := c.get(p)
				if r.status >= 500 {
					t.Fatalf("%s %s as %s: %d\n%s\nlogs:\n%s", lang, p, role, r.status, r.body, e.logs.String())
				}
				if strings.HasPrefix(p, "/o/") {
					// The anonymous channel ignores the session: no sign-out.
					must(t, r, r.status, markers[lang][0])
					mustNot(t, r, `id="signout"`)
				} else if r.status == http.StatusOK || r.status == http.StatusForbidden || r.status == http.StatusNotFound {
					must(t, r, r.status, markers[lang]...)
				}
				// No message id leaks through as text.
				if m := regexp.MustCompile(`>\s*(?:admin|home|login|error|field|role|audit|nav)\.[a-z_.]+\s*<`).FindString(r.body); m != "" {
					t.Fatalf("%s %s as %s shows a message id: %s", lang, p, role, m)
				}
			}
		}
	}
}

func TestLanguageChoice(t *testing.T) {
	e := newEnv(t, sqldb.SQLite)
	c := e.client()
	must(t, c.get("/login"), 200, `<html lang="ja">`, "ログイン")
	c.header.Set("Accept-Language", "en-GB,en;q=0.9")
	must(t, c.get("/login"), 200, `<html lang="en">`, "Sign in")
	// The cookie beats Accept-Language.
	r := c.post("/language", url.Values{"lang": {"ja"}, "back": {"/login"}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/login" {
		t.Fatalf("switch: %d %s", r.status, r.header.Get("Location"))
	}
	must(t, c.get("/login"), 200, `<html lang="ja">`)
	// A redirect target elsewhere is refused.
	for _, back := range []string{"https://evil.example/", "//evil.example/", "/\\evil.example"} {
		if r := c.post("/language", url.Values{"lang": {"ja"}, "back": {back}}); r.header.Get("Location") != "/" {
			t.Fatalf("back=%q redirects to %q", back, r.header.Get("Location"))
		}
	}
	must(t, c.post("/language", url.Values{"lang": {"fr"}}), http.StatusUnprocessableEntity)
	// The user's own setting beats the cookie, on every device.
	c.signInAs(kasuhara.RoleDesk)
	c.post("/language", url.Values{"lang": {"en"}, "back": {"/"}})
	u, _ := e.st.UserByID(ctx, e.users[kasuhara.RoleDesk].ID)
	if u.Language != "en" {
		t.Fatalf("user language = %q, want en", u.Language)
	}
	other := e.client()
	other.header.Set("Accept-Language", "ja")
	other.signInAs(kasuhara.RoleDesk)
	must(t, other.get("/"), 200, `<html lang="en">`, "Consultation desk")
}

func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t, sqldb.SQLite)
	c := e.client()
	for _, p := range []string{"/login", "/healthz", "/api/v1/me", "/no-such-page", "/static/nope.css"} {
		r := c.get(p)
		h := r.header
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") ||
			!strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q", p, csp)
		}
		for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"} {
			if h.Get(k) != v {
				t.Errorf("%s: %s = %q, want %q", p, k, h.Get(k), v)
			}
		}
		if len(h.Get("X-Request-Id")) != 16 {
			t.Errorf("%s: no request id", p)
		}
	}
	// No inline script or style in a page, so the strict policy holds.
	r := c.get("/login")
	if regexp.MustCompile(`<script>|<style|style="|onclick=|onload=`).MatchString(r.body) {
		t.Fatal("the login page has inline script or style")
	}
}

func TestStaticAssets(t *testing.T) {
	e := newEnv(t, sqldb.SQLite)
	c := e.client()
	page := c.get("/login").body
	m := regexp.MustCompile(`/static/app\.[0-9a-f]{12}\.css`).FindString(page)
	if m == "" {
		t.Fatal("no content-hashed stylesheet URL in the page")
	}
	r := c.get(m)
	must(t, r, 200, "--")
	if !strings.Contains(r.header.Get("Cache-Control"), "immutable") || !strings.HasPrefix(r.header.Get("Content-Type"), "text/css") {
		t.Fatalf("headers %v", r.header)
	}
	if js := regexp.MustCompile(`/static/htmx\.min\.[0-9a-f]{12}\.js`).FindString(page); js == "" {
		t.Fatal("no hashed htmx URL")
	}
	must(t, c.get("/static/app.css"), 404)
}

func TestHealthAndMetrics(t *testing.T) {
	e := newEnv(t, sqldb.SQLite)
	c := e.client()
	must(t, c.get("/healthz"), 200, "ok")
	must(t, c.get("/readyz"), 200, "ready")
	c.signIn("desk@acme.example", "wrong password")
	r := c.get("/metrics")
	must(t, r, 200, `kasuhara_http_requests_total{code="401",method="POST",route="POST /login"} 1`, "kasuhara_login_failures_total 1", "go_goroutines")
	mustNot(t, r, "desk@acme.example")
	e.db.Close()
	must(t, c.get("/readyz"), http.StatusServiceUnavailable)
	must(t, c.get("/healthz"), 200)
}

func TestAdminPages(t *testing.T) {
	e := newEnv(t, sqldb.SQLite)
	admin := e.signedIn(kasuhara.RoleAdmin)

	// Departments.
	must(t, admin.post("/admin/departments?org=acme", url.Values{"name": {"新宿店"}}), http.StatusSeeOther)
	must(t, admin.get("/admin/departments"), 200, "新宿店", "部署を追加しました")
	must(t, admin.post("/admin/departments?org=acme", url.Values{"name": {"新宿店"}}), http.StatusConflict, "すでに使われています")
	must(t, admin.post("/admin/departments?org=acme", url.Values{"name": {""}}), http.StatusUnprocessableEntity, "入力してください")
	dep, _ := e.st.DepartmentByName(ctx, e.org.ID, "新宿店")
	must(t, admin.post("/admin/departments/"+dep.ID+"/rename?org=acme", url.Values{"name": {"新宿東口店"}}), http.StatusSeeOther)
	// Renaming through a subsidiary's scope finds nothing.
	must(t, admin.post("/admin/departments/"+dep.ID+"/rename?org=acme-retail", url.Values{"name": {"x"}}), http.StatusNotFound)

	// Create a user: the one-time password is shown once.
	r := admin.post("/admin/users?org=acme", url.Values{"name": {"山田 太郎"}, "email": {"taro@acme.example"}, "role": {"employee"}, "department": {dep.ID}})
	must(t, r, http.StatusCreated, "ユーザーを追加しました", `id="one-time-password"`)
	pw := regexp.MustCompile(`<p class="secret">([^<]+)</p>`).FindStringSubmatch(r.body)
	if pw == nil {
		t.Fatal("no one-time password shown")
	}
	must(t, admin.get("/admin/users"), 200, "山田 太郎")
	mustNot(t, admin.get("/admin/users"), pw[1])
	emp := e.client()
	if r := emp.signIn("taro@acme.example", pw[1]); r.header.Get("Location") != "/account/password" {
		t.Fatalf("new user's first sign-in: %d %s", r.status, r.header.Get("Location"))
	}

	// Invalid input names the fields.
	r = admin.post("/admin/users?org=acme", url.Values{"name": {""}, "email": {"not-an-address"}, "role": {"boss"}})
	must(t, r, http.StatusUnprocessableEntity, "入力してください", "name@example.jp", "employee、supervisor")
	must(t, admin.post("/admin/users?org=acme", url.Values{"name": {"X"}, "email": {"taro@acme.example"}, "role": {"desk"}}), http.StatusConflict, "すでに使われています")

	// Role change, disable, enable, reset.
	taro, _ := e.st.UserByEmail(ctx, "taro@acme.example")
	must(t, admin.post("/admin/users/"+taro.ID+"/membership?org=acme", url.Values{"role": {"supervisor"}, "department": {dep.ID}}), http.StatusSeeOther)
	ms, _ := e.st.Memberships(ctx, taro.ID)
	if ms[0].Role != kasuhara.RoleSupervisor {
		t.Fatalf("role = %s", ms[0].Role)
	}
	must(t, admin.post("/admin/users/"+taro.ID+"/disable?org=acme", url.Values{"confirm": {"yes"}}), http.StatusSeeOther)
	must(t, admin.get("/admin/users"), 200, "停止中")
	must(t, admin.post("/admin/users/"+taro.ID+"/enable?org=acme", nil), http.StatusSeeOther)
	must(t, admin.post("/admin/users/"+taro.ID+"/reset-password?org=acme", nil), 200, `id="one-time-password"`)

	// An admin cannot lock themselves out.
	self := e.users[kasuhara.RoleAdmin].ID
	must(t, admin.post("/admin/users/"+self+"/membership?org=acme", url.Values{"role": {"employee"}}), http.StatusConflict)
	must(t, admin.post("/admin/users/"+self+"/disable?org=acme", nil), http.StatusConflict)

	// The group admin manages the subsidiary…
	must(t, admin.get("/admin/users?org=acme-retail"), 200, "Retail Admin")
	// …the subsidiary's admin sees neither the parent nor its people.
	sub := e.client()
	sub.signIn("admin@retail.example", password)
	r = sub.get("/admin/users")
	must(t, r, 200, "Retail Admin")
	mustNot(t, r, "山田 太郎", "taro@acme.example", "User desk")
	must(t, sub.get("/admin/users?org=acme"), http.StatusNotFound)
	must(t, sub.post("/admin/users/"+taro.ID+"/disable?org=acme-retail", nil), http.StatusNotFound)
	must(t, sub.post("/admin/users/"+taro.ID+"/disable?org=acme", nil), http.StatusNotFound)

	// Other roles may not administer.
	for _, role := range []kasuhara.Role{kasuhara.RoleEmployee, kasuhara.RoleSupervisor, kasuhara.RoleDesk, kasuhara.RoleLegal, kasuhara.RoleAnalyst} {
		c := e.signedIn(role)
		must(t, c.get("/admin/users"), http.StatusForbidden)
		must(t, c.post("/admin/users?org=acme", url.Values{"name": {"Evil"}, "email": {"evil@acme.example"}, "role": {"admin"}}), http.StatusForbidden)
		must(t, c.post("/admin/departments?org=acme", url.Values{"name": {"Evil"}}), http.StatusForbidden)
	}
	if _, err := e.st.UserByEmail(ctx, "evil@acme.example"); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
		t.Fatal("a non-admin created a user")
	}

	// Every change is in the audit trail, which admin and legal may read.
	r = admin.get("/admin/audit")
	must(t, r, 200, "ユーザーの作成", "役割・部署の変更", "アカウントの停止", "パスワードのリセット", "部署名の変更")
	// People are named (山田 太郎 made and changed); e-mail addresses and
	// passwords are not shown.
	must(t, r, 200, "山田 太郎")
	mustNot(t, r, "taro@acme.example", pw[1])
	legal := e.signedIn(kasuhara.RoleLegal)
	must(t, legal.get("/admin/audit"), 200)
	analyst := e.signedIn(kasuhara.RoleAnalyst)
	must(t, analyst.get("/admin/audit"), http.StatusForbidden)
}

// TestTemplateKeysExist checks every literal message id in the templates and
// every audit action written by the store against both catalogues.
func TestTemplateKeysExist(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	files, _ := filepath.Glob("templates/*.html")
	partials, _ := filepath.Glob("templates/partials/*.html")
	files = append(files, partials...)
	for _, f := range files {
		b, _ := os.ReadFile(f)
		for _, m := range regexp.MustCompile(`\bT "([^"]+)"`).FindAllStringSubmatch(string(b), -1) {
			ids = append(ids, m[1])
		}
	}
	goFiles, _ := filepath.Glob("*.go")
	storeFiles, _ := filepath.Glob("../store/*.go")
	for _, f := range append(goFiles, storeFiles...) {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, _ := os.ReadFile(f)
		for _, m := range regexp.MustCompile(`action(?::| =) +"([a-z_.]+)"`).FindAllStringSubmatch(string(b), -1) {
			ids = append(ids, "audit."+m[1])
		}
		for _, m := range regexp.MustCompile(`(?:Flash: |s\.flash\(r, |Title: )"([a-z_.]+[a-z_])"`).FindAllStringSubmatch(string(b), -1) {
			ids = append(ids, m[1])
		}
	}
	for _, r := range kasuhara.Roles {
		ids = append(ids, "role."+string(r), "home.role."+string(r)+".summary")
	}
	for _, code := range []string{kasuhara.EINVALID, kasuhara.EUNAUTH, kasuhara.EFORBIDDEN, kasuhara.ENOTFOUND, kasuhara.ECONFLICT,
		kasuhara.ETOOLARGE, kasuhara.EUNSUPPORTED, kasuhara.ERATELIMITED, kasuhara.EUNAVAILABLE, kasuhara.EINTERNAL} {
		ids = append(ids, "error."+code, "error."+code+".help")
	}
	for _, c := range kasuhara.FieldCodes() {
		ids = append(ids, "field."+string(c))
	}
	for _, c := range kasuhara.Categories {
		ids = append(ids, "category."+string(c))
	}
	for _, st := range kasuhara.PostStatuses {
		ids = append(ids, "post."+st)
	}
	for _, k := range kasuhara.ReferralKinds {
		ids = append(ids, "referral.kind."+k)
	}
	ids = append(ids, "notice.post.overdue")
	for _, typ := range notify.GrantTypes {
		ids = append(ids, "notice."+typ, "notice."+typ+".reset")
	}
	for _, typ := range notify.EventTypes {
		ids = append(ids, "notice."+typ)
	}
	for _, st := range kasuhara.CaseStates {
		ids = append(ids, "state."+string(st), "state."+string(st)+".reporter")
		for _, to := range kasuhara.NextStates(st) {
			ids = append(ids, "transition."+string(to))
		}
	}
	for prefix, list := range map[string][]string{"subtype.": kasuhara.Subtypes, "channel.": kasuhara.Channels, "verdict.": kasuhara.Verdicts,
		"request.": kasuhara.RequestValues, "manner.": kasuhara.MannerValues, "reason.": kasuhara.MannerReasons, "care.": kasuhara.CareKinds,
		"task.": kasuhara.PlaybookKeys, "event.": {kasuhara.EventPost, kasuhara.EventReferral, kasuhara.EventMessage, kasuhara.EventReported, kasuhara.EventTransition, kasuhara.EventAssignment, kasuhara.EventNote,
			kasuhara.EventContact, kasuhara.EventDecision, kasuhara.EventAssessment, kasuhara.EventTask, kasuhara.EventCare, kasuhara.EventEvidence, kasuhara.EventExclusion}} {
		for _, x := range list {
			ids = append(ids, prefix+x)
		}
	}
	if len(ids) < 100 {
		t.Fatalf("found only %d message ids: the scan is broken", len(ids))
	}
	for _, lang := range i18n.Languages {
		loc := cat.Localizer(lang)
		for _, id := range ids {
			if !loc.Has(id) {
				t.Errorf("message %q missing in %s", id, lang)
			}
		}
	}
}

// TestAdminUserSearchAndDisableConfirmation: the admin finds people by a
// part of their name or e-mail address, and stops an account only after
// confirming on a page of its own.
func TestAdminUserSearchAndDisableConfirmation(t *testing.T) {
	e := newEnv(t, "sqlite")
	admin := e.client()
	admin.signInAs(kasuhara.RoleAdmin)
	r := admin.get("/admin/users?org=acme&q=" + url.QueryEscape("ＤＥＳＫ"))
	must(t, r, 200, "desk@acme.example", "6人中1人が該当します")
	mustNot(t, r, "legal@acme.example", "employee@acme.example")
	must(t, admin.get("/admin/users?org=acme&q=legal"), 200, "legal@acme.example")

	emp := e.users[kasuhara.RoleEmployee]
	r = admin.post("/admin/users/"+emp.ID+"/disable?org=acme", nil)
	must(t, r, 200, "User employee（employee@acme.example）のアカウントを停止します", `name="confirm" value="yes"`)
	if u, _ := e.st.UserByID(ctx, emp.ID); u.Disabled {
		t.Fatal("the account was stopped before the admin confirmed")
	}
	must(t, admin.post("/admin/users/"+emp.ID+"/disable?org=acme", url.Values{"confirm": {"yes"}}), http.StatusSeeOther)
	if u, _ := e.st.UserByID(ctx, emp.ID); !u.Disabled {
		t.Fatal("the confirmed stop did not stop the account")
	}
	// Enabling again needs no confirmation.
	must(t, admin.post("/admin/users/"+emp.ID+"/enable?org=acme", nil), http.StatusSeeOther)
}
