package web

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestEveryTableStacks: every table of the templates uses the one phone
// pattern of app.css (.table-stack: a card per row below 600px, each cell
// with its column's heading), so that no column is clipped on a phone.
func TestEveryTableStacks(t *testing.T) {
	files, err := filepath.Glob("templates/*.html")
	if err != nil {
		t.Fatal(err)
	}
	partials, err := filepath.Glob("templates/partials/*.html")
	if err != nil {
		t.Fatal(err)
	}
	tables := 0
	for _, f := range append(files, partials...) {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, tag := range regexp.MustCompile(`<table\b[^>]*>`).FindAllString(string(src), -1) {
			tables++
			class := regexp.MustCompile(`class="([^"]*)"`).FindStringSubmatch(tag)
			if class == nil || !strings.Contains(" "+class[1]+" ", " table-stack ") {
				t.Errorf("%s: %s has no class table-stack: it would be clipped on a phone", f, tag)
			}
		}
	}
	if tables < 15 {
		t.Errorf("found only %d tables in the templates", tables)
	}
	css, err := os.ReadFile("static/app.css")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(css), "table.table-stack") {
		t.Error("app.css has no .table-stack rules")
	}
}
