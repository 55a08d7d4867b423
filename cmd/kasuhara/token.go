package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/config"
)

func tokenCmd(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		return usagef("token: usage: kasuhara token create --email E [--label L]")
	}
	var email, label string
	cfg, _, err := parse(e, "token create", config.Storage, args[1:], func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "the user the token acts as")
		fs.StringVar(&label, "label", "", "what the token is for, e.g. \"phone system\"")
	})
	if errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return err
	}
	if err := required("token create", map[string]string{"email": email}); err != nil {
		return err
	}
	db, st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
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
}
