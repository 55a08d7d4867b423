package main

import (
	"context"
	"strings"
	"testing"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/testdb"
)

// TestSSOCommand: the operator maps a group to the desk (which the admin
// may not alone) and marks an emergency administrator, on both engines.
func TestSSOCommand(t *testing.T) {
	testdb.Each(t, func(t *testing.T, eng sqldb.Engine) {
		c := newCLI(t, eng)
		c.ok("", "org", "create", "--slug", "acme", "--name", "Acme")
		c.ok("", "org", "create", "--slug", "acme-retail", "--name", "Acme Retail", "--parent", "acme")
		c.ok("pw-long-enough-1\n", "user", "create", "--email", "admin@acme.example", "--name", "管理", "--role", "admin", "--org", "acme")
		c.ok("", "sso", "map", "--org", "acme", "--group", "Consultation desk", "--role", "desk", "--target", "acme-retail")
		c.ok("", "sso", "emergency", "--org", "acme", "--email", "admin@acme.example")
		for _, tt := range []struct {
			args []string
			want string
		}{
			{[]string{"sso"}, "usage"},
			{[]string{"sso", "map", "--org", "acme", "--role", "desk"}, "--group"},
			{[]string{"sso", "map", "--org", "acme", "--group", "X", "--role", "boss"}, "--role"},
			{[]string{"sso", "map", "--org", "acme", "--group", "Consultation desk", "--role", "desk", "--target", "acme-retail"}, "sso map"},
		} {
			_, errs, err := c.run("", tt.args...)
			if err == nil || !strings.Contains(err.Error()+errs, tt.want) {
				t.Errorf("kasuhara %v: %v %s; want an error naming %s", tt.args, err, errs, tt.want)
			}
		}
		st := c.store()
		o, _ := st.OrgBySlug(context.Background(), "acme")
		gs, err := st.GroupRoles(context.Background(), kasuhara.CLIActor, o.ID)
		if err != nil || len(gs) != 1 || gs[0].Role != kasuhara.RoleDesk || gs[0].TargetOrgName != "Acme Retail" {
			t.Fatalf("mappings %+v, %v", gs, err)
		}
		u, _ := st.UserByEmail(context.Background(), "admin@acme.example")
		if ok, err := st.PasswordAllowed(context.Background(), u.ID); !ok || err != nil {
			t.Fatalf("PasswordAllowed = %v, %v", ok, err)
		}
	})
}
