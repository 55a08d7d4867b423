package store_test

import (
	"slices"
	"testing"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/access"
)

// TestServicesCheckTheMatrix: the services that used to trust the page to
// check the role refuse a role the access matrix does not allow, and an
// organisation out of the actor's reach is not found.
func TestServicesCheckTheMatrix(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		sub, err := d.s.CreateOrg(ctx, kasuhara.CLIActor, kasuhara.NewOrg{Slug: "sub", Name: "Sub", ParentSlug: d.org.Slug})
		if err != nil {
			t.Fatal(err)
		}
		subAdmin := kasuhara.Actor{UserID: "sub-admin", OrgID: sub.ID, Role: kasuhara.RoleAdmin}
		settings := func(org string) kasuhara.OrgSettings {
			return kasuhara.OrgSettings{OrgID: org, Acknowledge: "1bd", Feedback: "7d", ContactLimitMinutes: 30, ReviewIncidents: 3, ReviewWindowDays: 90}
		}
		text := kasuhara.PolicyText{TitleJa: "方針", TitleEn: "Policy", BodyJa: "本文", BodyEn: "Body"}
		for _, who := range []string{"clerk", "shopboss", "desk1", "legal", "analyst"} {
			v := d.people[who]
			checks := map[string]error{
				"SaveSettings":     d.s.SaveSettings(ctx, v, settings(d.org.ID)),
				"RenameDepartment": second(d.s.RenameDepartment(ctx, v, d.org.ID, d.shop.ID, "x")),
				"CreateDepartment": second(d.s.CreateDepartment(ctx, v, d.org.ID, "x")),
				"CreatePolicy":     second(d.s.CreatePolicy(ctx, v, kasuhara.PolicyBasic, false, text)),
				"SaveCourse":       second(d.s.SaveCourse(ctx, v, kasuhara.Course{TitleJa: "研修", TitleEn: "Course", PassMark: 80})),
				"LetterTemplates":  second(d.s.LetterTemplates(ctx, v)),
				"RemovalTemplates": second(d.s.RemovalTemplates(ctx, v)),
			}
			for name, err := range checks {
				if want := kasuhara.EFORBIDDEN; (name == "LetterTemplates" && who == "legal") ||
					(name == "RemovalTemplates" && (who == "desk1" || who == "legal")) {
					if err != nil {
						t.Errorf("%s as %s: %v", name, who, err)
					}
				} else if kasuhara.ErrorCode(err) != want {
					t.Errorf("%s as %s: %v, want %s", name, who, err, want)
				}
			}
		}
		if err := d.s.SaveSettings(ctx, subAdmin, settings(d.org.ID)); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Errorf("a subsidiary's admin saves the parent's settings: %v", err)
		}
		if _, err := d.s.CreateDepartment(ctx, d.people["admin2"], d.other.ID, "x"); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Errorf("an admin creates a department in an unrelated organisation: %v", err)
		}
		if err := d.s.SaveSettings(ctx, d.people["admin2"], settings(sub.ID)); err != nil {
			t.Errorf("the parent's admin saves the subsidiary's settings: %v", err)
		}
		if _, err := d.s.PurgeNow(ctx, d.people["desk1"], func(string) error { return nil }); kasuhara.ErrorCode(err) != kasuhara.EFORBIDDEN {
			t.Errorf("the desk purges: %v", err)
		}
		if err := d.s.RecordExport(ctx, d.people["shopboss"], "cases.csv", 1, nil); kasuhara.ErrorCode(err) != kasuhara.EFORBIDDEN {
			t.Errorf("a supervisor exports cases: %v", err)
		}
	})
}

// TestReadersCheckTheMatrix: the figures, the acknowledgement report and
// the audit trail, which used to trust the page to check, refuse a role the
// matrix does not allow, and an organisation out of reach is not found.
func TestReadersCheckTheMatrix(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		sub, err := d.s.CreateOrg(ctx, kasuhara.CLIActor, kasuhara.NewOrg{Slug: "sub", Name: "Sub", ParentSlug: d.org.Slug})
		if err != nil {
			t.Fatal(err)
		}
		subAdmin := kasuhara.Actor{UserID: "sub-admin", OrgID: sub.ID, Role: kasuhara.RoleAdmin}
		c := d.file(t, d.people["clerk"], report(d.shop.ID, "怒鳴られた", "shouting"))
		if err := d.s.SetConfidential(ctx, d.people["clerk"], c.ID, true); err != nil {
			t.Fatal(err)
		}
		q := kasuhara.StatsQuery{From: "2020-01", To: "2099-12", GroupBy: "state"}
		people := map[string]kasuhara.Actor{"admin": d.actor}
		for _, who := range []string{"clerk", "shopboss", "desk1", "legal", "analyst"} {
			people[who] = d.people[who]
		}
		allowed := map[string][]string{
			"Stats":        {"desk1", "legal", "analyst"},
			"Dashboard":    {"desk1", "legal", "analyst"},
			"AckReports":   {"legal", "admin"},
			"AuditEntries": {"legal", "admin"},
			// A case's handlers; the admin as part of the organisation's
			// trail (without the reporters' choices, below).
			"case's trail":    {"desk1", "legal", "admin"},
			"group's figures": {"desk1", "legal", "analyst"},
		}
		for who, v := range people {
			checks := map[string]error{
				"Stats":           second(d.s.Stats(ctx, v, []string{d.org.ID}, q)),
				"Dashboard":       second(d.s.Dashboard(ctx, v, []string{d.org.ID}, q)),
				"AckReports":      second(d.s.AckReports(ctx, v, d.org.ID)),
				"AuditEntries":    second(d.s.AuditEntries(ctx, v, kasuhara.AuditFilter{OrgID: d.org.ID})),
				"case's trail":    second(d.s.AuditEntries(ctx, v, kasuhara.AuditFilter{ObjectType: "case", ObjectID: c.ID})),
				"group's figures": second(d.s.Stats(ctx, v, []string{d.org.ID, sub.ID}, q)),
			}
			for name, err := range checks {
				if slices.Contains(allowed[name], who) {
					if err != nil {
						t.Errorf("%s as %s: %v", name, who, err)
					}
				} else if code := kasuhara.ErrorCode(err); code != kasuhara.EFORBIDDEN && code != kasuhara.ENOTFOUND {
					t.Errorf("%s as %s: %v, want a refusal", name, who, err)
				}
			}
		}
		// Out of reach: another organisation, or the parent seen from a
		// subsidiary, is not found.
		other := d.people["otherdesk"]
		if _, err := d.s.Stats(ctx, other, []string{d.org.ID}, q); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Errorf("another organisation's desk reads the figures: %v", err)
		}
		if _, err := d.s.Dashboard(ctx, other, []string{other.OrgID, d.org.ID}, q); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Errorf("another organisation's desk reads the dashboard of a group it is not in: %v", err)
		}
		if _, err := d.s.AckReports(ctx, subAdmin, d.org.ID); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Errorf("a subsidiary's admin reads the parent's acknowledgements: %v", err)
		}
		if _, err := d.s.AuditEntries(ctx, subAdmin, kasuhara.AuditFilter{OrgID: d.org.ID}); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Errorf("a subsidiary's admin reads the parent's audit trail: %v", err)
		}
		if _, err := d.s.AuditEntries(ctx, other, kasuhara.AuditFilter{ObjectType: "case", ObjectID: c.ID}); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Errorf("another organisation's desk reads a case's trail: %v", err)
		}
		// The filter's role does not widen what the actor reads: the
		// admin never sees who chose confidentiality.
		es, err := d.s.AuditEntries(ctx, d.actor, kasuhara.AuditFilter{OrgID: d.org.ID, Role: kasuhara.RoleLegal, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			if slices.Contains(access.LegalOnlyAudit, e.Action) {
				t.Errorf("the admin reads %s with a filter naming legal", e.Action)
			}
		}
		es, err = d.s.AuditEntries(ctx, d.people["legal"], kasuhara.AuditFilter{OrgID: d.org.ID, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(es, func(e kasuhara.AuditEntry) bool { return e.Action == "case.confidential" }) {
			t.Error("legal does not read the reporter's choice of confidentiality")
		}
		// A case's trail for its desk handler (the evidence package)
		// leaves the reporter's choices out too; legal's holds them.
		trail := func(v kasuhara.Actor) bool {
			t.Helper()
			es, err := d.s.AuditEntries(ctx, v, kasuhara.AuditFilter{ObjectType: "case", ObjectID: c.ID, Role: kasuhara.RoleLegal})
			if err != nil {
				t.Fatal(err)
			}
			return slices.ContainsFunc(es, func(e kasuhara.AuditEntry) bool { return e.Action == "case.confidential" })
		}
		if trail(d.people["desk1"]) {
			t.Error("the desk reads the reporter's choice of confidentiality in the case's trail")
		}
		if !trail(d.people["legal"]) {
			t.Error("legal does not read the reporter's choice of confidentiality in the case's trail")
		}
		// Without an organisation, the actor's own is read, never all.
		es, err = d.s.AuditEntries(ctx, d.actor, kasuhara.AuditFilter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			if e.OrgID != d.org.ID {
				t.Errorf("the admin reads an entry of %s without naming it", e.OrgID)
			}
		}
		// The parent's people read the subsidiary's figures and trail.
		if _, err := d.s.AuditEntries(ctx, d.actor, kasuhara.AuditFilter{OrgID: sub.ID}); err != nil {
			t.Errorf("the parent's admin reads the subsidiary's trail: %v", err)
		}
	})
}

func second[T any](_ T, err error) error { return err }
