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

// TestOrganisationDetails: the admin names the organisation and its desk
// on the settings page; the anonymous form and the public policy show them.
func TestOrganisationDetails(t *testing.T) {
	e := newEnv(t, "sqlite")
	admin := e.client()
	admin.signInAs(kasuhara.RoleAdmin)
	must(t, admin.get("/admin/settings"), 200, `name="org_name"`, `value="Acme 株式会社"`)
	form := url.Values{"org_name": {"アクメ株式会社"}, "acknowledge": {"1bd"}, "feedback": {"7d"}, "contact_limit_minutes": {"30"},
		"legal_name": {"株式会社アクメ・ホールディングス"}, "address": {"東京都新宿区西新宿1-1-1"}, "representative": {"代表取締役 山田 一郎"},
		"contact_desk": {"お客様相談室"}, "contact_phone": {"03-1234-5678"}}
	must(t, admin.post("/admin/settings?org=acme", form), http.StatusSeeOther)
	form.Set("org_name", " ")
	must(t, admin.post("/admin/settings?org=acme", form), http.StatusUnprocessableEntity, "入力してください")
	if o, _ := e.st.OrgByID(ctx, e.org.ID); o.Name != "アクメ株式会社" {
		t.Fatalf("name = %q", o.Name)
	}
	anon := e.client()
	must(t, anon.get("/o/acme/report"), 200, "アクメ株式会社", "株式会社アクメ・ホールディングス", "東京都新宿区西新宿1-1-1", "お客様相談室", "03-1234-5678")
	// The subsidiary has set nothing: no empty contact box.
	mustNot(t, anon.get("/o/acme-retail/report"), `id="org-contact"`)
	e.publishedPolicy(t, e.actor(kasuhara.RoleAdmin), kasuhara.PolicyBasic, false, kasuhara.PolicyText{TitleJa: "カスタマーハラスメントに対する基本方針", BodyJa: "当社は従業員を守ります。"})
	must(t, anon.get("/o/acme/policy"), 200, "アクメ株式会社", "お客様相談室", "03-1234-5678")
}

// TestDepartmentHierarchyPages: the admin puts a store under an area; the
// queue's filter on the area shows the store's case, and the department
// lists read as a tree.
func TestDepartmentHierarchyPages(t *testing.T) {
	e := newEnv(t, "sqlite")
	area, err := e.st.CreateDepartment(ctx, kasuhara.CLIActor, e.org.ID, "関東エリア")
	if err != nil {
		t.Fatal(err)
	}
	store, err := e.st.CreateDepartment(ctx, kasuhara.CLIActor, e.org.ID, "新宿店")
	if err != nil {
		t.Fatal(err)
	}
	admin := e.client()
	admin.signInAs(kasuhara.RoleAdmin)
	must(t, admin.post("/admin/departments/"+store.ID+"/parent?org=acme", url.Values{"parent": {area.ID}}), http.StatusSeeOther)
	must(t, admin.post("/admin/departments/"+area.ID+"/parent?org=acme", url.Values{"parent": {store.ID}}), http.StatusUnprocessableEntity,
		"その部署自身またはその下の部署は選べません")
	must(t, admin.get("/admin/departments?org=acme"), 200, "関東エリア", "\u3000新宿店")

	emp := e.actor(kasuhara.RoleEmployee)
	c, err := e.st.FileReport(ctx, emp, kasuhara.Report{OccurredAt: e.srvNow(), Channel: "phone", Conduct: "怒鳴られた", DepartmentID: store.ID,
		Categories: []kasuhara.Category{kasuhara.CatViolenceAbuse}})
	if err != nil {
		t.Fatal(err)
	}
	desk := e.client()
	desk.signInAs(kasuhara.RoleDesk)
	must(t, desk.get("/cases?department="+area.ID), 200, c.Ref, "\u3000新宿店")
}

// TestAreaSupervisorPages: the supervisor of an area counts, lists and
// opens the case of a store below it, and not a case of a department
// outside the area (404); on both engines.
func TestAreaSupervisorPages(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		mk := func(name, parent string) *kasuhara.Department {
			t.Helper()
			d, err := e.st.CreateDepartment(ctx, kasuhara.CLIActor, e.org.ID, name)
			if err != nil {
				t.Fatal(err)
			}
			if parent != "" {
				if err := e.st.SetDepartmentParent(ctx, kasuhara.CLIActor, e.org.ID, d.ID, parent); err != nil {
					t.Fatal(err)
				}
			}
			return d
		}
		area := mk("関東エリア", "")
		store, outside := mk("新宿店", area.ID), mk("梅田店", "")
		if err := e.st.SetMembership(ctx, kasuhara.CLIActor, kasuhara.Membership{UserID: e.users[kasuhara.RoleSupervisor].ID, OrgID: e.org.ID,
			Role: kasuhara.RoleSupervisor, DepartmentID: area.ID}); err != nil {
			t.Fatal(err)
		}
		emp := e.actor(kasuhara.RoleEmployee)
		rep := func(dep, conduct string) kasuhara.Report {
			return kasuhara.Report{OccurredAt: e.srvNow(), Channel: "phone", Conduct: conduct, DepartmentID: dep,
				Categories: []kasuhara.Category{kasuhara.CatViolenceAbuse}}
		}
		mine := e.file(t, emp, rep(store.ID, "新宿店で怒鳴られた"))
		other := e.file(t, emp, rep(outside.ID, "梅田店で怒鳴られた"))
		boss := e.signedIn(kasuhara.RoleSupervisor)
		must(t, boss.get("/"), 200, `id="figure-open" data-count="1"`)
		r := boss.get("/cases")
		must(t, r, 200, mine.Ref)
		mustNot(t, r, other.Ref)
		must(t, boss.get("/cases/"+mine.ID), 200, "新宿店で怒鳴られた")
		r = boss.get("/cases/" + other.ID)
		must(t, r, http.StatusNotFound)
		mustNot(t, r, "梅田店で怒鳴られた")
	})
}
