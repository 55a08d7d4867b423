package store_test

import (
	"testing"

	"github.com/kasuhara/kasuhara"
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

func second[T any](_ T, err error) error { return err }
