// Package ledger reads an organisation's old ledger of incidents (カスハラ記録簿),
// an Excel workbook (.xlsx) or a CSV file, into a kasuhara.Ledger, and turns
// its rows into reports by a column mapping: dates as Japanese write them,
// kinds of conduct by name or keyword, the state a row says. It does no I/O
// beyond the bytes it is given and knows no database.
package ledger

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/kasuhara/kasuhara"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/transform"
)

// fileError is EINVALID naming the field "file".
func fileError(code kasuhara.FieldCode, args map[string]any) error {
	return kasuhara.Invalid(kasuhara.FieldErrors{"file": {Code: code, Args: args}})
}

// Read reads a ledger from the bytes of a file: an XLSX workbook (its first
// sheet) or CSV (UTF-8, with or without a byte order mark, or Shift_JIS as
// Japanese Excel saves it). The first non-empty row names the columns.
// EINVALID naming "file": not a spreadsheet (an old .xls, a PDF, …), a
// workbook with macros, a formula in a cell (its values must be pasted),
// more than kasuhara.MaxLedgerRows rows, more than MaxLedgerBytes, no
// header, nothing below it.
func Read(data []byte) (*kasuhara.Ledger, error) {
	switch {
	case len(data) > kasuhara.MaxLedgerBytes:
		return nil, fileError(kasuhara.FieldFileTooLarge, nil)
	case len(bytes.TrimSpace(data)) == 0:
		return nil, fileError(kasuhara.FieldEmpty, nil)
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return readXLSX(data)
	case bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0}), bytes.IndexByte(data, 0) >= 0:
		// An old binary workbook (.xls, .xlsm saved as such), or any
		// other binary file.
		return nil, fileError(kasuhara.FieldNotSpreadsheet, nil)
	}
	return readCSV(data)
}

func readXLSX(data []byte) (*kasuhara.Ledger, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fileError(kasuhara.FieldNotSpreadsheet, nil)
	}
	workbook := false
	for _, f := range zr.File {
		name := strings.ToLower(f.Name)
		if strings.HasSuffix(name, "vbaproject.bin") {
			return nil, fileError(kasuhara.FieldMacroFile, nil)
		}
		workbook = workbook || name == "xl/workbook.xml"
	}
	if !workbook {
		// A Word document, a ZIP of photos: not a workbook.
		return nil, fileError(kasuhara.FieldNotSpreadsheet, nil)
	}
	// The unzipped size is bounded too: a small file may unpack to
	// gigabytes.
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{RawCellValue: true,
		UnzipSizeLimit: 20 * kasuhara.MaxLedgerBytes, UnzipXMLSizeLimit: 10 * kasuhara.MaxLedgerBytes})
	if err != nil {
		return nil, fileError(kasuhara.FieldNotSpreadsheet, nil)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, fileError(kasuhara.FieldEmpty, nil)
	}
	sheet := sheets[0]
	rows, err := f.Rows(sheet)
	if err != nil {
		return nil, fmt.Errorf("ledger: rows: %w", err)
	}
	defer rows.Close()
	var all [][]string
	for n := 1; rows.Next(); n++ {
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, fileError(kasuhara.FieldNotSpreadsheet, nil)
		}
		if len(all) > kasuhara.MaxLedgerRows+1 {
			return nil, fileError(kasuhara.FieldTooManyRows, map[string]any{"Max": kasuhara.MaxLedgerRows})
		}
		for i, c := range cells {
			if c == "" {
				continue
			}
			ref, _ := excelize.CoordinatesToCellName(i+1, n)
			// A formula's value is what the sheet last computed, which
			// may be stale or depend on other files: only values are
			// imported.
			if fm, err := f.GetCellFormula(sheet, ref); err == nil && fm != "" {
				return nil, fileError(kasuhara.FieldFormula, map[string]any{"Cell": ref})
			}
		}
		all = append(all, cells)
	}
	if err := rows.Error(); err != nil {
		return nil, fileError(kasuhara.FieldNotSpreadsheet, nil)
	}
	return table(all)
}

func readCSV(data []byte) (*kasuhara.Ledger, error) {
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	if !utf8.Valid(data) {
		// Japanese Excel saves CSV in Shift_JIS (CP932).
		dec, err := io.ReadAll(transform.NewReader(bytes.NewReader(data), japanese.ShiftJIS.NewDecoder()))
		if err != nil || !utf8.Valid(dec) {
			return nil, fileError(kasuhara.FieldNotSpreadsheet, nil)
		}
		data = dec
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	var all [][]string
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fileError(kasuhara.FieldNotSpreadsheet, nil)
		}
		if len(all) > kasuhara.MaxLedgerRows+1 {
			return nil, fileError(kasuhara.FieldTooManyRows, map[string]any{"Max": kasuhara.MaxLedgerRows})
		}
		for i, c := range rec {
			// A cell starting with = is a formula in Excel's eyes; in a
			// CSV it is text, kept as such (the exports escape it again).
			rec[i] = strings.TrimSpace(c)
		}
		all = append(all, rec)
	}
	return table(all)
}

// table makes the ledger of rows: the first non-empty row is the header;
// empty rows are skipped; row numbers are the file's.
func table(all [][]string) (*kasuhara.Ledger, error) {
	l := &kasuhara.Ledger{}
	header := -1
	for i, cells := range all {
		if empty(cells) {
			continue
		}
		if header < 0 {
			header = i
			for _, h := range cells {
				l.Headers = append(l.Headers, strings.TrimSpace(h))
			}
			continue
		}
		l.Rows = append(l.Rows, kasuhara.LedgerRow{Number: i + 1, Cells: cells})
	}
	switch {
	case header < 0:
		return nil, fileError(kasuhara.FieldEmpty, nil)
	case len(l.Headers) > kasuhara.MaxLedgerColumns:
		return nil, fileError(kasuhara.FieldLedgerHeader, nil)
	case len(l.Rows) > kasuhara.MaxLedgerRows:
		return nil, fileError(kasuhara.FieldTooManyRows, map[string]any{"Max": kasuhara.MaxLedgerRows})
	case len(l.Rows) == 0:
		return nil, fileError(kasuhara.FieldEmpty, nil)
	}
	seen := map[string]bool{}
	for _, h := range l.Headers {
		if h != "" && seen[h] {
			// Two columns of one name could not be told apart by a mapping.
			return nil, fileError(kasuhara.FieldLedgerHeader, nil)
		}
		seen[h] = true
	}
	if len(seen) == 1 && seen[""] {
		return nil, fileError(kasuhara.FieldLedgerHeader, nil)
	}
	return l, nil
}

func empty(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}
