package pdf

import (
	"fmt"
	"strings"
	"time"
)

// LetterInput is a letter to a customer, such as a warning or a notice that
// the company ends its dealings with them. All text arrives filled in and in
// the letter's language; the package adds only the labels of the layout.
type LetterInput struct {
	// Lang is "ja" (the default when empty) or "en".
	Lang string
	// Date is the date printed on the letter and the PDF creation date.
	// Required.
	Date time.Time
	// To is the customer's name as addressed, without an honorific: 様 is
	// added in Japanese. Empty leaves out the addressee.
	To string
	// From is the company's name. Required.
	From string
	// FromLines follow the name, one a line: address, representative.
	// Optional.
	FromLines []string
	// Contact is the contact point: department, phone, address, one item a
	// line. Printed in a box at the end; empty leaves the box out.
	Contact string
	// Title is the subject, printed centred above the body. Required.
	Title string
	// Body is the text of the letter, paragraphs separated by blank lines.
	// Required.
	Body string
	// PolicyRef names the company policy the letter rests on, such as
	// "カスタマーハラスメントに対する基本方針（2026年4月1日）". Optional.
	PolicyRef string
	// Ref is the letter's reference number, printed top right. Optional.
	Ref string
}

// letterLabels are the fixed words of a letter in one language.
type letterLabels struct {
	ref, policy, contact, to, end string
	date                          func(time.Time) string
}

var letterText = map[string]letterLabels{
	"ja": {ref: "文書番号：", policy: "対応方針：", contact: "【お問い合わせ先】", to: "%s 様", end: "以上", date: dateJA},
	"en": {ref: "Ref: ", policy: "Policy: ", contact: "Contact", to: "%s", date: dateEN},
}

// inLang is what texts holds for lang ("" is Japanese); what names the
// document in the error of another language.
func inLang[T any](texts map[string]T, lang, what string) (T, error) {
	if lang == "" {
		lang = "ja"
	}
	v, ok := texts[lang]
	if !ok {
		return v, fmt.Errorf("pdf: %s: Lang must be \"ja\" or \"en\", not %q", what, lang)
	}
	return v, nil
}

func dateJA(t time.Time) string { return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day()) }
func dateEN(t time.Time) string { return t.Format("2 January 2006") }

// Letter lays out a business letter in the Japanese manner and returns the
// PDF: reference number and date top right, the addressee top left, the
// sender below on the right, the title centred, the body, the policy it
// rests on, the contact point in a box and, in Japanese, 以上 at the end.
// The output depends only on l.
func Letter(l LetterInput) ([]byte, error) {
	lb, err := inLang(letterText, l.Lang, "letter")
	if err != nil {
		return nil, err
	}
	switch {
	case l.Date.IsZero():
		return nil, fmt.Errorf("pdf: letter: Date is required")
	case strings.TrimSpace(l.From) == "":
		return nil, fmt.Errorf("pdf: letter: From is required")
	case strings.TrimSpace(l.Title) == "":
		return nil, fmt.Errorf("pdf: letter: Title is required")
	case strings.TrimSpace(l.Body) == "":
		return nil, fmt.Errorf("pdf: letter: Body is required")
	}
	d, err := NewWithOptions(Options{
		Title:  l.Title,
		Author: l.From,
		Now:    func() time.Time { return l.Date },
	})
	if err != nil {
		return nil, fmt.Errorf("pdf: letter: %w", err)
	}
	if l.Ref != "" {
		d.flow(lb.ref+l.Ref, sizeBody, alignRight, greyText)
	}
	d.flow(lb.date(l.Date), sizeBody, alignRight, greyText)
	d.Spacer(6)
	if to := strings.TrimSpace(l.To); to != "" {
		d.flow(fmt.Sprintf(lb.to, to), 12, alignLeft, greyText)
		d.Spacer(4)
	}
	d.flow(l.From, 11, alignRight, greyText)
	for _, line := range l.FromLines {
		if line = strings.TrimSpace(line); line != "" {
			d.flow(line, sizeBody, alignRight, greyText)
		}
	}
	d.Spacer(10)
	d.flow(l.Title, 14, alignCenter, greyText)
	d.Spacer(8)
	d.Paragraph(strings.TrimSpace(l.Body))
	if l.PolicyRef != "" {
		d.Spacer(3)
		d.flow(lb.policy+l.PolicyRef, sizeBody, alignLeft, greyText)
	}
	if strings.TrimSpace(l.Contact) != "" {
		d.Spacer(6)
		d.box(lb.contact, strings.TrimSpace(l.Contact), sizeBody)
	}
	if lb.end != "" {
		d.Spacer(4)
		d.flow(lb.end, sizeBody, alignRight, greyText)
	}
	b, err := d.Bytes()
	if err != nil {
		return nil, fmt.Errorf("pdf: letter: %w", err)
	}
	return b, nil
}

// box adds a framed block with a heading, kept on one page when it fits.
func (d *Doc) box(heading, text string, size float64) {
	if !d.ok() {
		return
	}
	const pad = 3 * mm
	lh := size * leading
	inner := contentW - 2*pad
	lines := append(d.wrap(heading, size, inner), d.wrap(text, size, inner)...)
	h := float64(len(lines))*lh + 2*pad
	d.ensure(h)
	if d.y+h <= contentBot {
		d.rect(margin, d.y, contentW, h, 255, greyRule)
		d.y += pad
		d.drawLines(lines, margin+pad, inner, size, alignLeft, greyText)
		d.y += pad
		return
	}
	// Longer than a page: no frame.
	d.drawLines(lines, margin+pad, inner, size, alignLeft, greyText)
}
