package document

import (
	"fmt"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/pdf"
)

// LetterInput is a letter to a customer about a measure in force (a
// warning, or the end of dealings), from the organisation's template.
type LetterInput struct {
	Locale
	// Now dates the letter.
	Now time.Time
	// Org is the organisation's name, the sender.
	Org string
	// Sender is how the organisation signs its letters (its settings);
	// the legal name replaces Org when set.
	Sender   kasuhara.Sender
	Customer *kasuhara.Customer
	Measure  *kasuhara.Measure
	// Cases are the cases the measure rests on that the caller may see;
	// their dates and channels are the letter's facts.
	Cases []kasuhara.Case
	// WarnedAt is when a warning letter was issued to this customer (the
	// latest one kept on record), zero when none was. Only then does the
	// letter say that the conduct continued after a warning.
	WarnedAt time.Time
	// Template is the organisation's letter of the measure's kind in the
	// letter's language.
	Template *kasuhara.LetterTemplate
	// Approver is the name of the legal member who approved the measure
	// ({approver}); empty for a preview of a proposal.
	Approver string
}

// MeasureLetter fills the template with the measure's facts and lays the
// letter out as a PDF.
func MeasureLetter(in LetterInput) (File, error) {
	b, err := in.letterPDF(measureLetter(in))
	if err != nil {
		return File{}, fmt.Errorf("document: letter: %w", err)
	}
	return LetterFile(in.lang(), b), nil
}

func measureLetter(in LetterInput) pdf.LetterInput {
	m, t := in.Measure, in.Template
	var facts []string
	if in.lang() == "ja" {
		// The Japanese business letter sets its particulars apart: 記 … 以上
		// (以上 closes the letter).
		facts = append(facts, in.t("letter.record"))
	}
	for _, c := range in.Cases {
		facts = append(facts, "・"+in.date(c.Report.OccurredAt)+" "+in.t("channel."+c.Report.Channel))
	}
	// The internal reason is never printed: the customer reads the text
	// written for them, or a neutral one.
	if text := strings.TrimSpace(m.CustomerText); text != "" {
		facts = append(facts, text)
	} else {
		facts = append(facts, in.t("letter.reason_default"))
	}
	// The customer is named by the layout, with 様 in Japanese: the body
	// leaves {customer} empty.
	warning := ""
	if !in.WarnedAt.IsZero() && m.Level != kasuhara.LevelWarned {
		warning = in.t("letter.warned", map[string]any{"Date": in.date(in.WarnedAt)})
	}
	approved := ""
	if !m.ApprovedAt.IsZero() {
		approved = in.date(m.ApprovedAt)
	}
	body := t.Fill(map[string]string{"customer": "", "company": in.Org, "facts": strings.Join(facts, "\n"),
		"review": in.date(m.ReviewAt), "date": in.date(in.Now), "warning": warning, "approver": in.Approver, "approved": approved})
	from, fromLines, contact := in.sender(t.Contact)
	return pdf.LetterInput{Lang: in.lang(), Date: in.in(in.Now), To: in.Customer.DisplayName, From: from, FromLines: fromLines, Contact: contact,
		Title: t.Title, Body: strings.TrimSpace(body), PolicyRef: t.PolicyRef, Ref: MeasureRef(m)}
}

// sender is the letter's sender (the legal name, else the organisation's
// name), the lines under it (address, representative) and the contact
// point: the desk, its telephone and the template's contact text.
func (in LetterInput) sender(templateContact string) (from string, lines []string, contact string) {
	s := in.Sender
	from = strings.TrimSpace(s.LegalName)
	if from == "" {
		from = in.Org
	}
	for _, l := range []string{s.Address, s.Representative} {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	var c []string
	if d := strings.TrimSpace(s.Desk); d != "" {
		c = append(c, d)
	}
	if p := strings.TrimSpace(s.Phone); p != "" {
		c = append(c, in.t("letter.phone", map[string]any{"Phone": p}))
	}
	if t := strings.TrimSpace(templateContact); t != "" {
		c = append(c, t)
	}
	return from, lines, strings.Join(c, "\n")
}

// LetterFile is the file of a letter in lang, such as one kept on record.
func LetterFile(lang string, data []byte) File {
	return File{Name: "letter-" + lang + ".pdf", Type: TypePDF, Data: data}
}

// MeasureRef is the reference number of a measure's letter.
func MeasureRef(m *kasuhara.Measure) string {
	return m.Ref()
}

// RemovalInput is a request to a platform to remove a post.
type RemovalInput struct {
	Locale
	// Now dates the request.
	Now time.Time
	// Org is the organisation's name, the sender.
	Org      string
	Post     *kasuhara.OnlinePost
	Template *kasuhara.RemovalTemplate
}

// RemovalRequest drafts, as a PDF, the request to remove a post with its
// facts filled in; the desk reviews it before sending.
func RemovalRequest(in RemovalInput) (File, error) {
	b, err := in.letterPDF(removalLetter(in))
	if err != nil {
		return File{}, fmt.Errorf("document: removal request: %w", err)
	}
	return File{Name: "removal-request-" + in.lang() + ".pdf", Type: TypePDF, Data: b}, nil
}

func removalLetter(in RemovalInput) pdf.LetterInput {
	p, t := in.Post, in.Template
	posted := ""
	if !p.PostedAt.IsZero() {
		posted = in.date(p.PostedAt)
	}
	body := t.Fill(map[string]string{"company": in.Org, "url": p.URL, "platform": p.Platform, "author": p.AuthorHandle, "posted": posted,
		"captured": in.date(p.CapturedAt), "text": p.CapturedText, "employees": p.EmployeesNamed})
	return pdf.LetterInput{Lang: in.lang(), Date: in.in(in.Now), To: p.Platform, From: in.Org, Title: t.Title,
		Body: body, Contact: in.t("removal.contact")}
}
