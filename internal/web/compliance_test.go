package web_test

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/starter"
)

// complianceAPI is the part of GET /api/v1/compliance the test reads.
type complianceAPI struct {
	AuditHash string `json:"audit_hash"`
	Orgs      []struct {
		Slug     string `json:"slug"`
		Measures []struct {
			Measure  string `json:"measure"`
			Title    string `json:"title"`
			Status   string `json:"status"`
			NAReason string `json:"not_applicable_reason"`
			Evidence []struct {
				Key, Label, Value, Link string
			} `json:"evidence"`
			Missing []struct {
				Key, Text string
				Names     []string
			} `json:"missing"`
		} `json:"measures"`
	} `json:"orgs"`
	Group *struct {
		Measures []struct {
			Measure, Status string
		} `json:"measures"`
	} `json:"group"`
}

// TestComplianceAPIAndPage is issue 22's compliance page and API: each
// measure of the law with its status and evidence for legal, analyst and
// admin (and the group of a parent), never for the other roles; the names
// of those missing for legal and admin only; the administrator's "not
// applicable" with its reason; the PDF report in both languages.
func TestComplianceAPIAndPage(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		admin := e.actor(kasuhara.RoleAdmin)
		doc, err := e.st.CreatePolicy(ctx, admin, kasuhara.PolicyBasic, false, starter.Policy("basic_policy", starter.Params{Company: e.org.Name, ContactLimitMinutes: 30}))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.st.Publish(ctx, admin, doc.ID); err != nil {
			t.Fatal(err)
		}
		for _, r := range []kasuhara.Role{kasuhara.RoleEmployee, kasuhara.RoleSupervisor, kasuhara.RoleDesk} {
			c := e.signedIn(r)
			must(t, c.get("/compliance"), 403)
			must(t, c.get("/api/v1/compliance"), 403)
			must(t, c.get("/compliance/report.pdf"), 403)
			mustNot(t, c.get("/"), `id="nav-compliance"`)
		}

		read := func(r kasuhara.Role) complianceAPI {
			t.Helper()
			res := e.signedIn(r).get("/api/v1/compliance")
			must(t, res, 200)
			var got complianceAPI
			if err := json.Unmarshal([]byte(res.body), &got); err != nil {
				t.Fatal(err)
			}
			return got
		}
		for _, r := range []kasuhara.Role{kasuhara.RoleLegal, kasuhara.RoleAnalyst, kasuhara.RoleAdmin} {
			got := read(r)
			if len(got.Orgs) != 2 || got.Group == nil || got.AuditHash == "" {
				t.Fatalf("%s: %d organisations, group %v, head %q", r, len(got.Orgs), got.Group, got.AuditHash)
			}
			var measures []string
			for _, m := range got.Orgs[0].Measures {
				measures = append(measures, m.Measure)
				if !slices.Contains([]string{"met", "partly", "not_met", "not_applicable"}, m.Status) || m.Title == "" || len(m.Evidence) == 0 {
					t.Errorf("%s: measure %+v has no status, title or evidence", r, m)
				}
				for _, f := range m.Evidence {
					if f.Label == "" || f.Value == "" {
						t.Errorf("%s: %s evidence %+v without label or value", r, m.Measure, f)
					}
				}
			}
			if !slices.Equal(measures, kasuhara.ComplianceMeasures) {
				t.Errorf("%s: measures %v, want %v", r, measures, kasuhara.ComplianceMeasures)
			}
			policy := got.Orgs[0].Measures[0]
			if policy.Measure != "policy" || policy.Status != "partly" || len(policy.Missing) != 1 {
				t.Fatalf("%s: the published, unacknowledged policy: %+v", r, policy)
			}
			names := policy.Missing[0].Names
			if r == kasuhara.RoleAnalyst && len(names) > 0 {
				t.Errorf("the analyst reads who did not acknowledge: %v", names)
			}
			if r != kasuhara.RoleAnalyst && !slices.Contains(names, "User employee") {
				t.Errorf("%s does not read who did not acknowledge: %v", r, names)
			}
			if got.Orgs[1].Measures[0].Status != "not_met" || got.Group.Measures[0].Status != "partly" {
				t.Errorf("%s: the subsidiary has no policy (%s), so the group is partly (%s)", r, got.Orgs[1].Measures[0].Status, got.Group.Measures[0].Status)
			}
		}
		analyst := e.signedIn(kasuhara.RoleAnalyst)
		must(t, analyst.get("/api/v1/compliance?org=acme-retail"), 200, `"slug":"acme-retail"`)
		mustNot(t, analyst.get("/api/v1/compliance?org=acme-retail"), `"group"`, `"slug":"acme"`)
		must(t, analyst.get("/api/v1/compliance?org=nowhere"), 422, "org")

		// The page, in both languages, with the nav link; the analyst
		// has no form to set a measure not applicable.
		page := analyst.get("/compliance")
		must(t, page, 200, `id="nav-compliance"`, "方針の明確化と周知", "一部実施", "グループ全体", "Acme Retail", `data-measure="cooperation"`, "対象外")
		mustNot(t, page, `id="na-form"`, "User employee")
		en := e.signedIn(kasuhara.RoleLegal)
		en.header.Set("Accept-Language", "en")
		must(t, en.get("/compliance"), 200, "Policy published and made known", "Partly met", "User employee")

		// The admin marks the check-ins not applicable, with a reason; a
		// reason too long is refused naming the field.
		adm := e.signedIn(kasuhara.RoleAdmin)
		must(t, adm.get("/compliance"), 200, `id="na-form"`)
		must(t, adm.post("/compliance/not-applicable", url.Values{"measure": {"checkins"}, "reason": {strings.Repeat("長", kasuhara.MaxNAReason+1)}}), 400, `id="error-summary"`)
		must(t, adm.post("/compliance/not-applicable", url.Values{"measure": {"bogus"}, "reason": {"x"}}), 400)
		must(t, adm.post("/compliance/not-applicable", url.Values{"measure": {"checkins"}, "reason": {"記名の報告を受け付けていない"}}), 303)
		got := read(kasuhara.RoleAnalyst)
		for _, m := range got.Orgs[0].Measures {
			if m.Measure == "checkins" && (m.Status != "not_applicable" || m.NAReason != "記名の報告を受け付けていない") {
				t.Errorf("check-ins after the admin's choice: %+v", m)
			}
		}
		must(t, e.signedIn(kasuhara.RoleLegal).post("/compliance/not-applicable", url.Values{"measure": {"checkins"}, "reason": {""}}), 403)

		// The report, in Japanese and English.
		for _, lang := range []string{"ja", "en"} {
			res := analyst.get("/compliance/report.pdf?lang=" + lang)
			must(t, res, 200, "%PDF-")
			if ct := res.header.Get("Content-Type"); ct != "application/pdf" {
				t.Errorf("%s report: Content-Type %q", lang, ct)
			}
		}
		es, err := e.st.AuditEntries(ctx, kasuhara.CLIActor, kasuhara.AuditFilter{OrgID: e.org.ID, Action: "export.compliance_pdf"})
		if err != nil || len(es) != 2 {
			t.Errorf("the report's downloads audited: %d, %v", len(es), err)
		}
	})
}
