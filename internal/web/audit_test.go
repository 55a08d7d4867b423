package web_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kasuhara/kasuhara"
)

var uuidRE = regexp.MustCompile(`(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// auditTable is the audit page's table, the entries a person reads.
func auditTable(t *testing.T, r resp) string {
	t.Helper()
	i, j := strings.Index(r.body, `id="audit"`), strings.LastIndex(r.body, "</table>")
	if i < 0 || j < i {
		t.Fatalf("no audit table:\n%.2000s", r.body)
	}
	return html.UnescapeString(r.body[i:j])
}

// TestAuditPage reads the audit trail as the admin: people and cases by
// name and number (no id), filters by actor, action, object and day, pages
// beyond the first 200, and a CSV export that is itself audited.
func TestAuditPage(t *testing.T) {
	e := newEnv(t, "sqlite")
	emp := e.actor(kasuhara.RoleEmployee)
	c, err := e.st.FileReport(ctx, emp, kasuhara.Report{OccurredAt: e.srvNow(), Channel: "phone", Conduct: "大声で怒鳴られた", Categories: []kasuhara.Category{kasuhara.CatViolenceAbuse}})
	if err != nil {
		t.Fatal(err)
	}
	adm := e.actor(kasuhara.RoleAdmin)
	for i := range 205 {
		name := fmt.Sprintf("店舗%03d", i)
		if i == 0 {
			name = "=HYPERLINK(\"http://evil.example\")"
		}
		if _, err := e.st.CreateDepartment(ctx, adm, e.org.ID, name); err != nil {
			t.Fatal(err)
		}
	}
	admin := e.client()
	admin.signInAs(kasuhara.RoleAdmin)

	r := admin.get("/admin/audit")
	must(t, r, 200, "店舗204", "User admin", "id=\"audit-older\"")
	if ids := uuidRE.FindAllString(auditTable(t, r), -1); len(ids) > 0 {
		t.Fatalf("the audit table shows internal ids: %v", ids)
	}

	// The case by its number; the reporter by name.
	r = admin.get("/admin/audit?object=" + url.QueryEscape(strings.ToLower(strings.ReplaceAll(c.Ref, "-", ""))))
	must(t, r, 200, c.Ref, "User employee", "事案の作成")
	if strings.Contains(auditTable(t, r), "店舗") {
		t.Fatal("the object filter kept entries of other objects")
	}
	mustNot(t, r, "大声で怒鳴られた")
	r = admin.get("/admin/audit?object=" + url.QueryEscape("どこにもない店"))
	must(t, r, http.StatusUnprocessableEntity, "該当する名前や番号が見つかりません")
	must(t, admin.get("/admin/audit?action=nothing.such"), http.StatusUnprocessableEntity)
	must(t, admin.get("/admin/audit?actor="+e.subAdm.ID), http.StatusUnprocessableEntity, "組織のメンバーではありません")
	must(t, admin.get("/admin/audit?since=2026-13-01"), http.StatusUnprocessableEntity)

	// By actor: the employee's sign-in is not there; they never signed in.
	r = admin.get("/admin/audit?actor=" + e.users[kasuhara.RoleEmployee].ID)
	must(t, r, 200, "事案の作成")
	if strings.Contains(auditTable(t, r), "部署の作成") {
		t.Fatal("the actor filter kept another person's entries")
	}
	// A family of actions, and days: nothing before today, all of it today.
	today := e.srvNow().In(kasuhara.JST).Format("2006-01-02")
	r = admin.get("/admin/audit?action=case.&since=" + today + "&until=" + today)
	must(t, r, 200, "事案の作成")
	if strings.Contains(auditTable(t, r), "部署の作成") {
		t.Fatal("the action family kept other actions")
	}
	r = admin.get("/admin/audit?action=case.&until=2020-01-01")
	must(t, r, 200, "記録はまだありません")

	// Paging: 205 departments, 200 on the first page, 5 on the next.
	r = admin.get("/admin/audit?action=department.create")
	if n := strings.Count(auditTable(t, r), "<tr>") - 1; n != 200 {
		t.Fatalf("first page has %d entries, want 200", n)
	}
	older := regexp.MustCompile(`id="audit-older" href="([^"]+)"`).FindStringSubmatch(r.body)
	if older == nil {
		t.Fatal("no link to older entries")
	}
	r = admin.get(html.UnescapeString(older[1]))
	must(t, r, 200, "店舗003", "最新の記録に戻る")
	mustNot(t, r, "id=\"audit-older\"", "店舗005")
	if n := strings.Count(auditTable(t, r), "<tr>") - 1; n != 5 {
		t.Fatalf("second page has %d entries, want 5", n)
	}

	// The export: every matching entry, formula cells escaped, audited.
	r = admin.get("/admin/audit.csv?action=department.create")
	must(t, r, 200, "店舗204", "店舗001", "'=HYPERLINK")
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("content type %q", ct)
	}
	if lines := strings.Count(r.body, "\r\n"); lines != 206 {
		t.Fatalf("export has %d lines, want a header and 205 entries", lines)
	}
	if uuidRE.MatchString(r.body) {
		t.Fatal("the export carries internal ids")
	}
	es, err := e.st.AuditEntries(ctx, kasuhara.CLIActor, kasuhara.AuditFilter{OrgID: e.org.ID, Action: "export.audit_csv"})
	if err != nil || len(es) != 1 || es[0].ActorID != adm.UserID || !strings.Contains(es[0].Detail, `"rows":205`) {
		t.Fatalf("the export's audit entry: %+v, %v", es, err)
	}
	must(t, admin.get("/admin/audit?action=export."), 200, "監査ログの出力（CSV）")

	// Roles that may not read the trail may not export it.
	analyst := e.client()
	analyst.signInAs(kasuhara.RoleAnalyst)
	must(t, analyst.get("/admin/audit.csv"), http.StatusForbidden)
}
