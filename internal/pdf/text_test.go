package pdf

import (
	"bytes"
	"compress/zlib"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kasuhara/kasuhara/internal/testpdf"
)

// This file reads text back out of the PDFs the package writes: with
// poppler's pdftotext when it is installed, and with a small reader of our
// own that needs nothing but the standard library.

var (
	streamRE  = regexp.MustCompile(`>>\s*stream\r?\n`)
	bfrangeRE = regexp.MustCompile(`<([0-9A-Fa-f]{4})><([0-9A-Fa-f]{4})><([0-9A-Fa-f]{4,8})>`)
	textObjRE = regexp.MustCompile(`(?s)BT\n(.*?)ET`)
	hexStrRE  = regexp.MustCompile(`<([0-9A-Fa-f]*)>`)
)

// pdfStreams returns the decoded streams of a PDF written by gopdf, which
// are either uncompressed or FlateDecode.
func pdfStreams(t *testing.T, pdf []byte) [][]byte {
	t.Helper()
	var out [][]byte
	for _, obj := range bytes.Split(pdf, []byte("endobj")) {
		loc := streamRE.FindIndex(obj)
		if loc == nil {
			continue
		}
		dict := obj[:loc[0]]
		end := bytes.LastIndex(obj, []byte("endstream"))
		if end < loc[1] {
			t.Fatalf("stream without end: %.60q", obj)
		}
		data := obj[loc[1]:end]
		if bytes.Contains(dict, []byte("FlateDecode")) {
			zr, err := zlib.NewReader(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("inflate %.60q: %v", dict, err)
			}
			data, err = io.ReadAll(zr)
			if err != nil {
				t.Fatalf("inflate %.60q: %v", dict, err)
			}
		}
		out = append(out, data)
	}
	return out
}

// toUnicode returns the glyph-to-character map of the ToUnicode CMap.
func toUnicode(t *testing.T, streams [][]byte) map[uint16]rune {
	t.Helper()
	m := make(map[uint16]rune)
	for _, s := range streams {
		if !bytes.Contains(s, []byte("beginbfrange")) {
			continue
		}
		for _, g := range bfrangeRE.FindAllSubmatch(s, -1) {
			lo, _ := strconv.ParseUint(string(g[1]), 16, 16)
			hi, _ := strconv.ParseUint(string(g[2]), 16, 16)
			r, _ := strconv.ParseUint(string(g[3]), 16, 32)
			for gid := lo; gid <= hi; gid++ {
				m[uint16(gid)] = rune(r + gid - lo)
			}
		}
	}
	if len(m) == 0 {
		t.Fatal("no ToUnicode CMap in the PDF")
	}
	return m
}

// extractText returns the text of every text object in the PDF's content
// streams in drawing order, one object (a line of a block or cell) a line,
// decoded through the ToUnicode CMap as a reader's copy and search would.
func extractText(t *testing.T, pdf []byte) string {
	t.Helper()
	streams := pdfStreams(t, pdf)
	cmap := toUnicode(t, streams)
	var sb strings.Builder
	for _, s := range streams {
		for _, obj := range textObjRE.FindAllSubmatch(s, -1) {
			for _, h := range hexStrRE.FindAllSubmatch(obj[1], -1) {
				b, err := hex.DecodeString(string(h[1]))
				if err != nil {
					t.Fatalf("bad hex string %q", h[1])
				}
				for i := 0; i+1 < len(b); i += 2 {
					gid := uint16(b[i])<<8 | uint16(b[i+1])
					r, ok := cmap[gid]
					if !ok {
						t.Fatalf("glyph %04X has no ToUnicode entry", gid)
					}
					sb.WriteRune(r)
				}
			}
			sb.WriteByte('\n')
		}
	}
	return sb.String()
}

// squash removes all white space, so that text can be compared whatever
// the line breaks.
func squash(s string) string { return testpdf.Squash(s) }

// pdftotext returns the text of the PDF (or of pages first to last, when
// not zero) as poppler extracts it. Without pdftotext the test is skipped,
// unless KASUHARA_REQUIRE_PDFTOTEXT=1 (as in CI) makes that a failure.
func pdftotext(t *testing.T, pdf []byte, first, last int) string {
	t.Helper()
	args := []string{"-enc", "UTF-8"}
	if first > 0 {
		args = append(args, "-f", strconv.Itoa(first), "-l", strconv.Itoa(last))
	}
	out, ok := testpdf.Text(t, pdf, args...)
	if !ok {
		t.Skip("pdftotext not installed: text extraction by poppler not checked")
	}
	return out
}

// pageCount counts the page objects of a PDF.
func pageCount(pdf []byte) int {
	return len(regexp.MustCompile(`/Type /Page\b[^s]`).FindAll(pdf, -1))
}

// renderPDF renders a document, failing on an error, and writes it to
// $KASUHARA_PDF_OUT/name, when that is set, for a person to look at
// (pdftoppm -png -r 60 name.pdf page).
func renderPDF(t *testing.T, name string, render func() ([]byte, error)) []byte {
	t.Helper()
	pdf, err := render()
	if err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("KASUHARA_PDF_OUT"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, name), pdf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return pdf
}
