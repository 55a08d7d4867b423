package store_test

import (
	"testing"

	"github.com/kasuhara/kasuhara"
)

// TestImportUsers: a CSV import checks every line first; one wrong line
// imports nobody; a dry run writes nothing; desk, legal and admin are never
// given in bulk; a clean import adds everyone with a one-time password and
// an audit entry each.
func TestImportUsers(t *testing.T) {
	onDesk(t, func(t *testing.T, d desk) {
		good := []kasuhara.UserImportRow{
			{Line: 2, Email: "Hanako@Example.jp", Name: "山田 花子", Role: "employee", Department: "新宿店", Language: "ja"},
			{Line: 3, Email: "taro@example.jp", Name: "佐藤 太郎", Role: "supervisor", Department: "新宿店"},
			{Line: 4, Email: "ana@example.jp", Name: "分析 一郎", Role: "analyst"},
		}
		bad := append(append([]kasuhara.UserImportRow{}, good...),
			kasuhara.UserImportRow{Line: 5, Email: "desk9@example.jp", Name: "窓口 九郎", Role: "desk"},
			kasuhara.UserImportRow{Line: 6, Email: "taro@example.jp", Name: "同じ 太郎", Role: "employee"},
			kasuhara.UserImportRow{Line: 7, Email: "clerk@example.jp", Name: "既存", Role: "employee"},
			kasuhara.UserImportRow{Line: 8, Email: "x@example.jp", Name: "", Role: "employee", Department: "存在しない店"},
			kasuhara.UserImportRow{Line: 9, Email: "not-an-address", Name: "名前", Role: "boss", Language: "fr"},
		)
		res, err := d.s.ImportUsers(ctx, d.actor, d.org.ID, bad, false)
		if err != nil {
			t.Fatal(err)
		}
		if res.Imported || res.Problems != 5 {
			t.Fatalf("imported %v with %d problem lines, want nothing imported and 5", res.Imported, res.Problems)
		}
		want := map[int][]string{5: {"role"}, 6: {"email"}, 7: {"email"}, 8: {"name", "department"}, 9: {"email", "role", "language"}}
		for _, l := range res.Lines {
			for _, f := range want[l.Line] {
				if _, ok := l.Problems[f]; !ok {
					t.Errorf("line %d: problems %v, want one for %s", l.Line, l.Problems, f)
				}
			}
			if len(want[l.Line]) == 0 && len(l.Problems) > 0 {
				t.Errorf("line %d: unexpected problems %v", l.Line, l.Problems)
			}
			if l.Password != "" {
				t.Errorf("line %d: a password for a refused import", l.Line)
			}
		}
		for _, email := range []string{"hanako@example.jp", "taro@example.jp", "ana@example.jp"} {
			if _, err := d.s.UserByEmail(ctx, email); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
				t.Fatalf("%s was added by an import with wrong lines", email)
			}
		}
		// The dry run of the good lines: right, and still nothing written.
		res, err = d.s.ImportUsers(ctx, d.actor, d.org.ID, good, true)
		if err != nil || res.Problems != 0 || res.Imported {
			t.Fatalf("dry run = %+v, %v", res, err)
		}
		if _, err := d.s.UserByEmail(ctx, "hanako@example.jp"); kasuhara.ErrorCode(err) != kasuhara.ENOTFOUND {
			t.Fatal("the dry run added a person")
		}
		// Only an admin of the organisation may import.
		if _, err := d.s.ImportUsers(ctx, d.people["desk1"], d.org.ID, good, true); kasuhara.ErrorCode(err) != kasuhara.EFORBIDDEN {
			t.Fatalf("a desk member imported: %v", err)
		}
		other := d.people["otherdesk"]
		other.Role = kasuhara.RoleAdmin
		if _, err := d.s.ImportUsers(ctx, other, d.org.ID, good, true); err == nil {
			t.Fatal("another organisation's admin imported")
		}
		wantField(t, func() error { _, err := d.s.ImportUsers(ctx, d.actor, d.org.ID, nil, true); return err }(), "file")

		res, err = d.s.ImportUsers(ctx, d.actor, d.org.ID, good, false)
		if err != nil || !res.Imported {
			t.Fatalf("import = %+v, %v", res, err)
		}
		ms, err := d.s.Members(ctx, d.org.ID)
		if err != nil {
			t.Fatal(err)
		}
		roles := map[string]kasuhara.Role{}
		deps := map[string]string{}
		for _, m := range ms {
			roles[m.User.Email], deps[m.User.Email] = m.Role, m.DepartmentID
		}
		if roles["hanako@example.jp"] != kasuhara.RoleEmployee || roles["taro@example.jp"] != kasuhara.RoleSupervisor || roles["ana@example.jp"] != kasuhara.RoleAnalyst ||
			deps["hanako@example.jp"] != d.shop.ID || deps["ana@example.jp"] != "" {
			t.Fatalf("roles %v, departments %v", roles, deps)
		}
		for _, l := range res.Lines {
			u, err := d.s.Authenticate(ctx, l.Email, l.Password)
			if err != nil || !u.MustChangePassword {
				t.Fatalf("line %d: signing in with the one-time password: %v", l.Line, err)
			}
		}
		es, _ := d.s.AuditEntries(ctx, kasuhara.CLIActor, kasuhara.AuditFilter{OrgID: d.org.ID, Action: "user.create", ActorID: d.admin.ID})
		if len(es) < 3 {
			t.Fatalf("audit: %d user.create entries by the admin, want 3", len(es))
		}
		// Imported again: every address is taken now.
		res, err = d.s.ImportUsers(ctx, d.actor, d.org.ID, good, false)
		if err != nil || res.Imported || res.Problems != 3 {
			t.Fatalf("second import = %+v, %v", res, err)
		}
	})
}
