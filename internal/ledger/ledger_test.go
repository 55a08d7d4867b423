package ledger_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/ledger"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/japanese"
)

func TestParseDate(t *testing.T) {
	jst := func(y int, m time.Month, d, hh, mm int) time.Time {
		return time.Date(y, m, d, hh, mm, 0, 0, kasuhara.JST)
	}
	for _, tc := range []struct {
		in   string
		year int
		want time.Time
	}{
		{"令和6年5月1日", 0, jst(2024, 5, 1, 0, 0)},
		{"令和元年5月1日", 0, jst(2019, 5, 1, 0, 0)},
		{"平成31年4月30日", 0, jst(2019, 4, 30, 0, 0)},
		{"R6.5.1", 0, jst(2024, 5, 1, 0, 0)},
		{"Ｒ６．５．１", 0, jst(2024, 5, 1, 0, 0)},
		{"H30/12/31", 0, jst(2018, 12, 31, 0, 0)},
		{"2024/5/1", 0, jst(2024, 5, 1, 0, 0)},
		{"2024-05-01", 0, jst(2024, 5, 1, 0, 0)},
		{"2024年5月1日（水）14時30分", 0, jst(2024, 5, 1, 14, 30)},
		{"2024/5/1 9:05", 0, jst(2024, 5, 1, 9, 5)},
		{"5月1日", 2024, jst(2024, 5, 1, 0, 0)},
		{"5/1", 2023, jst(2023, 5, 1, 0, 0)},
		{"45413", 0, jst(2024, 5, 1, 0, 0)},
		{"45413.5", 0, jst(2024, 5, 1, 12, 0)},
	} {
		got, err := ledger.ParseDate(tc.in, tc.year)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("ParseDate(%q, %d) = %v, %v; want %v", tc.in, tc.year, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "5月1日", "2024/2/30", "令和6年13月1日", "昨日", "2024/5/1 頃", "12", "25:00"} {
		if got, err := ledger.ParseDate(bad, 0); err == nil {
			t.Errorf("ParseDate(%q) = %v, want an error", bad, got)
		}
	}
}

func TestMatch(t *testing.T) {
	for in, want := range map[string]string{"暴言": "insult", "土下座の強要": "kneeling_demand", "長時間の電話": "long_contact",
		"暴力・暴言": "violence_abuse", "threat": "threat", "violence_abuse": "violence_abuse", "相談": kasuhara.ImportConsultation,
		"ＳＮＳへの投稿": "sns_post", "謎の行為": "", "": ""} {
		if got := ledger.Match(in); got != want {
			t.Errorf("Match(%q) = %q, want %q", in, got, want)
		}
	}
}

// xlsx writes a workbook of rows with excelize, as a person's Excel would.
func xlsx(t *testing.T, rows [][]any, edit func(f *excelize.File)) []byte {
	t.Helper()
	f := excelize.NewFile()
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	if edit != nil {
		edit(f)
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func fileCode(t *testing.T, err error) kasuhara.FieldCode {
	t.Helper()
	return kasuhara.ErrorFields(err)["file"].Code
}

func TestRead(t *testing.T) {
	header := []any{"発生日", "内容", "分類"}
	good := xlsx(t, [][]any{header, {"令和6年5月1日", "大声で怒鳴られた", "暴言"}, {}, {"2024/5/2", "土下座しろと言われた", "土下座"}}, nil)
	l, err := ledger.Read(good)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(l.Headers, "|") != "発生日|内容|分類" || len(l.Rows) != 2 || l.Rows[1].Number != 4 || l.Rows[0].Cells[1] != "大声で怒鳴られた" {
		t.Fatalf("ledger = %+v", l)
	}
	// A date cell arrives as Excel's serial number, which ParseDate reads.
	dated := xlsx(t, [][]any{header, {time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), "x", "暴言"}}, nil)
	if l, err := ledger.Read(dated); err != nil || l.Rows[0].Cells[0] != "45413" {
		t.Fatalf("a date cell reads %v, %v", l, err)
	}
	// CSV in Shift_JIS, as Japanese Excel saves it, and in UTF-8 with a BOM.
	sjis, _ := japanese.ShiftJIS.NewEncoder().Bytes([]byte("発生日,内容,分類\r\n2024/5/1,怒鳴られた,暴言\r\n"))
	for name, data := range map[string][]byte{"sjis": sjis, "bom": []byte("\xEF\xBB\xBF発生日,内容,分類\n2024/5/1,怒鳴られた,暴言\n")} {
		l, err := ledger.Read(data)
		if err != nil || l.Headers[0] != "発生日" || l.Rows[0].Cells[1] != "怒鳴られた" {
			t.Errorf("%s CSV = %+v, %v", name, l, err)
		}
	}
	// Bad input is named.
	formula := xlsx(t, [][]any{header, {"2024/5/1", "x", "暴言"}}, func(f *excelize.File) {
		f.SetCellFormula("Sheet1", "B2", `CONCATENATE("a","b")`)
	})
	var macro bytes.Buffer
	zw := zip.NewWriter(&macro)
	zr, _ := zip.NewReader(bytes.NewReader(good), int64(len(good)))
	for _, zf := range zr.File {
		w, _ := zw.Create(zf.Name)
		r, _ := zf.Open()
		var b bytes.Buffer
		b.ReadFrom(r)
		w.Write(b.Bytes())
	}
	w, _ := zw.Create("xl/vbaProject.bin")
	w.Write([]byte("Attribute VB_Name"))
	zw.Close()
	var many strings.Builder
	many.WriteString("発生日,内容\n")
	for i := 0; i < 100_000; i++ {
		fmt.Fprintf(&many, "2024/5/1,行%d\n", i)
	}
	var docx bytes.Buffer
	zw = zip.NewWriter(&docx)
	w, _ = zw.Create("word/document.xml")
	w.Write([]byte("<w:document/>"))
	zw.Close()
	for _, tc := range []struct {
		name string
		data []byte
		want kasuhara.FieldCode
	}{
		{"formula", formula, kasuhara.FieldFormula},
		{"macro", macro.Bytes(), kasuhara.FieldMacroFile},
		{"100k rows", []byte(many.String()), kasuhara.FieldTooManyRows},
		{"old xls", append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 100)...), kasuhara.FieldNotSpreadsheet},
		{"pdf", []byte("%PDF-1.7\n\x00\x01binary"), kasuhara.FieldNotSpreadsheet},
		{"docx", docx.Bytes(), kasuhara.FieldNotSpreadsheet},
		{"empty", []byte("  \n"), kasuhara.FieldEmpty},
		{"header only", []byte("発生日,内容\n"), kasuhara.FieldEmpty},
		{"two columns of one name", []byte("内容,内容\nx,y\n"), kasuhara.FieldLedgerHeader},
		{"too large", bytes.Repeat([]byte("a"), kasuhara.MaxLedgerBytes+1), kasuhara.FieldFileTooLarge},
	} {
		_, err := ledger.Read(tc.data)
		if got := fileCode(t, err); got != tc.want {
			t.Errorf("%s: %v (%q), want %q", tc.name, err, got, tc.want)
		}
	}
	if _, err := ledger.Read(formula); !strings.Contains(kasuhara.ErrorFields(err)["file"].String(), "B2") {
		t.Errorf("the formula's cell is not named: %v", err)
	}
}

func TestConvert(t *testing.T) {
	l := &kasuhara.Ledger{Headers: []string{"日付", "内容", "分類", "状況", "時間", "顧客"}, Rows: []kasuhara.LedgerRow{
		{Number: 2, Cells: []string{"令和6年5月1日", "怒鳴られた", "暴言、長時間", "完了", "45分", "山田"}},
		{Number: 3, Cells: []string{"5月2日", "居座られた", "謎の行為", "対応中", "", ""}},
		{Number: 4, Cells: []string{"昨日", "", "", "保留", "x", ""}},
	}}
	m := kasuhara.CaseImportMapping{Columns: map[string]string{"occurred_at": "日付", "conduct": "内容", "categories": "分類",
		"state": "状況", "duration_minutes": "時間", "customer_name": "顧客"}}
	now := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	res := ledger.Convert(l, m, 0, now)
	first := res.Lines[0]
	if len(first.Problems) != 0 || first.State != kasuhara.StateClosed || first.Report.DurationMinutes != 45 || !first.Customer ||
		strings.Join(first.Report.Subtypes, ",") != "insult,long_contact" {
		t.Errorf("row 2 = %+v", first)
	}
	// 5月2日 takes its year from the row above.
	second := res.Lines[1]
	if _, bad := second.Problems["occurred_at"]; bad || second.Report.OccurredAt.In(kasuhara.JST).Format("2006-01-02") != "2024-05-02" ||
		second.Problems["categories"].Code != kasuhara.FieldUnmatched || second.State != kasuhara.StateAcknowledged {
		t.Errorf("row 3 = %+v", second)
	}
	// Without a row above, the year must be asked.
	alone := &kasuhara.Ledger{Headers: l.Headers, Rows: []kasuhara.LedgerRow{l.Rows[1]}}
	if p := ledger.Convert(alone, m, 0, now).Lines[0].Problems; p["occurred_at"].Code != kasuhara.FieldNeedsYear {
		t.Errorf("a first row without its year: %v", p)
	}
	if got := ledger.Convert(alone, m, 2023, now).Lines[0].Report.OccurredAt.In(kasuhara.JST).Format("2006-01-02"); got != "2023-05-02" {
		t.Errorf("with the year asked: %s", got)
	}
	third := res.Lines[2].Problems
	for f, want := range map[string]kasuhara.FieldCode{"occurred_at": kasuhara.FieldDate, "conduct": kasuhara.FieldRequired,
		"state": kasuhara.FieldImportState, "duration_minutes": kasuhara.FieldNumber} {
		if third[f].Code != want {
			t.Errorf("row 4 %s = %q, want %q", f, third[f].Code, want)
		}
	}
	if res.Problems != 2 || len(res.Unmatched["謎の行為"]) != 1 || res.Lines[1].Problems["categories"].Code == "" {
		t.Errorf("problems %d unmatched %v", res.Problems, res.Unmatched)
	}
	// The year given and the word reviewed, the second row is right.
	m.Values = map[string]string{"謎の行為": "refusal_to_leave"}
	res = ledger.Convert(l, m, 2024, now)
	if p := res.Lines[1].Problems; len(p) != 0 || res.Lines[1].Report.Subtypes[0] != "refusal_to_leave" {
		t.Errorf("row 3 after review = %+v", res.Lines[1])
	}
	// A date without its year takes the sheet's: the row above's, the
	// next year after December.
	byYear := &kasuhara.Ledger{Headers: []string{"日付", "内容"}, Rows: []kasuhara.LedgerRow{
		{Number: 2, Cells: []string{"2023/11/30", "a"}}, {Number: 3, Cells: []string{"12月5日", "b"}},
		{Number: 4, Cells: []string{"1月8日", "c"}}, {Number: 5, Cells: []string{"2月1日", "d"}}}}
	res = ledger.Convert(byYear, kasuhara.CaseImportMapping{Columns: map[string]string{"occurred_at": "日付", "conduct": "内容"}}, 0, now)
	for i, want := range []string{"2023-11-30", "2023-12-05", "2024-01-08", "2024-02-01"} {
		if got := res.Lines[i].Report.OccurredAt.In(kasuhara.JST).Format("2006-01-02"); got != want || len(res.Lines[i].Problems) != 0 {
			t.Errorf("row %d: %s (%v), want %s", i+2, got, res.Lines[i].Problems, want)
		}
	}
	// A guess from common headers.
	g := ledger.Guess([]string{"No.", "発生日", "店舗", "分類", "内容（お客様の言動）", "対応状況"})
	for f, want := range map[string]string{"occurred_at": "発生日", "conduct": "内容（お客様の言動）", "categories": "分類",
		"department": "店舗", "state": "対応状況"} {
		if g.Columns[f] != want {
			t.Errorf("Guess %s = %q, want %q", f, g.Columns[f], want)
		}
	}
}
