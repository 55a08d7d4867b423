package document

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestTableCSV(t *testing.T) {
	tb := Table{Name: "x", Sheet: "統計", Rows: [][]string{{"組織", "件数"}, {"新宿店, 本店", "<3"}, {`"引用"`, "12"}}}
	f := tb.CSV()
	if f.Name != "x.csv" || f.Type != TypeCSV {
		t.Errorf("file %q of type %q", f.Name, f.Type)
	}
	want := "\ufeff組織,件数\r\n\"新宿店, 本店\",<3\r\n\"\"\"引用\"\"\",12\r\n"
	if got := string(f.Data); got != want {
		t.Errorf("CSV = %q, want %q", got, want)
	}
	if tb.Len() != 2 {
		t.Errorf("Len = %d, want 2", tb.Len())
	}
}

func TestTableXLSX(t *testing.T) {
	tb := Table{Name: "x", Sheet: "統計", Rows: [][]string{{"組織", "2026"}, {"新宿店", "12"}, {"本店", "<3"}}}
	f, err := tb.XLSX()
	if err != nil {
		t.Fatal(err)
	}
	if f.Name != "x.xlsx" || f.Type != TypeXLSX {
		t.Errorf("file %q of type %q", f.Name, f.Type)
	}
	wb, err := excelize.OpenReader(bytes.NewReader(f.Data))
	if err != nil {
		t.Fatal(err)
	}
	if got := wb.GetSheetList(); !slices.Equal(got, []string{"統計"}) {
		t.Errorf("sheets %q", got)
	}
	for _, c := range []struct {
		cell string
		typ  excelize.CellType
		text string
	}{
		{"B1", excelize.CellTypeSharedString, "2026"}, // the header stays text
		{"B2", excelize.CellTypeUnset, "12"},          // a number
		{"B3", excelize.CellTypeSharedString, "<3"},
	} {
		typ, _ := wb.GetCellType("統計", c.cell)
		v, _ := wb.GetCellValue("統計", c.cell)
		if typ != c.typ || v != c.text {
			t.Errorf("%s = %q of type %v, want %q of type %v", c.cell, v, typ, c.text, c.typ)
		}
	}
}

func TestTableExport(t *testing.T) {
	tb := Table{Name: "x", Sheet: "s", Rows: [][]string{{"a"}}}
	for _, format := range []string{"csv", "xlsx"} {
		f, err := tb.Export(format)
		if err != nil || !strings.HasSuffix(f.Name, "."+format) {
			t.Errorf("Export(%s) = %q, %v", format, f.Name, err)
		}
	}
	if _, err := tb.Export("pdf"); err == nil {
		t.Error("Export(pdf) did not fail")
	}
}
