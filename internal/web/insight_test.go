package web_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/testdb"
	"github.com/xuri/excelize/v2"
)

// insightData files a known set of cases: four insults by phone from the
// shop, one threat in person from the call centre (a group of one), and
// one case in the subsidiary; the reporters' names must appear nowhere.
func insightData(t *testing.T, e *env) (shop, call *kasuhara.Department, subAnalyst *kasuhara.User) {
	t.Helper()
	shop, _ = e.st.CreateDepartment(ctx, kasuhara.CLIActor, e.org.ID, "新宿店")
	call, _ = e.st.CreateDepartment(ctx, kasuhara.CLIActor, e.org.ID, "コールセンター")
	reporter, _ := e.st.CreateUser(ctx, kasuhara.CLIActor, kasuhara.NewUser{Email: "hanako@acme.example", Name: "報告 花子", Password: password, OrgID: e.org.ID,
		Role: kasuhara.RoleEmployee, DepartmentID: shop.ID})
	lone, _ := e.st.CreateUser(ctx, kasuhara.CLIActor, kasuhara.NewUser{Email: "lone@acme.example", Name: "孤独 一郎", Password: password, OrgID: e.org.ID,
		Role: kasuhara.RoleEmployee, DepartmentID: call.ID})
	rv := kasuhara.Actor{UserID: reporter.ID, OrgID: e.org.ID, Role: kasuhara.RoleEmployee, DepartmentID: shop.ID}
	lv := kasuhara.Actor{UserID: lone.ID, OrgID: e.org.ID, Role: kasuhara.RoleEmployee, DepartmentID: call.ID}
	for range 4 {
		if _, err := e.st.FileReport(ctx, rv, kasuhara.Report{OccurredAt: e.srvNow(), Channel: "phone", DepartmentID: shop.ID, Subtypes: []string{"insult"},
			Conduct: "報告 花子への秘密の叙述", Customer: kasuhara.CustomerDetails{Name: "山田 太郎"}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.st.FileReport(ctx, lv, kasuhara.Report{OccurredAt: e.srvNow(), Channel: "in_person", DepartmentID: call.ID, Subtypes: []string{"threat"},
		Conduct: "孤独 一郎への内緒の叙述"}); err != nil {
		t.Fatal(err)
	}
	subEmp, _ := e.st.CreateUser(ctx, kasuhara.CLIActor, kasuhara.NewUser{Email: "sub@retail.example", Name: "子会社 社員", Password: password, OrgID: e.sub.ID, Role: kasuhara.RoleEmployee})
	if _, err := e.st.FileReport(ctx, kasuhara.Actor{UserID: subEmp.ID, OrgID: e.sub.ID, Role: kasuhara.RoleEmployee},
		kasuhara.Report{OccurredAt: e.srvNow(), Channel: "phone", Subtypes: []string{"insult"}, Conduct: "x"}); err != nil {
		t.Fatal(err)
	}
	subAnalyst, _ = e.st.CreateUser(ctx, kasuhara.CLIActor, kasuhara.NewUser{Email: "analyst@retail.example", Name: "子会社 分析", Password: password, OrgID: e.sub.ID, Role: kasuhara.RoleAnalyst})
	return shop, call, subAnalyst
}

var secrets = []string{"報告 花子", "孤独 一郎", "山田 太郎", "秘密の叙述", "内緒の叙述", "hanako@", "lone@"}

func TestStatsAPI(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		shop, call, subAnalyst := insightData(t, e)
		month := kasuhara.StatMonth(time.Now())
		analyst := e.api(kasuhara.RoleAnalyst)
		r := analyst.call("GET", "/api/v1/stats?from="+month+"&to="+month+"&group_by=department", nil)
		// The parent: shop 4, call centre 1 → "<3", and the shop withheld
		// ("*"), or 5 − 4 would give the call centre away.
		must(t, r, http.StatusOK, `"key":"`+shop.ID+`"`, `"label":"新宿店"`, `"count":"*"`, `"key":"`+call.ID+`"`, `"count":"\u003c3"`,
			`"org":"acme-retail"`, `"sum":`, `"total":5`)
		mustNot(t, r, secrets...)
		m := decode(t, r.body)
		sum := m["sum"].(map[string]any)
		if sum["total"] != "*" {
			t.Errorf("group total %v: with the parent's 5 it gives the subsidiary's single case away", sum["total"])
		}
		sub := m["orgs"].([]any)[1].(map[string]any)
		if sub["total"] != "<3" {
			t.Errorf("the subsidiary's single case is shown as %v", sub["total"])
		}
		// Group by month: the same totals.
		must(t, analyst.call("GET", "/api/v1/stats?from="+month+"&to="+month+"&group_by=month", nil), http.StatusOK, `"key":"`+month+`"`)
		// Bad input names the field.
		r = analyst.call("GET", "/api/v1/stats?from=2026-13&group_by=colour", nil)
		must(t, r, http.StatusUnprocessableEntity, `"from"`, `"group_by"`)
		// The subsidiary's analyst sees only the subsidiary.
		_, tok, _ := e.st.CreateToken(ctx, kasuhara.CLIActor, subAnalyst.ID, "t")
		subAPI := &apiClient{c: e.client(), tok: tok}
		r = subAPI.call("GET", "/api/v1/stats?from="+month+"&to="+month+"&group_by=channel", nil)
		must(t, r, http.StatusOK, `"org":"acme-retail"`)
		mustNot(t, r, `"org":"acme"`, `"sum"`)
		must(t, subAPI.call("GET", "/api/v1/stats?org=acme", nil), http.StatusUnprocessableEntity, `"org"`)
		// Who may ask.
		must(t, e.api(kasuhara.RoleDesk).call("GET", "/api/v1/stats", nil), http.StatusOK)
		must(t, e.api(kasuhara.RoleLegal).call("GET", "/api/v1/stats", nil), http.StatusOK)
		for _, role := range []kasuhara.Role{kasuhara.RoleEmployee, kasuhara.RoleSupervisor, kasuhara.RoleAdmin} {
			must(t, e.api(role).call("GET", "/api/v1/stats", nil), http.StatusForbidden)
		}
	})
}

func TestStatsExportsSuppressSmallGroups(t *testing.T) {
	e := newEnv(t, testdb.Engines[0])
	insightData(t, e)
	month := kasuhara.StatMonth(time.Now())
	analyst := e.signedIn(kasuhara.RoleAnalyst)
	q := "?from=" + month + "&to=" + month + "&group_by=department&org=acme"
	// CSV: UTF-8 with BOM, Japanese headers, "<3".
	r := analyst.get("/api/v1/exports/stats.csv" + q + "&lang=ja")
	// The shop's 4 is withheld: with the total of 5 it would give away the
	// call centre's single case.
	must(t, r, http.StatusOK, "組織,部署,件数", "新宿店,*", "コールセンター,<3", "合計,5")
	if !strings.HasPrefix(r.body, "\ufeff") || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") {
		t.Errorf("CSV without BOM or type: %q", r.header.Get("Content-Type"))
	}
	mustNot(t, r, secrets...)
	must(t, analyst.get("/api/v1/exports/stats.csv"+q+"&lang=en"), http.StatusOK, "Organisation,Department,Cases")
	// XLSX: a workbook whose cells hold the same.
	r = analyst.get("/api/v1/exports/stats.xlsx" + q + "&lang=ja")
	must(t, r, http.StatusOK)
	f, err := excelize.OpenReader(bytes.NewReader([]byte(r.body)))
	if err != nil {
		t.Fatalf("not a workbook: %v", err)
	}
	rows, err := f.GetRows(f.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	flat := ""
	for _, row := range rows {
		flat += strings.Join(row, ",") + "\n"
	}
	for _, want := range []string{"組織,部署,件数", "新宿店,*", "コールセンター,<3"} {
		if !strings.Contains(flat, want) {
			t.Errorf("the workbook lacks %q:\n%s", want, flat)
		}
	}
	for _, s := range secrets {
		if strings.Contains(flat, s) {
			t.Errorf("the workbook holds %q", s)
		}
	}
	// The dashboard's charts carry no count for the small group.
	page := analyst.get("/insight?from=" + month + "&to=" + month + "&group_by=department&org=acme")
	must(t, page, http.StatusOK, `id="chart-data"`, "コールセンター (\\u003c3 / *)", `id="stats-table"`)
	mustNot(t, page, secrets...)
	chart := page.body[strings.Index(page.body, `id="chart-data"`):]
	chart = chart[:strings.Index(chart, "</script>")]
	if !strings.Contains(chart, "null") || strings.Contains(chart, `"values":[4,1]`) {
		t.Errorf("the chart data shows the small group: %s", chart)
	}
	// The annual report.
	r = analyst.get("/insight/annual.pdf?year=" + month[:4] + "&org=acme")
	must(t, r, http.StatusOK)
	if r.header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("annual report type %q", r.header.Get("Content-Type"))
	}
	checkPDFText(t, []byte(r.body), "年次報告", "新宿店", "<3", "*")
	// Each export is audited.
	entries, _ := e.st.AuditEntries(ctx, kasuhara.CLIActor, kasuhara.AuditFilter{OrgID: e.org.ID})
	seen := map[string]bool{}
	for _, en := range entries {
		seen[en.Action] = true
	}
	for _, a := range []string{"export.stats_csv", "export.stats_xlsx", "export.annual_pdf"} {
		if !seen[a] {
			t.Errorf("no audit entry %s", a)
		}
	}
}

func TestCaseExports(t *testing.T) {
	e := newEnv(t, testdb.Engines[0])
	shop, _, _ := insightData(t, e)
	desk := e.signedIn(kasuhara.RoleDesk)
	r := desk.get("/api/v1/exports/cases.csv?lang=ja&department=" + shop.ID)
	must(t, r, http.StatusOK, "事案番号,報告日時", "侮辱", "電話", "新宿店")
	if n := strings.Count(r.body, "\r\n"); n != 5 {
		t.Errorf("%d lines, want a header and 4 cases", n)
	}
	mustNot(t, r, secrets...)
	must(t, desk.get("/api/v1/exports/cases.xlsx?lang=en"), http.StatusOK)
	for _, role := range []kasuhara.Role{kasuhara.RoleAnalyst, kasuhara.RoleEmployee, kasuhara.RoleAdmin, kasuhara.RoleSupervisor} {
		c := e.signedIn(role)
		must(t, c.get("/api/v1/exports/cases.csv"), http.StatusForbidden)
	}
	entries, _ := e.st.AuditEntries(ctx, kasuhara.CLIActor, kasuhara.AuditFilter{OrgID: e.org.ID})
	n := 0
	for _, en := range entries {
		if strings.HasPrefix(en.Action, "export.cases") {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d case exports audited, want 2", n)
	}
}

func TestRetentionPage(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		legal := e.signedIn(kasuhara.RoleLegal)
		must(t, legal.get("/retention"), http.StatusOK, `id="nothing-expiring"`)
		r := legal.post("/retention/rules", map[string][]string{"state": {"closed"}, "verdict": {"legitimate_complaint"}, "keep_months": {"0"}})
		must(t, r, http.StatusBadRequest, "field-error", "1200")
		must(t, legal.post("/retention/rules", map[string][]string{"state": {"closed"}, "verdict": {"legitimate_complaint"}, "keep_months": {"12"}}), http.StatusSeeOther)
		must(t, legal.post("/retention/rules", map[string][]string{"state": {"closed"}, "verdict": {"legitimate_complaint"}, "keep_months": {"24"}}), http.StatusBadRequest, "field-error")
		// A closed complaint with a photo.
		empV := e.actor(kasuhara.RoleEmployee)
		deskV := e.actor(kasuhara.RoleDesk)
		c := e.file(t, empV, kasuhara.Report{OccurredAt: e.srvNow(), Channel: "phone", Subtypes: []string{"insult"}, Conduct: "消える叙述"})
		e.closeCase(t, deskV, c, complaint)
		// Eleven and a half months later it is on the warning list; legal holds it and releases it.
		// (The case is made older rather than the clock newer: sessions
		// keep to the store's clock.)
		age := func(closed time.Time) {
			err := e.db.Tx(ctx, func(tx *sqldb.Tx) error {
				_, err := tx.ExecContext(ctx, "UPDATE cases SET closed_at = $1 WHERE id = $2", closed, c.ID)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		age(time.Now().AddDate(0, -11, -15))
		must(t, legal.get("/retention"), http.StatusOK, c.Ref)
		must(t, legal.post("/retention/holds", map[string][]string{"case": {"K-1999-99999"}, "reason": {"x"}}), http.StatusBadRequest, "field-error")
		must(t, legal.post("/retention/holds", map[string][]string{"case": {c.Ref}, "reason": {"調査中"}}), http.StatusSeeOther)
		page := legal.get("/retention")
		must(t, page, http.StatusOK, "調査中")
		// A year and a month later, purge now: the held case stays.
		age(time.Now().AddDate(-1, -1, 0))
		must(t, legal.post("/retention/purge", nil), http.StatusSeeOther)
		must(t, legal.get("/cases/"+c.ID), http.StatusOK)
		hs, _ := e.st.Holds(ctx, e.actor(kasuhara.RoleLegal))
		must(t, legal.post("/retention/holds/"+hs[0].ID+"/release", nil), http.StatusSeeOther)
		must(t, legal.post("/retention/purge", nil), http.StatusSeeOther)
		must(t, legal.get("/cases/"+c.ID), http.StatusNotFound)
		if _, problem, err := e.st.VerifyAudit(ctx); err != nil || problem != nil {
			t.Fatalf("audit: %v %+v", err, problem)
		}
		// Only legal.
		for _, role := range []kasuhara.Role{kasuhara.RoleDesk, kasuhara.RoleAdmin, kasuhara.RoleEmployee, kasuhara.RoleAnalyst} {
			c := e.signedIn(role)
			must(t, c.get("/retention"), http.StatusForbidden)
			must(t, c.post("/retention/purge", nil), http.StatusForbidden)
		}
	})
}

// TestStatsOverHierarchyAPIAndPage: the shop and the call centre under one
// area; the API filtered by the area counts both, rolled up to the area's
// level shows one line of 5; the page offers the department and the level;
// the subsidiary's department is not a department here; the reporters'
// names appear nowhere.
func TestStatsOverHierarchyAPIAndPage(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		shop, call, _ := insightData(t, e)
		area, err := e.st.CreateDepartment(ctx, kasuhara.CLIActor, e.org.ID, "関東エリア")
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range []string{shop.ID, call.ID} {
			if err := e.st.SetDepartmentParent(ctx, kasuhara.CLIActor, e.org.ID, d, area.ID); err != nil {
				t.Fatal(err)
			}
		}
		month := kasuhara.StatMonth(time.Now())
		analyst := e.api(kasuhara.RoleAnalyst)
		base := "/api/v1/stats?org=acme&from=" + month + "&to=" + month
		r := analyst.call("GET", base+"&group_by=channel&department="+area.ID, nil)
		must(t, r, http.StatusOK, `"total":5`, `"key":"phone"`)
		mustNot(t, r, append(secrets, `"sum"`)...)
		r = analyst.call("GET", base+"&group_by=department&level=1", nil)
		must(t, r, http.StatusOK, `"key":"`+area.ID+`"`, `"label":"関東エリア"`, `"count":5`)
		mustNot(t, r, `"key":"`+shop.ID+`"`, `"key":"`+call.ID+`"`)
		// The stores on their own: the call centre's one case is "<3" and
		// the shop withheld, or the area's 5 minus 4 would give it.
		r = analyst.call("GET", base+"&group_by=department&department="+area.ID, nil)
		must(t, r, http.StatusOK, `"count":"\u003c3"`, `"count":"*"`)
		mustNot(t, r, `"count":4`)
		sub, err := e.st.CreateDepartment(ctx, kasuhara.CLIActor, e.sub.ID, "子会社の店")
		if err != nil {
			t.Fatal(err)
		}
		must(t, analyst.call("GET", base+"&group_by=channel&department="+sub.ID, nil), http.StatusUnprocessableEntity, `"department"`)
		must(t, analyst.call("GET", base+"&group_by=department&level=x", nil), http.StatusUnprocessableEntity, `"level"`)
		page := e.signedIn(kasuhara.RoleAnalyst)
		r = page.get("/insight?org=acme&group_by=department&level=1&from=" + month + "&to=" + month)
		must(t, r, http.StatusOK, `id="department"`, `id="level"`, `<option value="1" selected>`, "関東エリア")
		r = page.get("/insight?org=acme&group_by=channel&department=" + area.ID + "&from=" + month + "&to=" + month)
		must(t, r, http.StatusOK, `id="insight-department"`, `id="fig-total">5<`)
		mustNot(t, r, append(secrets, `id="fig-open"`)...)
		r = page.get("/api/v1/exports/stats.csv?org=acme&group_by=department&department=" + area.ID + "&from=" + month + "&to=" + month)
		must(t, r, http.StatusOK, "新宿店,*", "コールセンター,<3", "Total,5")
	})
}
