// Command kasuhara-licences checks a release's CycloneDX bill of materials:
// every component has a licence on the allowlist, and, given the binary,
// the components are exactly the modules built into it.
//
//	kasuhara-licences [-allow packaging/licences.allow] SBOM.json [BINARY]
//
// scripts/release runs it on each architecture's SBOM; it exits 1 on a
// licence not allowed, a component without a licence, or a mismatch.
package main

import (
	"bufio"
	"debug/buildinfo"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "kasuhara-licences:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("kasuhara-licences", flag.ContinueOnError)
	allowFile := fs.String("allow", "packaging/licences.allow", "the allowed licences, one SPDX identifier a line")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() < 1 || fs.NArg() > 2 {
		return errors.New("usage: kasuhara-licences [-allow FILE] SBOM.json [BINARY]")
	}
	allowed, err := readAllowlist(*allowFile)
	if err != nil {
		return err
	}
	b, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	var doc bom
	if err := json.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("%s: %w", fs.Arg(0), err)
	}
	problems := check(doc, allowed)
	if fs.NArg() == 2 {
		bi, err := buildinfo.ReadFile(fs.Arg(1))
		if err != nil {
			return err
		}
		var mods []string
		for _, m := range bi.Deps {
			if m.Replace != nil {
				m = m.Replace
			}
			mods = append(mods, m.Path+"@"+m.Version)
		}
		problems = append(problems, compare(doc, mods)...)
	}
	for _, p := range problems {
		fmt.Fprintln(stdout, p)
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s: %d problem(s)", fs.Arg(0), len(problems))
	}
	fmt.Fprintf(stdout, "%s: %d modules, every licence allowed\n", fs.Arg(0), len(doc.Components))
	return nil
}

// bom is the part of a CycloneDX document the check reads.
type bom struct {
	Components []component `json:"components"`
}

type component struct {
	Name     string `json:"name"`
	Version  string `json:"version"`
	Licenses []struct {
		License struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"license"`
		Expression string `json:"expression"`
	} `json:"licenses"`
}

func readAllowlist(path string) (map[string]bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	allowed := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line != "" && !strings.HasPrefix(line, "#") {
			allowed[line] = true
		}
	}
	return allowed, sc.Err()
}

// check names each component whose licence is missing or not allowed. A
// component with several licence entries must be allowed under each; an
// SPDX expression "A OR B" is allowed when one side is, "A AND B" when both
// are.
func check(doc bom, allowed map[string]bool) []string {
	var problems []string
	for _, c := range doc.Components {
		if len(c.Licenses) == 0 {
			problems = append(problems, fmt.Sprintf("%s %s: no licence detected", c.Name, c.Version))
			continue
		}
		for _, l := range c.Licenses {
			lic := l.Expression
			if lic == "" {
				lic = l.License.ID
			}
			if lic == "" {
				lic = l.License.Name
			}
			if !allowedExpression(lic, allowed) {
				problems = append(problems, fmt.Sprintf("%s %s: licence %q is not allowed (packaging/licences.allow)", c.Name, c.Version, lic))
			}
		}
	}
	return problems
}

func allowedExpression(expr string, allowed map[string]bool) bool {
	expr = strings.NewReplacer("(", " ", ")", " ").Replace(expr)
	for alt := range strings.SplitSeq(expr, " OR ") {
		ok := true
		for part := range strings.SplitSeq(alt, " AND ") {
			if !allowed[strings.TrimSpace(part)] {
				ok = false
			}
		}
		if ok && strings.TrimSpace(alt) != "" {
			return true
		}
	}
	return false
}

// compare names the modules in the binary but not in the SBOM and the
// other way round.
func compare(doc bom, mods []string) []string {
	var inBOM []string
	for _, c := range doc.Components {
		inBOM = append(inBOM, c.Name+"@"+c.Version)
	}
	var problems []string
	for _, m := range mods {
		if !slices.Contains(inBOM, m) {
			problems = append(problems, m+": in the binary but not in the SBOM")
		}
	}
	for _, m := range inBOM {
		if !slices.Contains(mods, m) {
			problems = append(problems, m+": in the SBOM but not in the binary")
		}
	}
	return problems
}
