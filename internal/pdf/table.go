package pdf

import (
	"fmt"
	"math"
	"strings"
	"unicode"
)

const cellPad = 1.5 * mm

// KeyValues adds a two-column list of label and value, such as the facts of
// a case. Labels and values wrap within their columns; a thin rule separates
// the rows. A row taller than the rest of the page moves to the next page,
// and one taller than a page is split between lines.
func (d *Doc) KeyValues(rows [][2]string) {
	if !d.ok() || len(rows) == 0 {
		return
	}
	// The label column is as wide as the widest label, within bounds.
	var labelW float64
	for _, r := range rows {
		for _, line := range strings.Split(r[0], "\n") {
			labelW = math.Max(labelW, d.textWidth(line, sizeFacts))
		}
	}
	labelW = math.Min(math.Max(labelW+2*cellPad+2*mm, 28*mm), contentW*0.4)
	cols := []column{
		{x: margin, w: labelW, grey: greyLabel},
		{x: margin + labelW, w: contentW - labelW, grey: greyText},
	}
	d.ensure(sizeFacts*leading + 2*cellPad)
	d.rule(margin, d.y, margin+contentW, d.y, 0.4, greyRule)
	for _, r := range rows {
		d.row(cols, []string{r[0], r[1]}, sizeFacts, rowStyle{bottomRule: true}, nil)
	}
	d.gap(3 * mm)
}

// Table adds a table with a shaded header row, repeated at the top of every
// page the table continues on. widths are the relative widths of the
// columns (any unit; they are scaled to the width of the page); nil or a
// wrong count gives equal widths. Every row must have as many cells as the
// header. Cells wrap within their columns, and columns whose cells are all
// numbers are right-aligned. Text is set smaller than body text so that a
// SHA-256 hash fits in a column of about 60 mm; longer words break anywhere.
func (d *Doc) Table(header []string, rows [][]string, widths []float64) {
	if !d.ok() {
		return
	}
	n := len(header)
	if n == 0 && len(rows) > 0 {
		n = len(rows[0])
	}
	if n == 0 {
		return
	}
	for i, r := range rows {
		if len(r) != n {
			d.fail(fmt.Errorf("pdf: table row %d has %d cells, want %d", i+1, len(r), n))
			return
		}
	}
	cols := tableColumns(n, widths)
	for c := range cols {
		cols[c].grey = greyText
		cols[c].border = true
		cols[c].right = numericColumn(rows, c)
	}
	var drawHeader func()
	if len(header) > 0 {
		drawHeader = func() {
			d.row(cols, header, sizeTable, rowStyle{fill: greyHeader}, nil)
		}
	}
	// Start the table where at least the header and one line fit.
	d.ensure(2 * (sizeTable*leading + 2*cellPad))
	if drawHeader != nil {
		drawHeader()
	}
	for _, r := range rows {
		d.row(cols, r, sizeTable, rowStyle{}, drawHeader)
	}
	d.gap(3 * mm)
}

// column is one column of a table or a label/value list.
type column struct {
	x, w   float64
	grey   uint8
	border bool // draw the cell's outline
	right  bool // right-align the text
}

type rowStyle struct {
	fill       uint8 // background grey; 0 means none
	bottomRule bool  // a rule under the row instead of cell borders
}

func tableColumns(n int, widths []float64) []column {
	var total float64
	valid := len(widths) == n
	for _, w := range widths {
		if w <= 0 || math.IsNaN(w) || math.IsInf(w, 0) {
			valid = false
		}
		total += w
	}
	cols := make([]column, n)
	x := float64(margin)
	for i := range cols {
		w := contentW / float64(n)
		if valid {
			w = contentW * widths[i] / total
		}
		cols[i].x, cols[i].w = x, w
		x += w
	}
	return cols
}

// numericColumn reports whether every non-empty cell of column c is a
// number such as 1,234, -5, 12.5% or ¥3,000.
func numericColumn(rows [][]string, c int) bool {
	seen := false
	for _, r := range rows {
		s := strings.TrimSpace(r[c])
		if s == "" {
			continue
		}
		digits := 0
		for _, ch := range s {
			switch {
			case unicode.IsDigit(ch):
				digits++
			case strings.ContainsRune("+-.,%¥$€ ", ch):
			default:
				return false
			}
		}
		if digits == 0 {
			return false
		}
		seen = true
	}
	return seen
}

// row draws one row of cells. A row that does not fit in the rest of the
// page starts a new page (calling onNewPage, which repeats a table header);
// a row taller than a whole page is split between lines.
func (d *Doc) row(cols []column, cells []string, size float64, st rowStyle, onNewPage func()) {
	if d.err != nil {
		return
	}
	lh := size * leading
	lines := make([][]string, len(cols))
	n := 1
	for i, c := range cols {
		lines[i] = d.wrap(cells[i], size, c.w-2*cellPad)
		n = max(n, len(lines[i]))
	}
	breakPage := func() {
		d.newPage()
		if onNewPage != nil {
			onNewPage()
		}
	}
	if d.pages == 0 {
		breakPage()
	}
	// Room on a fresh page, below a repeated header.
	fresh := contentBot - contentTop
	if onNewPage != nil {
		fresh -= lh + 2*cellPad
	}
	rowH := float64(n)*lh + 2*cellPad
	if d.y+rowH > contentBot && rowH <= fresh && d.y > contentTop {
		breakPage()
	}
	for from := 0; from < n; {
		fit := int((contentBot - d.y - 2*cellPad) / lh)
		if fit < 1 {
			breakPage()
			continue
		}
		to := min(n, from+fit)
		h := float64(to-from)*lh + 2*cellPad
		// Fills first, then outlines, so no fill covers a neighbour's edge.
		for _, c := range cols {
			if st.fill != 0 {
				d.rect(c.x, d.y, c.w, h, st.fill, 255)
			}
		}
		for _, c := range cols {
			if c.border {
				d.rect(c.x, d.y, c.w, h, 255, greyRule)
			}
		}
		for i, c := range cols {
			a := alignLeft
			if c.right {
				a = alignRight
			}
			for k := from; k < to && k < len(lines[i]); k++ {
				y := d.y + cellPad + float64(k-from)*lh
				d.drawText(lines[i][k], c.x+cellPad, y, c.w-2*cellPad, lh, size, a, c.grey)
			}
		}
		d.y += h
		if st.bottomRule {
			last := cols[len(cols)-1]
			d.rule(cols[0].x, d.y, last.x+last.w, d.y, 0.4, greyRule)
		}
		from = to
		if from < n {
			breakPage()
		}
	}
}
