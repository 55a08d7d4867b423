package main

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strings"

	"github.com/kasuhara/kasuhara"
)

func orgCmd(ctx context.Context, e env, args []string) error {
	var slug, name, parent string
	cfg, err := parseCreate(e, "org", args, func(fs *flag.FlagSet) {
		fs.StringVar(&slug, "slug", "", "short name used in URLs: lower-case letters, digits, hyphens")
		fs.StringVar(&name, "name", "", "the organisation's name")
		fs.StringVar(&parent, "parent", "", "slug of the parent organisation (makes this one part of a group)")
	}, map[string]*string{"slug": &slug, "name": &name})
	if err != nil {
		return err
	}
	db, st, err := openOrCreateStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	o, err := st.CreateOrg(ctx, kasuhara.CLIActor, kasuhara.NewOrg{Slug: slug, Name: name, ParentSlug: parent})
	if err != nil {
		return cliError("org create", err)
	}
	fmt.Fprintf(e.stdout, "Created organisation %s (%s).\n", o.Slug, o.ID)
	return nil
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
