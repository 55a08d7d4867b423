package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/calendar"
)

// TestDeskJourney walks a report through the desk's screens.
func TestDeskJourney(t *testing.T) {
	e := newEnv(t, "sqlite")
	empV := e.actor(kasuhara.RoleEmployee)
	c, err := e.st.FileReport(ctx, empV, kasuhara.Report{OccurredAt: time.Now().Add(-2 * time.Hour), Channel: "phone", DurationMinutes: 90,
		Subtypes: []string{"long_contact", "threat"}, Conduct: "「店に火をつけるぞ」と90分電話を切らなかった", RequestContent: "全額返金"})
	if err != nil {
		t.Fatal(err)
	}
	desk := e.signedIn(kasuhara.RoleDesk)
	q := desk.get("/cases")
	must(t, q, 200, c.Ref, "緊急", "新規")
	must(t, desk.get("/cases?q="+url.QueryEscape("火をつける")), 200, c.Ref)
	mustNot(t, desk.get("/cases?q="+url.QueryEscape("土下座")), c.Ref)
	page := desk.get("/cases/" + c.ID)
	must(t, page, 200, "店に火をつけるぞ", "警察への通報を検討する", "適用した対応時間の上限", `id="assess-form"`)

	post := func(path string, form url.Values, wantStatus int, contains ...string) {
		t.Helper()
		r := desk.post("/cases/"+c.ID+path, form)
		if r.status != wantStatus {
			t.Fatalf("POST %s: %d, want %d\n%.2000s", path, r.status, wantStatus, r.body)
		}
		if r.status == http.StatusSeeOther {
			r = desk.get("/cases/" + c.ID)
		}
		must(t, r, r.status, contains...)
	}
	post("/transition", url.Values{"to": {"acknowledged"}}, http.StatusSeeOther, "受付済み")
	post("/transition", url.Values{"to": {"in_progress"}}, http.StatusConflict, "担当者と副担当を割り当ててください")
	post("/assign", url.Values{"assignee": {e.users[kasuhara.RoleDesk].ID}, "second": {e.users[kasuhara.RoleDesk].ID}}, http.StatusUnprocessableEntity, "担当者とは別の人にしてください")
	post("/assign", url.Values{"assignee": {e.users[kasuhara.RoleDesk].ID}, "second": {e.users[kasuhara.RoleLegal].ID}}, http.StatusSeeOther, "User legal")
	post("/transition", url.Values{"to": {"in_progress"}, "note": {"二人で対応開始"}}, http.StatusSeeOther, "対応中", "二人で対応開始")
	post("/assess", url.Values{"request": {"not_valid"}, "manner": {"inappropriate"}, "manner_reasons": {"threat", "constraint"},
		"environment_impaired": {"on"}, "verdict": {"harassment"}, "rationale": {"脅迫と長時間の拘束"}}, http.StatusSeeOther, "カスハラに該当", "脅迫と長時間の拘束")
	post("/assess", url.Values{"request": {"valid"}, "manner": {"inappropriate"}, "accommodation_request": {"on"}, "verdict": {"harassment"}, "rationale": {"x"}},
		http.StatusUnprocessableEntity, "合理的配慮の求めはカスハラには当たりません")
	post("/notes", url.Values{"body": {"通話録音を保全した"}}, http.StatusSeeOther, "通話録音を保全した")
	post("/contacts", url.Values{"at": {time.Now().In(calendar.JST).Format("2006-01-02T15:04")}, "channel": {"phone"}, "summary": {"当社の方針を説明した"}}, http.StatusSeeOther, "当社の方針を説明した")
	post("/care", url.Values{"kind": {"counselling"}, "due_on": {"2026-12-01"}, "note": {"産業医"}}, http.StatusSeeOther, "カウンセリング", "未実施")
	page = desk.get("/cases/" + c.ID)
	careID := regexp.MustCompile(`/cases/` + c.ID + `/care/([0-9a-f-]+)`).FindStringSubmatch(page.body)
	if careID == nil {
		t.Fatal("no care action form")
	}
	post("/care/"+careID[1], url.Values{"done": {"true"}}, http.StatusSeeOther, "User desk（")
	taskID := regexp.MustCompile(`/cases/` + c.ID + `/tasks/([0-9a-f-]+)`).FindStringSubmatch(page.body)
	post("/tasks/"+taskID[1], url.Values{"done": {"true"}}, http.StatusSeeOther)
	post("/transition", url.Values{"to": {"resolved"}}, http.StatusSeeOther, "解決")

	// The reporter sees the new state, not the desk's deliberations.
	emp := e.signedIn(kasuhara.RoleEmployee)
	r := emp.get("/cases/" + c.ID)
	must(t, r, 200, "相談窓口は解決したと判断しました", "店に火をつけるぞ")
	mustNot(t, r, "脅迫と長時間の拘束", "通話録音を保全した", "当社の方針を説明した", "産業医", "User legal")
	must(t, emp.get("/reports"), 200, c.Ref, "解決")
	must(t, emp.get("/cases"), http.StatusForbidden)
	// Another employee, the analyst and the admin get "not found".
	for _, role := range []kasuhara.Role{kasuhara.RoleAnalyst, kasuhara.RoleAdmin} {
		o := e.signedIn(role)
		r := o.get("/cases/" + c.ID)
		must(t, r, http.StatusNotFound)
		mustNot(t, r, "火をつける")
	}
	other, err := e.st.CreateUser(ctx, kasuhara.CLIActor, kasuhara.NewUser{Email: "other@acme.example", Name: "Other", Password: password, OrgID: e.org.ID, Role: kasuhara.RoleEmployee})
	if err != nil {
		t.Fatal(err)
	}
	o := e.client()
	o.signIn(other.Email, password)
	must(t, o.get("/cases/"+c.ID), http.StatusNotFound)
	mustNot(t, o.get("/reports"), c.Ref)
}

func TestAdminSettingsPage(t *testing.T) {
	e := newEnv(t, "sqlite")
	admin := e.signedIn(kasuhara.RoleAdmin)
	must(t, admin.get("/admin/settings"), 200, `value="1bd"`, `value="7d"`, `value="30"`)
	must(t, admin.post("/admin/settings?org=acme", url.Values{"acknowledge": {"tomorrow"}, "feedback": {"7d"}, "contact_limit_minutes": {"30"}}),
		422, "1bd（営業日）")
	must(t, admin.post("/admin/settings?org=acme", url.Values{"acknowledge": {"2bd"}, "feedback": {"10d"}, "contact_limit_minutes": {"15"},
		"public_holidays": {"on"}, "webhook_url": {"https://hooks.example.jp/x"}, "webhook_secret": {"a-very-long-secret-value"}}), http.StatusSeeOther)
	r := admin.get("/admin/settings")
	must(t, r, 200, `value="2bd"`, `value="15"`, "シークレットは設定済み")
	mustNot(t, r, "a-very-long-secret-value")
	desk := e.signedIn(kasuhara.RoleDesk)
	must(t, desk.get("/admin/settings"), http.StatusForbidden)
	sub := e.client()
	sub.signIn("admin@retail.example", password)
	must(t, sub.post("/admin/settings?org=acme", url.Values{"acknowledge": {"9bd"}}), http.StatusNotFound)
}
