package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/config"
	"github.com/kasuhara/kasuhara/internal/store"
)

// ssoCmd is the operator's part of company sign-in: the group mappings
// to desk and legal, whose grant needs a second person and so is not the
// admin's alone, and the emergency administrators.
func ssoCmd(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || (args[0] != "map" && args[0] != "emergency") {
		return usagef("sso: usage: kasuhara sso map --org SLUG --group G --role ROLE [--target SLUG] [--department D] | sso emergency --org SLUG --email E [--off]")
	}
	verb := args[0]
	var org, group, role, target, dep, email string
	var off bool
	cfg, _, err := parse(e, "sso "+verb, config.Storage, args[1:], func(fs *flag.FlagSet) {
		fs.StringVar(&org, "org", "", "the organisation whose company sign-in it is (short name)")
		if verb == "map" {
			fs.StringVar(&group, "group", "", "the group's name as the directory sends it")
			fs.StringVar(&role, "role", "", "the role its members get: employee, supervisor, desk, legal, analyst or admin")
			fs.StringVar(&target, "target", "", "the organisation (or subsidiary) the role is in; default --org")
			fs.StringVar(&dep, "department", "", "the department of --target, by name")
		} else {
			fs.StringVar(&email, "email", "", "the administrator's e-mail address")
			fs.BoolVar(&off, "off", false, "take the flag away")
		}
	})
	if err != nil {
		return err
	}
	need := map[string]string{"org": org}
	if verb == "map" {
		need["group"], need["role"] = group, role
	} else {
		need["email"] = email
	}
	if err := required("sso "+verb, need); err != nil {
		return err
	}
	return withStore(ctx, cfg, false, func(st *store.Store) error {
		o, err := st.OrgBySlug(ctx, org)
		if err != nil {
			return cliError("sso "+verb, err)
		}
		if verb == "emergency" {
			u, err := st.UserByEmail(ctx, email)
			if err != nil {
				return cliError("sso emergency", err)
			}
			if err := st.SetEmergencyAdmin(ctx, kasuhara.CLIActor, o.ID, u.ID, !off); err != nil {
				return cliError("sso emergency", err)
			}
			fmt.Fprintln(e.stdout, "done")
			return nil
		}
		g := kasuhara.GroupRole{OrgID: o.ID, Group: group, Role: kasuhara.Role(role), TargetOrgID: o.ID}
		if target != "" {
			t, err := st.OrgBySlug(ctx, target)
			if err != nil {
				return cliError("sso map", err)
			}
			g.TargetOrgID = t.ID
		}
		if dep != "" {
			d, err := st.DepartmentByName(ctx, g.TargetOrgID, dep)
			if err != nil {
				return cliError("sso map", err)
			}
			g.DepartmentID = d.ID
		}
		if _, err := st.AddGroupRole(ctx, kasuhara.CLIActor, g); err != nil {
			return cliError("sso map", err)
		}
		fmt.Fprintln(e.stdout, "done")
		return nil
	})
}
