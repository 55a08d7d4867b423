package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/kasuhara/kasuhara/internal/casepackage"
)

// errPackageBroken makes verify-package exit non-zero.
var errPackageBroken = errors.New("the package does not verify")

// verifyPackage checks a case package against its manifest: every file
// present, with its size and SHA-256, and nothing added.
func verifyPackage(ctx context.Context, e env, args []string) error {
	if len(args) != 1 || args[0] == "-h" || args[0] == "--help" {
		return usagef("verify-package: usage: kasuhara verify-package FILE.zip")
	}
	f, err := os.Open(args[0])
	if err != nil {
		return usagef("verify-package: %v", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	res, err := casepackage.Verify(f, fi.Size())
	if err != nil {
		return fmt.Errorf("verify-package: %w", err)
	}
	m := res.Manifest
	fmt.Fprintf(e.stdout, "Case %s, made by %s on %s for %q.\n", m.Created.CaseRef, m.Created.CreatedBy, m.Created.CreatedAt.Format("2006-01-02 15:04 MST"), m.Created.For)
	if !res.OK() {
		for _, p := range res.Problems {
			fmt.Fprintln(e.stdout, "  BROKEN:", p)
		}
		return fmt.Errorf("%w: %d problem(s)", errPackageBroken, len(res.Problems))
	}
	fmt.Fprintf(e.stdout, "Intact: %d files match the manifest.\n", res.Checked)
	return nil
}
