// Package pdf draws Kasuhara's printable documents: letters to customers
// and platforms, case summaries with their evidence lists, and reports.
// What a document says, in which language and time zone, is decided by
// internal/document; this package only lays out text it is given.
//
// A Doc lays out a flow of blocks (title, headings, paragraphs, label/value
// lists, tables) on A4 portrait pages with 20 mm margins, breaks pages by
// itself and numbers them in the footer ("1 / 3"). Text is set in IPAex
// Gothic, embedded in the binary and in every PDF as a subset of the glyphs
// used, so Japanese prints and can be searched and copied on any reader.
//
// Lines break between any two Japanese characters except where kinsoku
// forbids it (no 、。」） at the start of a line, no 「（ at its end),
// between English words at spaces, and anywhere inside a word too long for
// the line, such as a SHA-256 hash.
//
// Output is deterministic: the same input and clock give the same bytes.
// Letter and CaseSummary are the layouts internal/document uses; they
// depend on nothing else in Kasuhara.
package pdf

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/signintech/gopdf"
)

// Page geometry, in PDF points (1/72 inch).
const (
	mm         = 72.0 / 25.4
	pageWidth  = 595.28 // A4
	pageHeight = 841.89
	margin     = 20 * mm
	contentW   = pageWidth - 2*margin
	contentTop = margin
	contentBot = pageHeight - margin
	footerBase = pageHeight - 10*mm // baseline of the page number
)

// Type sizes in points and the line height as a multiple of the size.
const (
	sizeTitle   = 16
	sizeHeading = 12
	sizeBody    = 10.5
	sizeFacts   = 10
	sizeTable   = 8.5
	sizeSmall   = 8
	sizeFooter  = 8
	leading     = 1.6
)

// Grey levels (0 black … 255 white).
const (
	greyText   = 0
	greyLabel  = 85
	greySmall  = 90
	greyRule   = 170
	greyHeader = 230
)

// Options configure a new document.
type Options struct {
	// Title is the document title in the PDF metadata (not printed).
	Title string
	// Author is the author in the PDF metadata, usually the company name.
	Author string
	// Now gives the creation date written into the metadata. Nil means
	// time.Now; pass a fixed clock for reproducible output.
	Now func() time.Time
}

// Doc is a document being laid out. Its methods add blocks in reading order
// and start new pages as needed. A method that fails records the first error
// and turns the rest into no-ops; Bytes and WriteTo report it. A Doc is not
// safe for concurrent use.
type Doc struct {
	gp     *gopdf.GoPdf
	widths map[rune]float64 // advance width of a rune at 1 pt
	size   float64          // current font size
	y      float64          // top of the next block on the current page
	pages  int
	err    error
	out    []byte // the finished PDF, once Bytes has run
	done   bool
	// bare leaves out the page numbers (a 内容証明 letter, whose pages
	// carry its text and nothing else).
	bare bool
}

// New starts an empty A4 document with the embedded font and the current
// time as its creation date.
func New() (*Doc, error) {
	return NewWithOptions(Options{})
}

// NewWithOptions starts an empty A4 document with the given metadata and clock.
func NewWithOptions(o Options) (*Doc, error) {
	fc, err := parsedFont()
	if err != nil {
		return nil, err
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	gp := &gopdf.GoPdf{}
	gp.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4, Unit: gopdf.UnitPT})
	gp.SetInfo(gopdf.PdfInfo{
		Title:        bmpOnly(o.Title),
		Author:       bmpOnly(o.Author),
		Creator:      "Kasuhara",
		Producer:     "Kasuhara (gopdf)",
		CreationDate: now(),
	})
	if err := gp.AddTTFFontFromFontContainer(fontFamily, fc); err != nil {
		return nil, fmt.Errorf("pdf: add font: %w", err)
	}
	d := &Doc{gp: gp, widths: make(map[rune]float64)}
	if err := gp.SetFont(fontFamily, "", sizeBody); err != nil {
		return nil, fmt.Errorf("pdf: set font: %w", err)
	}
	d.size = sizeBody
	return d, nil
}

// bmpOnly replaces characters beyond the Basic Multilingual Plane, such as
// emoji, which gopdf cannot encode in metadata strings.
func bmpOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if r > 0xFFFF {
			return '\uFFFD'
		}
		return r
	}, s)
}

// Title adds the document title, centred, in large type.
func (d *Doc) Title(text string) {
	d.flow(text, sizeTitle, alignCenter, greyText)
	d.gap(4 * mm)
}

// Heading adds a section heading with a rule under it. It moves to a new
// page rather than stand alone at the bottom of one.
func (d *Doc) Heading(text string) {
	if !d.ok() {
		return
	}
	d.gap(2 * mm)
	lines := d.wrap(text, sizeHeading, contentW)
	lh := sizeHeading * leading
	// Keep the heading with at least two lines of what follows.
	d.ensure(float64(len(lines))*lh + 2*sizeBody*leading + 3*mm)
	d.drawLines(lines, margin, contentW, sizeHeading, alignLeft, greyText)
	d.rule(margin, d.y, margin+contentW, d.y, 0.6, greyRule)
	d.gap(2.5 * mm)
}

// Paragraph adds body text. Explicit newlines start new lines and a blank
// line leaves an empty line.
func (d *Doc) Paragraph(text string) {
	d.flow(text, sizeBody, alignLeft, greyText)
	d.gap(sizeBody * 0.6)
}

// SmallPrint adds text in small grey type, for notes and references.
func (d *Doc) SmallPrint(text string) {
	d.flow(text, sizeSmall, alignLeft, greySmall)
	d.gap(sizeSmall * 0.6)
}

// Spacer adds vertical space of the given height in millimetres. Space
// that reaches the bottom of a page ends the page.
func (d *Doc) Spacer(millimetres float64) {
	if millimetres > 0 {
		d.gap(millimetres * mm)
	}
}

// Bytes finishes the document and returns the PDF. Further calls return
// the same bytes; content added after the first call is an error.
func (d *Doc) Bytes() ([]byte, error) {
	if d.done {
		if d.err != nil {
			return nil, d.err
		}
		return d.out, nil
	}
	d.done = true
	if d.err != nil {
		return nil, d.err
	}
	if d.pages == 0 {
		d.newPage()
	}
	for i := 1; i <= d.pages && !d.bare; i++ {
		label := fmt.Sprintf("%d / %d", i, d.pages)
		if err := d.gp.FillInPlaceHoldText(pageLabel(i), label, gopdf.Center); err != nil {
			d.fail(fmt.Errorf("pdf: number page %d: %w", i, err))
			return nil, d.err
		}
	}
	var buf bytes.Buffer
	if _, err := d.gp.WriteTo(&buf); err != nil {
		d.fail(fmt.Errorf("pdf: write: %w", err))
		return nil, d.err
	}
	d.out = buf.Bytes()
	return d.out, nil
}

// WriteTo finishes the document like Bytes and writes the PDF to w.
func (d *Doc) WriteTo(w io.Writer) (int64, error) {
	b, err := d.Bytes()
	if err != nil {
		return 0, err
	}
	n, err := w.Write(b)
	return int64(n), err
}

// Pages returns the number of pages laid out so far.
func (d *Doc) Pages() int { return d.pages }

type align int

const (
	alignLeft align = iota
	alignCenter
	alignRight
)

var errFinished = errors.New("pdf: document already finished")

// ok reports whether the document can still take content.
func (d *Doc) ok() bool {
	if d.done && d.err == nil {
		d.err = errFinished
	}
	return d.err == nil
}

func (d *Doc) fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

func pageLabel(n int) string { return fmt.Sprintf("page-%d", n) }

// newPage ends the current page and starts the next with its footer.
func (d *Doc) newPage() {
	d.gp.AddPage()
	d.pages++
	d.y = contentTop
	if d.bare {
		return
	}
	// The footer is a placeholder filled in by Bytes, when the number of
	// pages is known.
	d.setFont(sizeFooter, greySmall)
	d.gp.SetXY(margin, footerBase)
	if err := d.gp.PlaceHolderText(pageLabel(d.pages), contentW); err != nil {
		d.fail(fmt.Errorf("pdf: page footer: %w", err))
	}
}

// ensure starts a new page unless h points fit below the current position.
func (d *Doc) ensure(h float64) {
	if d.pages == 0 || (d.y+h > contentBot && d.y > contentTop) {
		d.newPage()
	}
}

// gap moves down by h points; at the bottom of a page the next block starts
// on a new page.
func (d *Doc) gap(h float64) {
	if d.pages == 0 || !d.ok() {
		return
	}
	d.y = math.Min(d.y+h, contentBot+1)
}

func (d *Doc) setFont(size float64, grey uint8) {
	if size != d.size {
		if err := d.gp.SetFontSize(size); err != nil {
			d.fail(fmt.Errorf("pdf: font size: %w", err))
		}
		d.size = size
	}
	d.gp.SetTextColor(grey, grey, grey)
}

// runeWidth returns the advance width of r at a font size of 1 pt.
func (d *Doc) runeWidth(r rune) float64 {
	if w, ok := d.widths[r]; ok {
		return w
	}
	w, err := d.gp.MeasureTextWidth(string(r))
	if err != nil {
		d.fail(fmt.Errorf("pdf: measure %q: %w", r, err))
		return 0
	}
	w /= d.size
	d.widths[r] = w
	return w
}

func (d *Doc) textWidth(s string, size float64) float64 {
	var w float64
	for _, r := range s {
		w += d.runeWidth(r)
	}
	return w * size
}

// wrap breaks text into lines that fit width at the given size.
func (d *Doc) wrap(text string, size, width float64) []string {
	return wrapText(text, width/size, d.runeWidth)
}

// flow adds wrapped text across the full width, breaking pages between lines.
func (d *Doc) flow(text string, size float64, a align, grey uint8) {
	if !d.ok() {
		return
	}
	d.ensure(size * leading)
	d.drawLines(d.wrap(text, size, contentW), margin, contentW, size, a, grey)
}

// drawLines draws lines from the current position down, one line box of
// size*leading each, starting a new page when a line does not fit.
func (d *Doc) drawLines(lines []string, x, width, size float64, a align, grey uint8) {
	lh := size * leading
	for _, line := range lines {
		d.ensure(lh)
		d.drawText(line, x, d.y, width, lh, size, a, grey)
		d.y += lh
	}
}

// drawText draws one line of text in the line box whose top is y.
func (d *Doc) drawText(line string, x, y, width, lh, size float64, a align, grey uint8) {
	if line == "" || d.err != nil {
		return
	}
	d.setFont(size, grey)
	switch a {
	case alignCenter:
		x += (width - d.textWidth(line, size)) / 2
	case alignRight:
		x += width - d.textWidth(line, size)
	}
	d.gp.SetXY(x, y+(lh-size)/2)
	if err := d.gp.Cell(nil, line); err != nil {
		d.fail(fmt.Errorf("pdf: text: %w", err))
	}
}

// rule draws a straight line of the given width and grey.
func (d *Doc) rule(x1, y1, x2, y2, width float64, grey uint8) {
	if d.err != nil {
		return
	}
	d.gp.SetLineWidth(width)
	d.gp.SetStrokeColor(grey, grey, grey)
	d.gp.Line(x1, y1, x2, y2)
}

// rect draws a rectangle, filled with fill when fill is not 255 and
// outlined with stroke when stroke is not 255.
func (d *Doc) rect(x, y, w, h float64, fill, stroke uint8) {
	if d.err != nil {
		return
	}
	style := ""
	if fill != 255 {
		d.gp.SetFillColor(fill, fill, fill)
		style += "F"
	}
	if stroke != 255 {
		d.gp.SetLineWidth(0.5)
		d.gp.SetStrokeColor(stroke, stroke, stroke)
		style += "D"
	}
	if style == "" {
		return
	}
	d.gp.RectFromUpperLeftWithStyle(x, y, w, h, style)
}
