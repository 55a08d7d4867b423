package main

import (
	"strings"
	"testing"

	"github.com/kasuhara/kasuhara/internal/sqldb"
)

// kasuhara version names the release, commit and build date; --modules
// lists the modules built in, as the SBOM does.
func TestVersion(t *testing.T) {
	c := newCLI(t, sqldb.SQLite)
	out := c.ok("", "version")
	for _, want := range []string{"kasuhara dev\n", "commit: ", "built: ", "go: go1."} {
		if !strings.Contains(out, want) {
			t.Errorf("version does not say %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "modules:") {
		t.Errorf("version lists modules without --modules:\n%s", out)
	}
	// A test binary's build information has the test's dependencies.
	out = c.ok("", "version", "--modules")
	if !strings.Contains(out, "\nmodules:\n") || !strings.Contains(out, "\nfilippo.io/age v") {
		t.Errorf("version --modules lists no modules:\n%s", out)
	}
	if _, _, err := c.run("", "version", "extra"); exitCode(err) != 2 {
		t.Errorf("version extra: %v, want a usage error", err)
	}
}

// The release script's -ldflags values win over the build information.
func TestVersionFromLdflags(t *testing.T) {
	defer func(v, c, d string) { versionString, commit, buildDate = v, c, d }(versionString, commit, buildDate)
	versionString, commit, buildDate = "v9.8.7", "0123456789abcdef", "2026-12-06T00:00:00Z"
	out := newCLI(t, sqldb.SQLite).ok("", "version")
	want := "kasuhara v9.8.7\ncommit: 0123456789abcdef\nbuilt: 2026-12-06T00:00:00Z\n"
	if !strings.HasPrefix(out, want) {
		t.Fatalf("version:\n%s\nwant it to start with\n%s", out, want)
	}
}
