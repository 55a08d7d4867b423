package main

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strings"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/config"
	"github.com/kasuhara/kasuhara/internal/store"
)

const orgUsage = `org: usage:
  kasuhara org create --slug S --name N [--parent SLUG]
  kasuhara org update --org SLUG [--name N] [--legal-name N] [--address A] [--representative R] [--desk D] [--phone P] [--date-style western|era] [--anonymous on|off]
      [--two-factor-roles desk,legal,admin|none]`

func orgCmd(ctx context.Context, e env, args []string) error {
	if len(args) > 0 && args[0] == "update" {
		return orgUpdate(ctx, e, args[1:])
	}
	if len(args) == 0 || args[0] != "create" {
		return usagef("%s", orgUsage)
	}
	var slug, name, parent string
	cfg, err := parseCreate(e, "org", args, func(fs *flag.FlagSet) {
		fs.StringVar(&slug, "slug", "", "short name used in URLs: lower-case letters, digits, hyphens")
		fs.StringVar(&name, "name", "", "the organisation's name")
		fs.StringVar(&parent, "parent", "", "slug of the parent organisation (makes this one part of a group)")
	}, map[string]*string{"slug": &slug, "name": &name})
	if err != nil {
		return err
	}
	return withStore(ctx, cfg, true, func(st *store.Store) error {
		o, err := st.CreateOrg(ctx, kasuhara.CLIActor, kasuhara.NewOrg{Slug: slug, Name: name, ParentSlug: parent})
		if err != nil {
			return cliError("org create", err)
		}
		fmt.Fprintf(e.stdout, "Created organisation %s (%s).\n", o.Slug, o.ID)
		return nil
	})
}

// orgUpdate changes an organisation's name and how its letters, public
// policy page and anonymous form name it, and switches its anonymous
// channel on or off: only the flags given change; an empty value
// (--address "") clears that line, not the name.
func orgUpdate(ctx context.Context, e env, args []string) error {
	var slug, anonymous, twoFactor string
	fields := []struct{ flag, usage string }{
		{"name", "the organisation's name on the screens"},
		{"legal-name", "the legal name printed on letters"},
		{"address", "the address"},
		{"representative", "the representative, such as 代表取締役 山田 一郎"},
		{"desk", "the consultation desk's name, such as お客様相談室"},
		{"phone", "the desk's phone number"},
		{"date-style", "dates in letters and certificates: western (西暦, the default) or era (和暦)"},
	}
	vals := map[string]*string{}
	cfg, fs, err := parse(e, "org update", config.Storage, args, func(fs *flag.FlagSet) {
		fs.StringVar(&slug, "org", "", "slug of the organisation to change")
		fs.StringVar(&anonymous, "anonymous", "", "the anonymous channel: on, or off to receive named reports only")
		fs.StringVar(&twoFactor, "two-factor-roles", "", "the roles that must sign in with a second factor (TOTP), comma-separated, or none")
		for _, f := range fields {
			vals[f.flag] = fs.String(f.flag, "", f.usage)
		}
	})
	if err != nil {
		return err
	}
	if err := required("org update", map[string]string{"org": slug}); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if len(set) == 0 || len(set) == 1 && set["org"] {
		return usagef("org update: give at least one of --name, --legal-name, --address, --representative, --desk, --phone, --date-style, --anonymous, --two-factor-roles")
	}
	if set["anonymous"] && anonymous != "on" && anonymous != "off" {
		return usagef("org update: --anonymous must be on or off")
	}
	var roles []kasuhara.Role
	if set["two-factor-roles"] && twoFactor != "none" {
		for _, r := range strings.Split(twoFactor, ",") {
			if role := kasuhara.Role(strings.TrimSpace(r)); role.Valid() {
				roles = append(roles, role)
			} else {
				return usagef("org update: --two-factor-roles lists roles of %s, or is none", kasuhara.FormatRoles(kasuhara.Roles))
			}
		}
	}
	return withStore(ctx, cfg, true, func(st *store.Store) error {
		o, err := st.OrgBySlug(ctx, slug)
		if err != nil {
			return cliError("org update", err)
		}
		cur, err := st.Settings(ctx, o.ID)
		if err != nil {
			return err
		}
		next := *cur
		next.OrgName = ""
		if set["name"] {
			if strings.TrimSpace(*vals["name"]) == "" {
				return usagef("org update: --name must not be empty")
			}
			next.OrgName = *vals["name"]
		}
		for flagName, field := range map[string]*string{"legal-name": &next.Sender.LegalName, "address": &next.Sender.Address,
			"representative": &next.Sender.Representative, "desk": &next.Sender.Desk, "phone": &next.Sender.Phone} {
			if set[flagName] {
				*field = *vals[flagName]
			}
		}
		if set["date-style"] {
			next.DateStyle = *vals["date-style"]
			if next.DateStyle == "" {
				// An empty value would mean the default to the service: say
				// which style is wanted instead.
				return usagef("org update: --date-style is %s", strings.Join(kasuhara.DateStyles, " or "))
			}
		}
		next.WebhookSecret = "" // kept as it is

		// The flags that SaveSettings does not take: --org and those below.
		own := 1
		for _, f := range []string{"anonymous", "two-factor-roles"} {
			if set[f] {
				own++
			}
		}
		if len(set) > own {
			if err := st.SaveSettings(ctx, kasuhara.CLIActor, next); err != nil {
				return cliError("org update", orgFlagNames(err))
			}
		}
		if set["anonymous"] {
			if err := st.SetAnonymousChannel(ctx, kasuhara.CLIActor, o.ID, anonymous == "on"); err != nil {
				return cliError("org update", err)
			}
		}
		if set["two-factor-roles"] {
			rules, err := st.SignInSettings(ctx, o.ID)
			if err != nil {
				return err
			}
			rules.TwoFactorRoles = roles
			if err := st.SaveSignInSettings(ctx, kasuhara.CLIActor, o.ID, *rules); err != nil {
				return cliError("org update", err)
			}
		}
		fmt.Fprintf(e.stdout, "Updated organisation %s.\n", o.Slug)
		return nil
	})
}

// orgFlagNames renames the settings' field errors to the flags of org
// update.
func orgFlagNames(err error) error {
	fe := kasuhara.ErrorFields(err)
	if len(fe) == 0 {
		return err
	}
	names := map[string]string{"org_name": "name", "legal_name": "legal-name", "contact_desk": "desk", "contact_phone": "phone", "date_style": "date-style"}
	out := kasuhara.FieldErrors{}
	for k, v := range fe {
		if n, ok := names[k]; ok {
			k = n
		}
		out.AddError(k, v)
	}
	return kasuhara.Invalid(out)
}

// cliError turns a service error into a message naming the flags to fix.
func cliError(cmd string, err error) error {
	switch kasuhara.ErrorCode(err) {
	case kasuhara.EINVALID, kasuhara.ECONFLICT, kasuhara.ENOTFOUND:
		msg := kasuhara.ErrorMessage(err)
		var parts []string
		for k, v := range kasuhara.ErrorFields(err) {
			parts = append(parts, fmt.Sprintf("--%s %s", k, v))
		}
		if len(parts) > 0 {
			slices.Sort(parts)
			msg = strings.Join(parts, " ")
		}
		return usagef("%s: %s", cmd, msg)
	}
	return fmt.Errorf("%s: %w", cmd, err)
}
