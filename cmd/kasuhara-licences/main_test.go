package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	allow := filepath.Join(t.TempDir(), "allow")
	os.WriteFile(allow, []byte("# comment\nMIT\nApache-2.0\nBSD-3-Clause\n"), 0o644)
	tests := []struct {
		name     string
		licences string // the licenses array of the one component
		ok       bool
	}{
		{"allowed id", `[{"license":{"id":"MIT"}}]`, true},
		{"two allowed", `[{"license":{"id":"MIT"}},{"license":{"id":"Apache-2.0"}}]`, true},
		{"AGPL", `[{"license":{"id":"AGPL-3.0-only"}}]`, false},
		{"AGPL beside MIT", `[{"license":{"id":"MIT"}},{"license":{"id":"AGPL-3.0-or-later"}}]`, false},
		{"unknown", `[]`, false},
		{"no licences field", ``, false},
		{"a name only", `[{"license":{"name":"Some custom licence"}}]`, false},
		{"OR with one allowed", `[{"expression":"GPL-2.0-only OR MIT"}]`, true},
		{"AND with one refused", `[{"expression":"(MIT AND AGPL-3.0-only)"}]`, false},
		{"AND both allowed", `[{"expression":"MIT AND BSD-3-Clause"}]`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			comp := `{"name":"example.com/m","version":"v1.0.0"`
			if tt.licences != "" {
				comp += `,"licenses":` + tt.licences
			}
			sbom := filepath.Join(t.TempDir(), "sbom.json")
			os.WriteFile(sbom, []byte(`{"bomFormat":"CycloneDX","components":[`+comp+`}]}`), 0o644)
			var out strings.Builder
			err := run([]string{"-allow", allow, sbom}, &out)
			if got := err == nil; got != tt.ok {
				t.Fatalf("ok = %v (%v), want %v\n%s", got, err, tt.ok, out.String())
			}
			if !tt.ok && !strings.Contains(out.String(), "example.com/m v1.0.0") {
				t.Fatalf("the refused module is not named:\n%s", out.String())
			}
		})
	}
}

func TestCompare(t *testing.T) {
	doc := bom{Components: []component{{Name: "a", Version: "v1"}, {Name: "b", Version: "v2"}}}
	if got := compare(doc, []string{"a@v1", "b@v2"}); len(got) != 0 {
		t.Fatalf("same modules: %v", got)
	}
	got := compare(doc, []string{"a@v1", "c@v3"})
	want := []string{"c@v3: in the binary but not in the SBOM", "b@v2: in the SBOM but not in the binary"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got %q, want %q", got, want)
	}
}
