// Command testsummary turns the output of go test -json into the summary CI
// prints, and fails where a green go test is not enough.
//
//	go test -json ./... > go-test.json
//	go run ./internal/tools/testsummary -log go-test.log -require PKG… go-test.json
//
// It writes go test's text output to the -log file, then prints the build
// errors, the output of each failed test, the skipped tests with their
// reasons, the counts, and go test's closing line for each package. It
// exits 1 when a test failed, a package failed (or did not build), a test
// was skipped for a missing service (PostgreSQL, the browser or the S3
// server), or a
// required package did not run or passed no test; 2 when it cannot read
// its input.
//
// Each test's own KASUHARA_REQUIRE_POSTGRES, KASUHARA_REQUIRE_BROWSER and
// KASUHARA_REQUIRE_S3 check turns a skip into a failure; the skip check here also catches a
// test that skips for a missing service without going through those
// helpers, and the required packages catch a package that compiled no test
// (a build tag, a missing file) or skipped all of them, which go test
// reports as a success.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the command: it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("testsummary", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: testsummary [-log file] [-require package]... go-test.json")
		fs.PrintDefaults()
	}
	logPath := fs.String("log", "", "write go test's text output to `file`")
	var required []string
	fs.Func("require", "fail unless `package` ran and passed a test (repeatable)", func(p string) error {
		required = append(required, p)
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	in, err := os.Open(fs.Arg(0))
	if err != nil {
		fmt.Fprintln(stderr, "testsummary:", err)
		return 2
	}
	defer in.Close()
	textLog := io.Discard
	if *logPath != "" {
		f, err := os.Create(*logPath)
		if err != nil {
			fmt.Fprintln(stderr, "testsummary:", err)
			return 2
		}
		defer f.Close()
		textLog = f
	}
	r, err := read(in, textLog)
	if err != nil {
		fmt.Fprintln(stderr, "testsummary: reading the go test output:", err)
		return 2
	}
	if problems := r.summarize(stdout, required); len(problems) > 0 {
		fmt.Fprintln(stdout)
		for _, p := range problems {
			fmt.Fprintln(stdout, "ERROR:", p)
		}
		return 1
	}
	return 0
}

// event is a line of go test -json (cmd/test2json).
type event struct {
	Action     string
	Package    string
	Test       string
	Output     string
	ImportPath string // of build-output
}

type testID struct{ pkg, test string }

// missingService matches the reason of a skip for a service CI provides.
var missingService = regexp.MustCompile(`(?i)postgres|browser|chromium|S3 server`)

// result is what one go test -json stream said.
type result struct {
	other               []string            // lines that are not events, such as go's own errors
	builds              []string            // packages that printed build output, in order
	buildOut            map[string][]string // by ImportPath
	packages            []string            // packages in the order they ended
	pkgResult           map[string]string   // pass, fail or skip
	pkgOut              map[string][]string // output outside any test
	testOut             map[testID][]string
	failed, skipped     []testID
	passedIn            map[string]int
	nPass, nFail, nSkip int
}

// read parses a go test -json stream, copying its text to textLog.
func read(r io.Reader, textLog io.Writer) (*result, error) {
	res := &result{
		buildOut:  map[string][]string{},
		pkgResult: map[string]string{},
		pkgOut:    map[string][]string{},
		testOut:   map[testID][]string{},
		passedIn:  map[string]int{},
	}
	w := bufio.NewWriter(textLog)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 256<<20)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil || e.Action == "" {
			res.other = append(res.other, sc.Text())
			fmt.Fprintln(w, sc.Text())
			continue
		}
		switch e.Action {
		case "build-output":
			if _, ok := res.buildOut[e.ImportPath]; !ok {
				res.builds = append(res.builds, e.ImportPath)
			}
			res.buildOut[e.ImportPath] = append(res.buildOut[e.ImportPath], e.Output)
			w.WriteString(e.Output)
		case "output":
			w.WriteString(e.Output)
			if e.Test == "" {
				res.pkgOut[e.Package] = append(res.pkgOut[e.Package], e.Output)
			} else {
				id := testID{e.Package, e.Test}
				res.testOut[id] = append(res.testOut[id], e.Output)
			}
		case "pass", "fail", "skip":
			if e.Test == "" {
				res.pkgResult[e.Package] = e.Action
				res.packages = append(res.packages, e.Package)
				continue
			}
			id := testID{e.Package, e.Test}
			switch e.Action {
			case "pass":
				res.nPass++
				res.passedIn[e.Package]++
			case "fail":
				res.nFail++
				res.failed = append(res.failed, id)
			case "skip":
				res.nSkip++
				res.skipped = append(res.skipped, id)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return res, w.Flush()
}

// summarize prints the summary to w and returns what fails the run.
func (res *result) summarize(w io.Writer, required []string) (problems []string) {
	if len(res.other) > 0 {
		fmt.Fprintln(w, "go test printed:")
		for _, l := range res.other {
			fmt.Fprintln(w, "  "+l)
		}
	}
	for _, b := range res.builds {
		fmt.Fprint(w, strings.Join(res.buildOut[b], ""))
	}
	for _, id := range res.failed {
		for _, l := range res.testOut[id] {
			if !strings.HasPrefix(l, "=== ") {
				fmt.Fprint(w, l)
			}
		}
	}

	var missing []string
	if len(res.skipped) > 0 {
		fmt.Fprintf(w, "Skipped tests (%d):\n", len(res.skipped))
	}
	for _, id := range res.skipped {
		reason := res.skipReason(id)
		fmt.Fprintf(w, "  --- SKIP: %s (%s): %s\n", id.test, strings.TrimPrefix(id.pkg, "github.com/kasuhara/kasuhara/"), reason)
		if missingService.MatchString(reason) {
			missing = append(missing, id.test)
		}
	}
	if len(missing) > 0 {
		problems = append(problems, fmt.Sprintf("%d test(s) skipped for a missing service (PostgreSQL or the browser): %s",
			len(missing), strings.Join(missing, ", ")))
	}
	if res.nFail > 0 {
		problems = append(problems, fmt.Sprintf("%d test(s) failed", res.nFail))
	}
	for _, p := range res.packages {
		if res.pkgResult[p] == "fail" {
			problems = append(problems, p+" failed")
		}
	}
	for _, p := range required {
		switch {
		case res.pkgResult[p] == "":
			problems = append(problems, p+" did not run")
		case res.pkgResult[p] != "fail" && res.passedIn[p] == 0:
			problems = append(problems, p+" passed no test")
		}
	}

	fmt.Fprintf(w, "tests: %d passed, %d failed, %d skipped\n", res.nPass, res.nFail, res.nSkip)
	// go test's own closing lines, as it prints them without -json.
	for _, p := range res.packages {
		for _, l := range res.pkgOut[p] {
			if res.pkgResult[p] == "pass" && l == "PASS\n" {
				continue
			}
			fmt.Fprint(w, l)
		}
	}
	return problems
}

// skipReason is what a skipped test logged, on one line.
func (res *result) skipReason(id testID) string {
	var reason []string
	for _, l := range res.testOut[id] {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "=== ") || strings.HasPrefix(t, "--- SKIP") {
			continue
		}
		reason = append(reason, t)
	}
	return strings.Join(reason, " | ")
}
