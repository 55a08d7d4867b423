package pdf

import (
	"fmt"
	"strings"
	"time"
)

// SummaryInput is a structured report: a case summary, an evidence list,
// an annual report. All text arrives filled in and in the report's language.
type SummaryInput struct {
	// Lang is "ja" (the default when empty) or "en"; it chooses the label
	// and date format of the generation time.
	Lang string
	// Title is printed at the top of the first page. Required.
	Title string
	// Generated is when the report was made: printed under the title in its
	// own time zone, and the PDF creation date. Required.
	Generated time.Time
	// Sections follow each other in order.
	Sections []Section
}

// Section is one part of a summary. Each of its fields may be empty; those
// present are printed in this order: heading, facts, text, table.
type Section struct {
	Heading string
	// Facts are label/value pairs, such as 受付日 / 2026年4月1日.
	Facts [][2]string
	// Text is free text; newlines are kept.
	Text string
	// Table is a table of rows, such as the evidence files with their
	// SHA-256 hashes.
	Table *TableData
	// Bars is a bar chart, printed after the table.
	Bars []Bar
}

// TableData is a table for Doc.Table.
type TableData struct {
	Header []string
	Rows   [][]string
	// Widths are the relative widths of the columns; nil means equal.
	Widths []float64
}

var generatedLabel = map[string]func(time.Time) string{
	"ja": func(t time.Time) string { return "作成日時：" + dateJA(t) + t.Format(" 15:04 MST") },
	"en": func(t time.Time) string { return "Generated: " + t.Format("2 January 2006 15:04 MST") },
}

// CaseSummary lays out a summary and returns the PDF. The output depends
// only on s.
func CaseSummary(s SummaryInput) ([]byte, error) {
	generated, err := inLang(generatedLabel, s.Lang, "summary")
	if err != nil {
		return nil, err
	}
	switch {
	case strings.TrimSpace(s.Title) == "":
		return nil, fmt.Errorf("pdf: summary: Title is required")
	case s.Generated.IsZero():
		return nil, fmt.Errorf("pdf: summary: Generated is required")
	}
	d, err := NewWithOptions(Options{
		Title: s.Title,
		Now:   func() time.Time { return s.Generated },
	})
	if err != nil {
		return nil, fmt.Errorf("pdf: summary: %w", err)
	}
	d.Title(s.Title)
	d.flow(generated(s.Generated), sizeSmall, alignRight, greySmall)
	d.Spacer(4)
	for i, sec := range s.Sections {
		if sec.Heading != "" {
			d.Heading(sec.Heading)
		}
		if len(sec.Facts) > 0 {
			d.KeyValues(sec.Facts)
		}
		if sec.Text != "" {
			d.Paragraph(sec.Text)
		}
		if t := sec.Table; t != nil {
			d.Table(t.Header, t.Rows, t.Widths)
		}
		d.Bars(sec.Bars)
		if d.err != nil {
			return nil, fmt.Errorf("pdf: summary: section %d: %w", i+1, d.err)
		}
	}
	b, err := d.Bytes()
	if err != nil {
		return nil, fmt.Errorf("pdf: summary: %w", err)
	}
	return b, nil
}
