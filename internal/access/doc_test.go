package access

import (
	"os"
	"strings"
	"testing"

	"github.com/kasuhara/kasuhara"
)

// docTable is the matrix as the Markdown table docs/cases.md shows under
// "Who may do what".
func docTable() string {
	var b strings.Builder
	b.WriteString("| action |")
	for _, r := range kasuhara.Roles {
		b.WriteString(" " + string(r) + " |")
	}
	b.WriteString("\n| --- |" + strings.Repeat(" :-: |", len(kasuhara.Roles)) + "\n")
	for _, a := range Actions() {
		b.WriteString("| `" + string(a) + "` |")
		for _, r := range kasuhara.Roles {
			mark := " "
			if Can(r, a) {
				mark = "✓"
			}
			b.WriteString(" " + mark + " |")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// TestCasesDocShowsTheMatrix compares docs/cases.md's table of who may do
// what with the matrix. KASUHARA_UPDATE_DOCS=1 rewrites the table.
func TestCasesDocShowsTheMatrix(t *testing.T) {
	const path = "../../docs/cases.md"
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	const begin, end = "<!-- access matrix: begin -->\n", "<!-- access matrix: end -->"
	i, j := strings.Index(doc, begin), strings.Index(doc, end)
	if i < 0 || j < i {
		t.Fatalf("%s lacks the markers %q and %q around the matrix", path, begin, end)
	}
	got, want := doc[i+len(begin):j], docTable()
	if got == want {
		return
	}
	if os.Getenv("KASUHARA_UPDATE_DOCS") == "1" {
		if err := os.WriteFile(path, []byte(doc[:i+len(begin)]+want+doc[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("docs/cases.md's table differs from the access matrix (KASUHARA_UPDATE_DOCS=1 go test ./internal/access rewrites it); want:\n%s", want)
}

// TestCasesDocNamesTheLevels checks that the table of case levels in
// docs/cases.md names each of access.Case's levels.
func TestCasesDocNamesTheLevels(t *testing.T) {
	b, err := os.ReadFile("../../docs/cases.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, level := range []string{"| reporter |", "| supervisor |", "| handler |", "| none |"} {
		if !strings.Contains(string(b), level) {
			t.Errorf("docs/cases.md's table of who sees what lacks the level %s", level)
		}
	}
}
