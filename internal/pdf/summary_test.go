package pdf

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara/internal/calendar"
)

// evidenceRows returns n rows of an evidence list with real SHA-256 hashes.
func evidenceRows(n int) [][]string {
	rows := make([][]string, n)
	for i := range rows {
		sum := sha256.Sum256([]byte(fmt.Sprint("evidence", i)))
		rows[i] = []string{
			fmt.Sprint(i + 1),
			fmt.Sprintf("2026-11-%02d 14:%02d", 1+i%28, i%60),
			fmt.Sprintf("通話録音_%03d.m4a", i+1),
			hex.EncodeToString(sum[:]),
		}
	}
	return rows
}

var evidenceHeader = []string{"番号", "受領日時", "ファイル名", "SHA-256"}

func longSummary() SummaryInput {
	return SummaryInput{
		Lang:      "ja",
		Title:     "カスタマーハラスメント事案 報告書（事案番号 C-2026-0042）",
		Generated: time.Date(2026, 11, 27, 10, 30, 0, 0, calendar.JST),
		Sections: []Section{
			{
				Heading: "事案の概要",
				Facts: [][2]string{
					{"事案番号", "C-2026-0042"},
					{"受付日", "2026年11月20日"},
					{"行為の類型", "暴言・威圧的な言動、土下座の要求、長時間の拘束"},
					{"対応状況", "警告書を送付済み。再発時は対応をお断りし、警察に相談する方針。担当部署：お客様相談室、法務部。"},
				},
				Text: "2026年11月20日14時頃、来店したお客様が、商品の不具合を理由に従業員に対して約2時間にわたり大声で謝罪を要求し、「土下座しろ」と繰り返した。" +
					"店長が対応を代わり、退店を求めたが応じなかったため、本部に報告した。\n当日の録音と防犯カメラ映像を証拠として保全した。",
			},
			{
				Heading: "証拠一覧",
				Text:    "各ファイルの SHA-256 ハッシュ値は受領時に計算したもので、改ざんのないことを示す。",
				Table:   &TableData{Header: evidenceHeader, Rows: evidenceRows(60), Widths: []float64{8, 22, 30, 40}},
			},
			{
				Heading: "年間の件数",
				Table: &TableData{
					Header: []string{"月", "件数", "うち警告書"},
					Rows:   [][]string{{"4月", "12", "2"}, {"5月", "8", "1"}, {"6月", "15", "3"}},
				},
			},
		},
	}
}

func TestCaseSummaryLong(t *testing.T) {
	s := longSummary()
	b := renderPDF(t, "summary-ja.pdf", func() ([]byte, error) { return CaseSummary(s) })
	pages := pageCount(b)
	if pages < 3 {
		t.Fatalf("summary has %d pages, want at least 3 for 60 evidence rows", pages)
	}
	text := extractText(t, b)
	all := squash(text)
	for _, want := range []string{
		"カスタマーハラスメント事案報告書", "作成日時：2026年11月27日10:30JST",
		"事案の概要", "長時間の拘束", squash(s.Sections[0].Text), "証拠一覧", "年間の件数", "うち警告書",
		fmt.Sprintf("%d/%d", pages, pages),
	} {
		if !strings.Contains(all, want) {
			t.Errorf("summary text lacks %q", want)
		}
	}
	// Every hash is there whole, though it wraps in its cell, and so is
	// every row.
	for _, r := range s.Sections[1].Table.Rows {
		if !strings.Contains(all, r[3]) {
			t.Errorf("hash of row %s is not whole in the text", r[0])
		}
		if !strings.Contains(text, "\n"+r[2]+"\n") {
			t.Errorf("file name %s is not a line of its own", r[2])
		}
	}
	// The header repeats on every page the evidence table continues on.
	if n := strings.Count(text, "\nSHA-256\n"); n < 2 {
		t.Errorf("the evidence header appears %d times, want it repeated on each page", n)
	}

	t.Run("pdftotext", func(t *testing.T) {
		for p := 1; p <= pages; p++ {
			page := pdftotext(t, b, p, p)
			if !strings.Contains(squash(page), fmt.Sprintf("%d/%d", p, pages)) {
				t.Errorf("page %d: no footer %d / %d in pdftotext output", p, p, pages)
			}
			if p > 1 && strings.Contains(page, "通話録音_") && !strings.Contains(page, "ファイル名") {
				t.Errorf("page %d continues the evidence table without its header", p)
			}
		}
		poppler := squash(pdftotext(t, b, 0, 0))
		for _, want := range []string{"事案の概要", "土下座しろ", "通話録音_060.m4a"} {
			if !strings.Contains(poppler, want) {
				t.Errorf("pdftotext output lacks %q", want)
			}
		}
	})
}

func TestCaseSummaryEnglish(t *testing.T) {
	s := SummaryInput{
		Lang:      "en",
		Title:     "Annual report 2026",
		Generated: time.Date(2027, 4, 1, 9, 0, 0, 0, time.UTC),
		Sections: []Section{{
			Heading: "Cases by month",
			Facts:   [][2]string{{"Period", "April 2026 to March 2027"}},
			Table:   &TableData{Header: []string{"Month", "Cases"}, Rows: [][]string{{"April", "12"}, {"May", "8"}}},
		}},
	}
	b := renderPDF(t, "summary-en.pdf", func() ([]byte, error) { return CaseSummary(s) })
	text := extractText(t, b)
	for _, want := range []string{"Annual report 2026\n", "Generated: 1 April 2027 09:00 UTC\n", "Cases by month\n", "Period\n", "April\n", "12\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q", want)
		}
	}
	if strings.Contains(text, "作成日時") {
		t.Errorf("English summary has the Japanese label")
	}
}

func TestCaseSummaryDeterministic(t *testing.T) {
	sameTwice(t, func() ([]byte, error) { return CaseSummary(longSummary()) })
}

func TestCaseSummaryInvalid(t *testing.T) {
	wantInvalid(t, longSummary, CaseSummary, []invalid[SummaryInput]{
		{"lang", func(s *SummaryInput) { s.Lang = "de" }, `Lang must be "ja" or "en", not "de"`},
		{"title", func(s *SummaryInput) { s.Title = "" }, "Title is required"},
		{"generated", func(s *SummaryInput) { s.Generated = time.Time{} }, "Generated is required"},
		{"row", func(s *SummaryInput) { s.Sections[1].Table.Rows[4] = []string{"5"} }, "section 2: pdf: table row 5 has 1 cells, want 4"},
	})
}

func BenchmarkCaseSummary(b *testing.B) {
	s := longSummary()
	for b.Loop() {
		if _, err := CaseSummary(s); err != nil {
			b.Fatal(err)
		}
	}
}
