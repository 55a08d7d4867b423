package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kasuhara/kasuhara/internal/config"
	"github.com/kasuhara/kasuhara/internal/sqldb"
	"github.com/kasuhara/kasuhara/internal/store"
)

// usageError is a mistake in the command line: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// env is what every command gets from the outside world.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e env, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "run the web UI and API (migrates the database first)", serve},
		{"migrate", "bring the database schema up to date and exit", migrate},
		{"org", "org create --slug S --name N [--parent SLUG]: create an organisation", orgCmd},
		{"user", "user create --email E --name N --role ROLE [--org SLUG] [--department D]: create a user", userCmd},
		{"token", "token create --email E [--label L]: print a new API token once", tokenCmd},
		{"phone", "phone secret --org SLUG --source twilio|connect|sip: set the secret a phone system signs its call events with", phoneCmd},
		{"sso", "sso map --org SLUG --group G --role ROLE [--target SLUG] [--department D] | emergency --org SLUG --email E [--off]: map a directory group to a role (desk and legal too), mark an emergency administrator", ssoCmd},
		{"audit", "audit verify [--records] | baseline | anchor --out FILE: check the audit trail (and the records), record the records' state, sign the chain's head", auditCmd},
		{"screen", "screen [FILE]: screen text (FILE or stdin) for harassment and print JSON", screenCmd},
		{"import", "import cases FILE [--dry-run]: import the old ledger of incidents (XLSX or CSV) as cases", importCmd},
		{"verify-package", "verify-package FILE: check a case's evidence package against its manifest", verifyPackage},
		{"demo", "demo [--cases N] [--org SLUG]: fill the database with a demo company group, and N generated cases", demoCmd},
		{"backup", "backup [--passphrase P | --recipient AGE] FILE | verify [--scratch-database URL] FILE | key FILE: database, evidence and manifest in one encrypted archive while the server runs; the evidence key apart", backup},
		{"restore", "restore [--data DIR | --database URL] FILE | key FILE: restore an archive into an empty installation, checking every hash and the audit trail", restoreCmd},
		{"blob", "blob migrate --to s3://bucket/prefix | local | DIR: move the evidence files, verifying each, resumably", blobCmd},
		{"key", "key rotate | status: re-encrypt every evidence file to a new key, resumably", keyCmd},
		{"version", "print the version and build information", version},
	}
}

// run is the whole program: main only supplies the outside world.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printUsage(stdout)
		if len(args) == 0 {
			return usagef("no command given")
		}
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			// -h: the flag package has printed the command's flags.
			if err := c.run(ctx, e, args[1:]); !errors.Is(err, flag.ErrHelp) {
				return err
			}
			return nil
		}
	}
	printUsage(stderr)
	return usagef("unknown command %q", args[0])
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "Usage: kasuhara COMMAND [FLAGS]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-15s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nThe configuration flags (--data, --database, --addr, …) can also be set as KASUHARA_DATA, KASUHARA_DATABASE, …;\nrun kasuhara COMMAND -h for a command's flags.")
}

// parse parses a command's flags: the config groups in set plus the
// command's own flags, defined by own.
func parse(e env, name string, set config.Set, args []string, own func(*flag.FlagSet)) (*config.Config, *flag.FlagSet, error) {
	return parseFlags(e, name, set, args, own, false)
}

func parseFlags(e env, name string, set config.Set, args []string, own func(*flag.FlagSet), positional bool) (*config.Config, *flag.FlagSet, error) {
	fs := flag.NewFlagSet("kasuhara "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	cfg := config.Register(fs, set, e.getenv)
	if own != nil {
		own(fs)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, nil, flag.ErrHelp
		}
		return nil, nil, usagef("%s: %v", name, err)
	}
	if fs.NArg() > 0 && !positional {
		return nil, nil, usagef("%s: unexpected argument %q", name, fs.Arg(0))
	}
	if err := cfg.Validate(); err != nil {
		return nil, nil, usagef("%s: %v", name, err)
	}
	return cfg, fs, nil
}

// parseCreate parses "kasuhara NOUN create": the storage configuration and
// the flags that own defines, and checks that the flags in need are given.
// The usage line is the command's summary.
func parseCreate(e env, noun string, args []string, own func(*flag.FlagSet), need map[string]*string) (*config.Config, error) {
	if len(args) == 0 || args[0] != "create" {
		for _, c := range commands() {
			if c.name == noun {
				usage, _, _ := strings.Cut(c.summary, ": ")
				return nil, usagef("%s: usage: kasuhara %s", noun, usage)
			}
		}
	}
	return parseNeed(e, noun+" create", args[1:], own, need)
}

// parseNeed parses the storage configuration and the flags that own
// defines, and checks that the flags in need are given.
func parseNeed(e env, name string, args []string, own func(*flag.FlagSet), need map[string]*string) (*config.Config, error) {
	cfg, _, err := parse(e, name, config.Storage, args, own)
	if err != nil {
		return nil, err
	}
	vals := make(map[string]string, len(need))
	for k, p := range need {
		vals[k] = *p
	}
	return cfg, required(name, vals)
}

// required reports flags that must be given.
func required(name string, vals map[string]string) error {
	var missing []string
	for k, v := range vals {
		if strings.TrimSpace(v) == "" {
			missing = append(missing, "--"+k)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return usagef("%s: missing %s", name, strings.Join(missing, ", "))
	}
	return nil
}

// openStore opens and migrates the database. Commands other than serve and
// migrate work on an existing installation: a --data directory without a
// database is a mistake (a typo in the path), not a new installation.
func openStore(ctx context.Context, cfg *config.Config) (*sqldb.DB, *store.Store, error) {
	if cfg.Database == "" {
		path := filepath.Join(cfg.Data, sqldb.SQLiteFile)
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return nil, nil, usagef("no database at %s: check --data (KASUHARA_DATA), or run kasuhara serve or kasuhara migrate first", path)
		}
	}
	return openOrCreateStore(ctx, cfg)
}

// withStore opens the database (openOrCreateStore when create, otherwise
// openStore), runs fn on its store and closes it: the frame of every
// command that reads or changes an installation.
func withStore(ctx context.Context, cfg *config.Config, create bool, fn func(st *store.Store) error) error {
	open := openStore
	if create {
		open = openOrCreateStore
	}
	db, st, err := open(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	return fn(st)
}

// openOrCreateStore opens the database, creating it when needed, and
// migrates it.
func openOrCreateStore(ctx context.Context, cfg *config.Config) (*sqldb.DB, *store.Store, error) {
	db, err := sqldb.OpenWith(ctx, cfg.Database, cfg.Data, sqldb.Options{Committers: cfg.PGCommitters})
	if err != nil {
		return nil, nil, fmt.Errorf("%w\n(check --database / KASUHARA_DATABASE, or --data / KASUHARA_DATA)", err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, nil, err
	}
	st := store.New(db)
	// Cases whose search index a migration queued for rebuilding.
	if _, err := st.RebuildSearch(ctx); err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, st, nil
}
