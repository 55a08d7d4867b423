package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the .golden files from the current output")

// The .json files in testdata are go test -json streams recorded from a
// small module named like Kasuhara's (internal/store, internal/e2e and
// internal/calendar with a few tests each); each .golden file holds the
// summary of its stream and the exit status.
var required = []string{
	"-require", "github.com/kasuhara/kasuhara/internal/e2e",
	"-require", "github.com/kasuhara/kasuhara/internal/store",
}

func TestGolden(t *testing.T) {
	streams, err := filepath.Glob("testdata/*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(streams) < 6 {
		t.Fatalf("found %d streams in testdata, want 6 or more", len(streams))
	}
	for _, stream := range streams {
		name := strings.TrimSuffix(filepath.Base(stream), ".json")
		t.Run(name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := append(append([]string{"-log", filepath.Join(t.TempDir(), "go-test.log")}, required...), stream)
			code := run(args, &stdout, &stderr)
			if stderr.Len() > 0 {
				t.Errorf("stderr: %s", stderr.String())
			}
			got := fmt.Sprintf("%sexit status %d\n", stdout.String(), code)
			golden := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("summary of %s:\n%s\nwant (%s):\n%s", stream, got, golden, want)
			}
		})
	}
}

// TestStatus pins the exit status of each stream, so that rewriting the
// golden files cannot turn a failure into a pass unnoticed.
func TestStatus(t *testing.T) {
	tests := []struct {
		stream string
		want   int
	}{
		{"pass", 0},
		{"failure", 1},
		{"postgres-skipped", 1},
		{"browser-skipped", 1},
		{"required-missing", 1},
		{"build-failed", 1},
	}
	for _, tc := range tests {
		var out bytes.Buffer
		if got := run(append(required[:len(required):len(required)], "testdata/"+tc.stream+".json"), &out, &out); got != tc.want {
			t.Errorf("%s: exit status %d, want %d\n%s", tc.stream, got, tc.want, out.String())
		}
	}
}

// TestLog checks that the text log holds go test's output, build errors
// included, in the order it came.
func TestLog(t *testing.T) {
	log := filepath.Join(t.TempDir(), "go-test.log")
	var out bytes.Buffer
	run([]string{"-log", log, "testdata/build-failed.json"}, &out, &out)
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	got := string(b)
	want := []string{
		"?   \tgithub.com/kasuhara/kasuhara\t[no test files]\n",
		"internal/e2e/browser_test.go:19:17: undefined: undefined\n",
		"FAIL\tgithub.com/kasuhara/kasuhara/internal/e2e [build failed]\n",
		"--- PASS: TestCases/postgres (0.00s)\n",
		"ok  \tgithub.com/kasuhara/kasuhara/internal/calendar\t",
	}
	at := 0
	for _, w := range want {
		i := strings.Index(got[at:], w)
		if i < 0 {
			t.Fatalf("the log lacks %q after offset %d:\n%s", w, at, got)
		}
		at += i + len(w)
	}
	if strings.Contains(got, `"Action"`) {
		t.Errorf("the log holds JSON events:\n%s", got)
	}
}

func TestUsage(t *testing.T) {
	tests := [][]string{
		{},
		{"a.json", "b.json"},
		{"-bogus", "testdata/pass.json"},
		{"testdata/no-such-file.json"},
	}
	for _, args := range tests {
		var out bytes.Buffer
		if got := run(args, &out, &out); got != 2 {
			t.Errorf("run(%q) = %d, want 2", args, got)
		}
	}
}
