package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// The release script (scripts/release) sets these at build time:
//
//	go build -ldflags "-X main.versionString=v1.2.3 -X main.commit=… -X main.buildDate=…"
//
// A plain go build leaves them empty: the version is then "dev" and the
// commit and date come from the build information Go embeds from git.
var (
	versionString = "dev"
	commit        = ""
	buildDate     = ""
)

// buildVersion is the release this binary is, or "dev".
func buildVersion() string {
	if versionString != "dev" {
		return versionString
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return versionString
}

// buildCommit is the commit the binary was built from, with "-modified"
// when the tree had uncommitted changes, or "unknown".
func buildCommit() (rev, date string) {
	rev, date = commit, buildDate
	if bi, ok := debug.ReadBuildInfo(); ok {
		modified := false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if rev == "" {
					rev = s.Value
				}
			case "vcs.time":
				if date == "" {
					date = s.Value
				}
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if modified && commit == "" && rev != "" {
			rev += "-modified"
		}
	}
	if rev == "" {
		rev = "unknown"
	}
	if date == "" {
		date = "unknown"
	}
	return rev, date
}

func version(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("kasuhara version", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	modules := fs.Bool("modules", false, "list the Go modules built into the binary, with their versions and checksums")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return usagef("version: %v", err)
	} else if fs.NArg() > 0 {
		return usagef("version: unexpected argument %q", fs.Arg(0))
	}
	rev, date := buildCommit()
	fmt.Fprintf(e.stdout, "kasuhara %s\ncommit: %s\nbuilt: %s\ngo: %s %s/%s CGO_ENABLED=%s\n",
		buildVersion(), rev, date, runtime.Version(), runtime.GOOS, runtime.GOARCH, buildSetting("CGO_ENABLED"))
	if !*modules {
		return nil
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return errors.New("version: the binary has no build information")
	}
	fmt.Fprintln(e.stdout, "modules:")
	for _, m := range bi.Deps {
		if m.Replace != nil {
			m = m.Replace
		}
		fmt.Fprintf(e.stdout, "%s %s %s\n", m.Path, m.Version, m.Sum)
	}
	return nil
}

// buildSetting is one setting of the binary's build information, or "".
func buildSetting(key string) string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == key {
				return strings.TrimSpace(s.Value)
			}
		}
	}
	return ""
}
