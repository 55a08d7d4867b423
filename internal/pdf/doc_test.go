package pdf

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kasuhara/kasuhara/internal/calendar"
)

func fixedClock() time.Time { return time.Date(2026, 11, 27, 10, 30, 0, 0, calendar.JST) }

func newTestDoc(t *testing.T) *Doc {
	t.Helper()
	d, err := NewWithOptions(Options{Title: "テスト", Now: fixedClock})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// docBytes finishes d and returns its PDF.
func docBytes(t *testing.T, d *Doc) []byte {
	t.Helper()
	b, err := d.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fillDoc adds one of every kind of block, enough for three pages.
func fillDoc(d *Doc) {
	d.Title("対応記録の要約 Case summary")
	d.Heading("概要")
	d.KeyValues([][2]string{
		{"受付日", "2026年11月20日"},
		{"内容", "電話で長時間にわたり大声で謝罪と土下座を要求された。担当者は途中で上司に交代した。"},
	})
	for i := range 30 {
		d.Paragraph(fmt.Sprintf("段落%d：お客様からの要求は、社会通念上相当な範囲を超えるものでした。Paragraph %d keeps English words whole when it wraps at the end of a line.", i+1, i+1))
	}
	d.Spacer(5)
	d.SmallPrint("この文書は社内資料です。")
	d.Table([]string{"番号", "内容"}, [][]string{{"1", "録音"}, {"2", "メール"}}, []float64{1, 5})
}

func TestDocPagesAndFooter(t *testing.T) {
	d := newTestDoc(t)
	fillDoc(d)
	b := docBytes(t, d)
	pages := d.Pages()
	if pages < 2 {
		t.Fatalf("Pages() = %d, want a document of several pages", pages)
	}
	if got := pageCount(b); got != pages {
		t.Errorf("PDF has %d page objects, Pages() = %d", got, pages)
	}
	text := extractText(t, b)
	for i := 1; i <= pages; i++ {
		want := fmt.Sprintf("%d / %d\n", i, pages)
		if !strings.Contains(text, want) {
			t.Errorf("no footer %q in the text", want)
		}
	}
	if strings.Contains(text, fmt.Sprintf("%d / %d", pages+1, pages)) {
		t.Errorf("footer names a page beyond the last")
	}
	for _, want := range []string{"対応記録の要約", "段落30", "この文書は社内資料です。", "メール"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q", want)
		}
	}
	// Bytes is idempotent, and the document is closed after it.
	again, err := d.Bytes()
	if err != nil || !bytes.Equal(again, b) {
		t.Errorf("second Bytes() differs or fails: %v", err)
	}
	var buf bytes.Buffer
	n, err := d.WriteTo(&buf)
	if err != nil || n != int64(len(b)) || !bytes.Equal(buf.Bytes(), b) {
		t.Errorf("WriteTo = %d, %v; want the %d bytes of Bytes()", n, err, len(b))
	}
	d.Paragraph("too late")
	if _, err := d.Bytes(); err != errFinished {
		t.Errorf("Bytes() after a late Paragraph: error %v, want %v", err, errFinished)
	}
}

func TestDocEmpty(t *testing.T) {
	d := newTestDoc(t)
	b := docBytes(t, d)
	if got := pageCount(b); got != 1 {
		t.Errorf("empty document has %d pages, want 1", got)
	}
}

func TestDocMetadata(t *testing.T) {
	d, err := NewWithOptions(Options{Title: "警告書", Author: "株式会社かすはら", Now: fixedClock})
	if err != nil {
		t.Fatal(err)
	}
	d.Paragraph("本文")
	b := docBytes(t, d)
	if !bytes.Contains(b, []byte("/CreationDate(D:20261127103000+09'00')")) {
		t.Errorf("no creation date from the injected clock in the metadata")
	}
	// Metadata strings are UTF-16BE with a byte-order mark.
	if !bytes.Contains(b, []byte("/Title <FEFF8B66544A66F8>")) {
		t.Errorf("no title 警告書 in the metadata")
	}
}

// sameTwice renders twice and fails unless both renders are the same
// bytes, which it returns.
func sameTwice(t *testing.T, render func() ([]byte, error)) []byte {
	t.Helper()
	a, err := render()
	if err != nil {
		t.Fatal(err)
	}
	b, err := render()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Errorf("two renders of the same input differ (%d and %d bytes)", len(a), len(b))
	}
	return a
}

// invalid is a change that makes a document's input invalid, and what the
// error must say.
type invalid[T any] struct {
	name   string
	change func(*T)
	want   string
}

// wantInvalid renders each change of a good input and fails unless it
// gives the error and no bytes.
func wantInvalid[T any](t *testing.T, good func() T, render func(T) ([]byte, error), tests []invalid[T]) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := good()
			tt.change(&in)
			b, err := render(in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want %q", err, tt.want)
			}
			if b != nil {
				t.Errorf("%d bytes with an error", len(b))
			}
		})
	}
}

func TestDocDeterministic(t *testing.T) {
	sameTwice(t, func() ([]byte, error) {
		d := newTestDoc(t)
		fillDoc(d)
		return d.Bytes()
	})
}

// Documents made at the same time share the parsed font but not its subset.
func TestDocConcurrent(t *testing.T) {
	texts := []string{"警告書", "お知らせ", "Notice", "以上"}
	got := make([][]byte, len(texts))
	var wg sync.WaitGroup
	for i, s := range texts {
		wg.Go(func() {
			d, err := NewWithOptions(Options{Now: fixedClock})
			if err != nil {
				t.Error(err)
				return
			}
			d.Paragraph(s)
			got[i], err = d.Bytes()
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for i, s := range texts {
		if got[i] == nil {
			continue
		}
		text := extractText(t, got[i])
		if !strings.Contains(text, s) {
			t.Errorf("document %d lacks %q: %q", i, s, text)
		}
		for j, other := range texts {
			if j != i && !strings.Contains(s, other) && strings.Contains(text, other) {
				t.Errorf("document %d contains another's text %q", i, other)
			}
		}
	}
}

// The font is embedded as a subset: the PDF carries a FontFile2 far smaller
// than the 6 MB font, and the CMap maps its glyphs back to the characters.
func TestFontEmbeddedAsSubset(t *testing.T) {
	d := newTestDoc(t)
	d.Paragraph("以上")
	b := docBytes(t, d)
	for _, want := range []string{"/FontFile2", "/BaseFont /KSHPDF+IPAexGothic", "/ToUnicode", "/Identity-H"} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("PDF lacks %s", want)
		}
	}
	if len(b) > 100_000 {
		t.Errorf("a one-word PDF is %d bytes: the whole font was embedded?", len(b))
	}
	cmap := toUnicode(t, pdfStreams(t, b))
	have := map[rune]bool{}
	for _, r := range cmap {
		have[r] = true
	}
	for _, r := range "以上" {
		if !have[r] {
			t.Errorf("ToUnicode has no glyph for %q", r)
		}
	}
	if have['警'] {
		t.Errorf("ToUnicode maps a character that is not in the document")
	}
	if text := extractText(t, b); !strings.Contains(text, "以上") {
		t.Errorf("extracted text %q lacks 以上", text)
	}
}

func TestTableErrors(t *testing.T) {
	d := newTestDoc(t)
	d.Table([]string{"a", "b"}, [][]string{{"1", "2"}, {"3"}}, nil)
	d.Paragraph("after")
	_, err := d.Bytes()
	if err == nil || !strings.Contains(err.Error(), "table row 2 has 1 cells, want 2") {
		t.Errorf("Bytes() error = %v, want one naming row 2", err)
	}
}

func TestNumericColumn(t *testing.T) {
	rows := [][]string{{"12", "a", "1,234", ""}, {"3.5%", "b", "¥3,000", ""}, {"", "c", "-", ""}}
	want := []bool{true, false, false, false}
	for c, w := range want {
		if got := numericColumn(rows, c); got != w {
			t.Errorf("numericColumn(col %d) = %v, want %v", c, got, w)
		}
	}
}

// Characters the font lacks, such as emoji, print as spaces instead of
// failing the document.
func TestDocMissingGlyph(t *testing.T) {
	d := newTestDoc(t)
	d.Paragraph("絵文字😀テスト")
	b := docBytes(t, d)
	if text := extractText(t, b); !strings.Contains(text, "絵文字 テスト") {
		t.Errorf("text = %q, want the emoji replaced by a space", text)
	}
}

// A cell or value taller than a page is split across pages, losing nothing.
func TestRowTallerThanPage(t *testing.T) {
	var long []string
	for i := range 150 {
		long = append(long, fmt.Sprintf("行%03d", i+1))
	}
	d := newTestDoc(t)
	d.Table([]string{"番号", "内容"}, [][]string{{"1", strings.Join(long, "\n")}, {"2", "次の行"}}, nil)
	d.KeyValues([][2]string{{"経過", strings.Join(long, "\n")}})
	b := docBytes(t, d)
	if d.Pages() < 4 {
		t.Errorf("Pages() = %d, want the long cells spread over several pages", d.Pages())
	}
	text := extractText(t, b)
	for _, want := range []string{"行001\n", "行150\n", "次の行\n"} {
		if n := strings.Count(text, want); n < 1 {
			t.Errorf("text lacks %q", want)
		}
	}
	if got, want := strings.Count(text, "行150\n"), 2; got != want {
		t.Errorf("行150 appears %d times, want %d (table and list)", got, want)
	}
	if n := strings.Count(text, "内容\n"); n < 2 {
		t.Errorf("table header appears %d times, want it repeated", n)
	}
}
