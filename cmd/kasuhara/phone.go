package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"slices"
	"strings"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/store"
)

// phoneCmd sets the secret a phone system signs its call events with
// (docs/intake.md): Twilio's auth token, read from stdin; for
// Amazon Connect and a PBX a new random secret, printed once.
func phoneCmd(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || args[0] != "secret" {
		return usagef("phone: usage: kasuhara phone secret --org SLUG --source twilio|connect|sip")
	}
	var slug, source string
	cfg, err := parseNeed(e, "phone secret", args[1:], func(fs *flag.FlagSet) {
		fs.StringVar(&slug, "org", "", "the organisation's slug")
		fs.StringVar(&source, "source", "", "twilio (the auth token is read from stdin), connect or sip (a new secret is printed)")
	}, map[string]*string{"org": &slug, "source": &source})
	if err != nil {
		return err
	}
	if !slices.Contains(kasuhara.CallSecretSources, source) {
		return usagef("phone secret: --source: must be twilio, connect or sip")
	}
	secret := ""
	if source == kasuhara.CallSourceTwilio {
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if secret = strings.TrimSpace(line); secret == "" {
			return usagef("phone secret: give Twilio's auth token on stdin (%v)", err)
		}
	} else {
		b := make([]byte, 32)
		rand.Read(b)
		secret = hex.EncodeToString(b)
	}
	return withStore(ctx, cfg, false, func(st *store.Store) error {
		org, err := st.OrgBySlug(ctx, slug)
		if err != nil {
			return usagef("phone secret: --org: no organisation %q", slug)
		}
		if err := st.SetCallSecret(ctx, kasuhara.CLIActor, org.ID, source, secret); err != nil {
			return cliError("phone secret", err)
		}
		if source != kasuhara.CallSourceTwilio {
			// The secret alone on stdout, for scripts; it is kept to check
			// signatures and not shown again.
			fmt.Fprintln(e.stdout, secret)
			fmt.Fprintf(e.stderr, "Give this secret to the %s integration; it signs with X-Kasuhara-Signature. It is not shown again.\n", source)
		} else {
			fmt.Fprintln(e.stderr, "Twilio's auth token is set: Twilio's requests to /api/v1/o/"+slug+"/calls/twilio are checked against it.")
		}
		return nil
	})
}
