package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/credential"
	"github.com/kasuhara/kasuhara/internal/notify"
	"github.com/kasuhara/kasuhara/internal/store"
)

func userCmd(ctx context.Context, e env, args []string) error {
	if len(args) > 0 && args[0] == "link" {
		return userLinkCmd(ctx, e, args[1:])
	}
	if len(args) > 0 && args[0] == "reset-two-factor" {
		return userResetTwoFactorCmd(ctx, e, args[1:])
	}
	if len(args) == 0 || args[0] != "create" {
		return usagef("user: usage: kasuhara user create --email E --name N --role ROLE [--org SLUG] [--department D]\n" +
			"       kasuhara user link --email E [--base-url URL]\n" +
			"       kasuhara user reset-two-factor --email E")
	}
	var email, name, role, orgSlug, dep, lang string
	cfg, err := parseCreate(e, "user", args, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "e-mail address (the sign-in name)")
		fs.StringVar(&name, "name", "", "the person's name")
		fs.StringVar(&role, "role", "", "employee, supervisor, desk, legal, analyst or admin")
		fs.StringVar(&orgSlug, "org", "", "organisation slug (may be left out when there is only one organisation)")
		fs.StringVar(&dep, "department", "", "department name; created when it does not exist")
		fs.StringVar(&lang, "language", "", "ja or en (default: the browser's)")
	}, map[string]*string{"email": &email, "name": &name, "role": &role})
	if err != nil {
		return err
	}
	if !kasuhara.Role(role).Valid() {
		return usagef("user create: --role must be one of employee, supervisor, desk, legal, analyst, admin")
	}
	password, generated, err := readPassword(e.stdin)
	if err != nil {
		return err
	}
	return withStore(ctx, cfg, true, func(st *store.Store) error {
		org, err := pickOrg(ctx, st, orgSlug)
		if err != nil {
			return err
		}
		n := kasuhara.NewUser{Email: email, Name: name, Password: password, MustChangePassword: generated,
			OrgID: org.ID, Role: kasuhara.Role(role), Language: lang}
		if dep != "" {
			d, err := st.DepartmentByName(ctx, org.ID, dep)
			if kasuhara.ErrorCode(err) == kasuhara.ENOTFOUND {
				d, err = st.CreateDepartment(ctx, kasuhara.CLIActor, org.ID, dep)
			}
			if err != nil {
				return cliError("user create", err)
			}
			n.DepartmentID = d.ID
		}
		u, err := st.CreateUser(ctx, kasuhara.CLIActor, n)
		if err != nil {
			return cliError("user create", err)
		}
		fmt.Fprintf(e.stdout, "Created user %s (%s) with role %s in %s.\n", u.Email, u.ID, role, org.Slug)
		if generated {
			fmt.Fprintf(e.stdout, "One-time password: %s\nIt is shown only now; the user chooses their own at the first sign-in.\n", password)
		}
		return nil
	})
}

// readPassword reads a password from stdin when stdin is not a terminal
// (a pipe or a file); otherwise, or when stdin is empty, it generates one.
func readPassword(stdin io.Reader) (string, bool, error) {
	if f, ok := stdin.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			return credential.GeneratePassword(), true, nil
		}
	}
	if stdin == nil {
		return credential.GeneratePassword(), true, nil
	}
	b, err := io.ReadAll(io.LimitReader(stdin, 4096))
	if err != nil {
		return "", false, fmt.Errorf("user create: read password from stdin: %w", err)
	}
	pw := strings.TrimRight(string(b), "\r\n")
	if pw == "" {
		return credential.GeneratePassword(), true, nil
	}
	if err := kasuhara.ValidatePassword("password", pw); err != nil {
		return "", false, usagef("user create: the password on stdin must be at least %d characters", kasuhara.MinPasswordLength)
	}
	return pw, false, nil
}

// pickOrg returns the organisation named by slug, or the only organisation
// when slug is empty and there is exactly one.
func pickOrg(ctx context.Context, st *store.Store, slug string) (*kasuhara.Org, error) {
	if slug != "" {
		o, err := st.OrgBySlug(ctx, slug)
		if kasuhara.ErrorCode(err) == kasuhara.ENOTFOUND {
			return nil, usagef("--org: no organisation has the slug %q", slug)
		}
		return o, err
	}
	orgs, err := st.Orgs(ctx)
	if err != nil {
		return nil, err
	}
	switch len(orgs) {
	case 0:
		return nil, usagef("there is no organisation yet: run kasuhara org create, or kasuhara serve once")
	case 1:
		return &orgs[0], nil
	}
	return nil, usagef("--org: there are %d organisations; name one with --org SLUG", len(orgs))
}

// userLinkCmd prints a link with which the user sets their own password
// (72 hours, once): the operator's way when no mail server is configured,
// for instance after legal approved a grant whose mail could not be sent.
func userLinkCmd(ctx context.Context, e env, args []string) error {
	var email, base string
	cfg, err := parseNeed(e, "user link", args, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "the user's e-mail address")
		fs.StringVar(&base, "base-url", "", "the address people open, e.g. https://kasuhara.example.jp")
	}, map[string]*string{"email": &email})
	if err != nil {
		return err
	}
	return withStore(ctx, cfg, true, func(st *store.Store) error {
		token, err := st.PasswordLinkFor(ctx, kasuhara.CLIActor, email)
		if err != nil {
			return cliError("user link", err)
		}
		fmt.Fprintf(e.stdout, "Give this link to the person only; it works once, for %d hours, and ends any earlier link:\n%s\n",
			int(kasuhara.PasswordLinkLifetime.Hours()), notify.PasswordLinkURL(base, token))
		return nil
	})
}

// userResetTwoFactorCmd resets a person's second factor: the operator's,
// for a desk or legal member, whose reset an admin may not do alone (the
// store tells every legal member of the person's organisations).
func userResetTwoFactorCmd(ctx context.Context, e env, args []string) error {
	var email string
	cfg, err := parseNeed(e, "user reset-two-factor", args, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "the user's e-mail address")
	}, map[string]*string{"email": &email})
	if err != nil {
		return err
	}
	return withStore(ctx, cfg, true, func(st *store.Store) error {
		u, err := st.UserByEmail(ctx, email)
		if err != nil {
			return cliError("user reset-two-factor", err)
		}
		if err := st.ResetTwoFactor(ctx, kasuhara.CLIActor, u.ID); err != nil {
			return cliError("user reset-two-factor", err)
		}
		fmt.Fprintf(e.stdout, "Reset the two-step verification of %s: they set it up again at their next sign-in; they were signed out and mailed.\n", email)
		return nil
	})
}
