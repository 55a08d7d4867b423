package pdf

import (
	"cmp"
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
	// DateText, when set, is printed instead of Date as the caller writes
	// it (such as in the organisation's choice of era).
	DateText string
	// To is the addressee's name, without an honorific. Empty leaves out
	// the addressee.
	To string
	// Honorific follows To: 様 for a person, 御中 for a company or a
	// platform, "" in English.
	Honorific string
	// ToLines precede the name, one a line: the postal address. Optional.
	ToLines []string
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
	// Certified lays the letter out for 内容証明郵便 (Japanese only): see
	// CertifiedChars and CertifiedLines.
	Certified bool
}

// The post office's rule for a 内容証明郵便 written horizontally: at most
// 26 characters a line and 20 lines a page, every character (kana, kanji,
// digits, letters, punctuation, spaces) counting as one.
const (
	CertifiedChars = 26
	CertifiedLines = 20
)

// letterLabels are the fixed words of a letter in one language.
type letterLabels struct {
	ref, policy, contact, end string
	date                      func(time.Time) string
}

var letterText = map[string]letterLabels{
	"ja": {ref: "文書番号：", policy: "根拠となる方針：", contact: "【連絡先】", end: "以上", date: dateJA},
	"en": {ref: "Ref: ", policy: "Policy: ", contact: "Contact", date: dateEN},
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
	if l.Certified && cmp.Or(l.Lang, "ja") != "ja" {
		return nil, fmt.Errorf("pdf: letter: a 内容証明 layout is for a Japanese letter only")
	}
	d, err := NewWithOptions(Options{
		Title:  l.Title,
		Author: l.From,
		Now:    func() time.Time { return l.Date },
	})
	if err != nil {
		return nil, fmt.Errorf("pdf: letter: %w", err)
	}
	if l.Certified {
		return d.certified(l, lb)
	}
	if l.Ref != "" {
		d.flow(lb.ref+l.Ref, sizeBody, alignRight, greyText)
	}
	d.flow(l.dateText(lb), sizeBody, alignRight, greyText)
	d.Spacer(6)
	if to := strings.TrimSpace(l.To); to != "" {
		for _, line := range l.ToLines {
			if line = strings.TrimSpace(line); line != "" {
				d.flow(line, sizeBody, alignLeft, greyText)
			}
		}
		if h := strings.TrimSpace(l.Honorific); h != "" {
			to += " " + h
		}
		d.flow(to, 12, alignLeft, greyText)
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
	d.letterBody(strings.TrimSpace(l.Body))
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

// dateText is the letter's date as printed.
func (l LetterInput) dateText(lb letterLabels) string {
	if t := strings.TrimSpace(l.DateText); t != "" {
		return t
	}
	return lb.date(l.Date)
}

// certified lays the letter out for 内容証明郵便: its whole text (date,
// addressee, sender, subject, body, policy, contact point, 以上) as plain
// lines of at most CertifiedChars characters, CertifiedLines lines a page,
// without page numbers or frames, in a large type on a wide line pitch.
// Blank lines are left out: they would count as lines.
func (d *Doc) certified(l LetterInput, lb letterLabels) ([]byte, error) {
	var text []string
	add := func(s string) {
		for _, line := range strings.Split(s, "\n") {
			if line = strings.TrimSpace(line); line != "" {
				text = append(text, line)
			}
		}
	}
	if l.Ref != "" {
		add(lb.ref + l.Ref)
	}
	add(l.dateText(lb))
	if to := strings.TrimSpace(l.To); to != "" {
		add(strings.Join(l.ToLines, "\n"))
		if h := strings.TrimSpace(l.Honorific); h != "" {
			to += " " + h
		}
		add(to)
	}
	add(l.From)
	add(strings.Join(l.FromLines, "\n"))
	add(l.Title)
	add(l.Body)
	if l.PolicyRef != "" {
		add(lb.policy + l.PolicyRef)
	}
	if c := strings.TrimSpace(l.Contact); c != "" {
		add(lb.contact)
		add(c)
	}
	add(lb.end)
	var lines []string
	for _, t := range text {
		lines = append(lines, CertifiedWrap(t)...)
	}
	d.bare = true
	const size, lh = 14.0, 30.0
	for i, line := range lines {
		if i%CertifiedLines == 0 {
			d.newPage()
			d.y = contentTop + 10*mm
		}
		d.drawText(line, margin+15*mm, d.y, contentW, lh, size, alignLeft, greyText)
		d.y += lh
	}
	b, err := d.Bytes()
	if err != nil {
		return nil, fmt.Errorf("pdf: letter: %w", err)
	}
	return b, nil
}

// CertifiedWrap breaks a line of text into lines of at most CertifiedChars
// characters, with the same rules of line breaking as the other layouts
// (no closing bracket or punctuation at the start of a line), counting
// every character as one.
func CertifiedWrap(line string) []string {
	var out []string
	for _, l := range wrapText(line, CertifiedChars, func(rune) float64 { return 1 }) {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// letterBody adds the body of a letter: its text flows left-aligned, and a
// line that is only 記 (which opens the particulars of a Japanese letter)
// is centred, as the convention has it.
func (d *Doc) letterBody(body string) {
	var chunk []string
	flush := func() {
		if len(chunk) > 0 {
			d.flow(strings.Join(chunk, "\n"), sizeBody, alignLeft, greyText)
			chunk = nil
		}
	}
	for _, line := range strings.Split(body, "\n") {
		if strings.TrimSpace(line) == "記" {
			flush()
			d.flow("記", sizeBody, alignCenter, greyText)
			continue
		}
		chunk = append(chunk, line)
	}
	flush()
	d.gap(sizeBody * 0.6)
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
