package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/store"
)

func tokenCmd(ctx context.Context, e env, args []string) error {
	var email, label string
	cfg, err := parseCreate(e, "token", args, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "the user the token acts as")
		fs.StringVar(&label, "label", "", "what the token is for, e.g. \"phone system\"")
	}, map[string]*string{"email": &email})
	if err != nil {
		return err
	}
	return withStore(ctx, cfg, false, func(st *store.Store) error {
		u, err := st.UserByEmail(ctx, email)
		if kasuhara.ErrorCode(err) == kasuhara.ENOTFOUND {
			return usagef("token create: --email: no user has this e-mail address")
		} else if err != nil {
			return err
		}
		_, secret, err := st.CreateToken(ctx, kasuhara.CLIActor, u.ID, label)
		if err != nil {
			return cliError("token create", err)
		}
		// The secret alone on stdout so that scripts can capture it; the notice
		// goes to stderr.
		fmt.Fprintln(e.stdout, secret)
		fmt.Fprintln(e.stderr, "This token is shown only now; only its hash is stored. Send it as: Authorization: Bearer TOKEN")
		return nil
	})
}
