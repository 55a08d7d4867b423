package document

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"

	"github.com/xuri/excelize/v2"
)

// Table is an export: a header row and the rows under it, written as CSV
// or as a workbook of one sheet.
type Table struct {
	// Name is the file name without its extension.
	Name string
	// Sheet names the workbook's sheet.
	Sheet string
	// Rows are the header, then the data.
	Rows [][]string
}

// Len is the number of data rows.
func (t Table) Len() int { return max(len(t.Rows)-1, 0) }

// Export writes the table as format, "csv" or "xlsx".
func (t Table) Export(format string) (File, error) {
	switch format {
	case "csv":
		return t.CSV(), nil
	case "xlsx":
		return t.XLSX()
	}
	return File{}, fmt.Errorf("document: export: no format %q", format)
}

// CSV writes the table as CSV that Excel opens correctly: UTF-8 with a
// byte order mark, lines ending in CRLF, every cell through csvCell.
func (t Table) CSV() File {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	cw := csv.NewWriter(&buf)
	cw.UseCRLF = true
	for _, row := range t.Rows {
		cells := make([]string, len(row))
		for i, v := range row {
			cells[i] = csvCell(v)
		}
		cw.Write(cells) // a bytes.Buffer does not fail
	}
	cw.Flush()
	return File{Name: t.Name + ".csv", Type: TypeCSV, Data: buf.Bytes()}
}

// XLSX writes the table to the one sheet of a workbook; numbers under the
// header stay numbers.
func (t Table) XLSX() (File, error) {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", t.Sheet); err != nil {
		return File{}, fmt.Errorf("document: xlsx: %w", err)
	}
	for i, row := range t.Rows {
		vals := make([]any, len(row))
		for j, v := range row {
			if n, err := strconv.Atoi(v); err == nil && i > 0 {
				vals[j] = n
			} else {
				vals[j] = v
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(t.Sheet, cell, &vals); err != nil {
			return File{}, fmt.Errorf("document: xlsx: %w", err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return File{}, fmt.Errorf("document: xlsx: %w", err)
	}
	return File{Name: t.Name + ".xlsx", Type: TypeXLSX, Data: buf.Bytes()}, nil
}
