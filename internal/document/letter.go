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
	// their dates, channels, places and categories of conduct are the
	// letter's facts.
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
	// Certified lays the letter out for 内容証明郵便 (26 characters × 20
	// lines a page; Japanese only).
	Certified bool
}

// MeasureLetter fills the template with the measure's facts and lays the
// letter out as a PDF.
func MeasureLetter(in LetterInput) (File, error) {
	b, err := in.letterPDF(measureLetter(in))
	if err != nil {
		return File{}, fmt.Errorf("document: letter: %w", err)
	}
	if in.Certified {
		return CertifiedLetterFile(in.lang(), b), nil
	}
	return LetterFile(in.lang(), b), nil
}

func measureLetter(in LetterInput) pdf.LetterInput {
	m, t := in.Measure, in.Template
	var facts []string
	if in.lang() == "ja" && !hasLine(t.Body, in.t("letter.record")) {
		// The Japanese business letter sets its particulars apart: 記 … 以上
		// (以上 closes the letter). The built-in texts have 記 themselves; an
		// organisation's text from before them gets it here.
		facts = append(facts, in.t("letter.record"))
	}
	for i, c := range in.Cases {
		facts = append(facts, in.incident(i+1, c.Report, m.Incidents[c.ID]))
	}
	// The internal reason is never printed: the customer reads the text
	// written for them, or a neutral one.
	if text := strings.TrimSpace(m.CustomerText); text != "" {
		facts = append(facts, text)
	} else {
		facts = append(facts, in.t("letter.reason_default"))
	}
	// The customer is named by the layout: the body leaves {customer}
	// empty and says 貴殿 or 貴社 ({you}).
	a := in.Customer.Addressee
	you := in.t("letter.you_person")
	if a.Company {
		you = in.t("letter.you_company")
	}
	warning := ""
	if !in.WarnedAt.IsZero() && m.Level != kasuhara.LevelWarned {
		warning = in.t("letter.warned", map[string]any{"Date": in.date(in.WarnedAt)})
	}
	approved := ""
	if !m.ApprovedAt.IsZero() {
		approved = in.date(m.ApprovedAt)
	}
	premises := strings.TrimSpace(m.Premises)
	if premises == "" {
		premises = in.t("letter.premises_unrecorded")
	}
	body := t.Fill(map[string]string{"customer": "", "you": you, "company": in.Org, "facts": strings.Join(facts, "\n"), "premises": premises,
		"review": in.date(m.ReviewAt), "date": in.date(in.Now), "warning": warning, "approver": in.Approver, "approved": approved})
	from, fromLines, contact := in.sender(t.Contact)
	to, honorific := strings.TrimSpace(a.FormalName), ""
	if to == "" {
		to = in.Customer.DisplayName
	}
	if in.lang() == "ja" {
		honorific = "様"
		if a.Company {
			honorific = "御中"
		}
	}
	var toLines []string
	if addr := strings.TrimSpace(a.Address); addr != "" {
		toLines = strings.Split(addr, "\n")
	}
	return pdf.LetterInput{Lang: in.lang(), Date: in.in(in.Now), DateText: in.date(in.Now), To: to, Honorific: honorific, ToLines: toLines, From: from, FromLines: fromLines,
		Contact: contact, Title: t.Title, Body: strings.TrimSpace(body), PolicyRef: t.PolicyRef, Ref: MeasureRef(m), Certified: in.Certified}
}

// incident is one incident of a letter's facts: its number, the day it
// occurred in the organisation's zone, how and where (channel and place),
// and the conduct as the proposer stated it for the customer, or else the
// categories of conduct as the glossary names them.
func (in LetterInput) incident(n int, r kasuhara.Report, stated string) string {
	where := in.t("channel." + r.Channel)
	if l := strings.TrimSpace(r.Location); l != "" {
		where = in.t("letter.incident_place", map[string]any{"Channel": where, "Place": l})
	}
	var cats []string
	for _, c := range r.Categories {
		cats = append(cats, in.t("category."+string(c)))
	}
	data := map[string]any{"N": n, "Date": in.date(r.OccurredAt), "Where": where, "Conduct": strings.Join(cats, in.t("letter.list_sep"))}
	if stated = strings.TrimSpace(stated); stated != "" {
		data["Conduct"] = stated
		return in.t("letter.incident", data)
	}
	if len(cats) == 0 {
		return in.t("letter.incident_plain", data)
	}
	return in.t("letter.incident", data)
}

// hasLine reports whether text has a line that is exactly line.
func hasLine(text, line string) bool {
	for _, l := range strings.Split(text, "\n") {
		if strings.TrimSpace(l) == line {
			return true
		}
	}
	return false
}

// sender is the letter's sender (the legal name, else the organisation's
// name), the lines under it (address, representative) and the contact
// point: the desk, its telephone and the template's contact text.
func (in LetterInput) sender(templateContact string) (from string, lines []string, contact string) {
	return senderOf(in.Locale, in.Org, in.Sender, templateContact)
}

// senderOf is how a letter from the organisation org, signed as s, names
// its sender and contact point (see LetterInput.sender).
func senderOf(l Locale, org string, s kasuhara.Sender, templateContact string) (from string, lines []string, contact string) {
	from = strings.TrimSpace(s.LegalName)
	if from == "" {
		from = org
	}
	for _, line := range []string{s.Address, s.Representative} {
		if line = strings.TrimSpace(line); line != "" {
			lines = append(lines, line)
		}
	}
	var c []string
	if d := strings.TrimSpace(s.Desk); d != "" {
		c = append(c, d)
	}
	if p := strings.TrimSpace(s.Phone); p != "" {
		c = append(c, l.t("letter.phone", map[string]any{"Phone": p}))
	}
	if h := strings.TrimSpace(s.Hours); h != "" {
		c = append(c, l.t("letter.hours", map[string]any{"Hours": h}))
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

// CertifiedLetterFile is the file of a letter laid out for 内容証明郵便.
func CertifiedLetterFile(lang string, data []byte) File {
	return File{Name: "letter-certified-" + lang + ".pdf", Type: TypePDF, Data: data}
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
	Org string
	// Sender is how the organisation signs its letters (its settings),
	// as for LetterInput.
	Sender   kasuhara.Sender
	Post     *kasuhara.OnlinePost
	Template *kasuhara.RemovalTemplate
	// Rights are the rights the request asserts (kasuhara.RightHonour,
	// kasuhara.RightPrivacy): only those are named.
	Rights []string
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
	// The employee is named only with their consent on record.
	employees := in.t("removal.employee")
	if names := strings.TrimSpace(p.EmployeesNamed); names != "" && p.Consent.Given() {
		employees = in.t("removal.employee_named", map[string]any{"Names": names})
	}
	var rights, reasons []string
	for _, r := range in.Rights {
		rights = append(rights, in.t("removal.right."+r))
		reasons = append(reasons, in.t("removal.reason."+r))
	}
	asserted := strings.Join(rights, "")
	if len(rights) == 2 {
		asserted = in.t("removal.rights_and", map[string]any{"A": rights[0], "B": rights[1]})
	}
	from, fromLines, contact := senderOf(in.Locale, in.Org, in.Sender, "")
	if contact == "" {
		contact = in.t("removal.contact")
	}
	body := t.Fill(map[string]string{"company": from, "url": p.URL, "platform": p.Platform, "author": p.AuthorHandle, "posted": in.dateTime(p.PostedAt),
		"captured": in.dateTime(p.CapturedAt), "text": p.CapturedText, "employees": employees, "rights": asserted, "reasons": strings.Join(reasons, "\n")})
	// A platform is a company: 御中 in Japanese, or ご担当者様 when its
	// name is not recorded.
	to, honorific := strings.TrimSpace(p.Platform), ""
	if in.lang() == "ja" {
		honorific = "御中"
	}
	if to == "" {
		to, honorific = in.t("removal.to_unknown"), ""
	}
	return pdf.LetterInput{Lang: in.lang(), Date: in.in(in.Now), DateText: in.date(in.Now), To: to, Honorific: honorific, From: from, FromLines: fromLines, Title: t.Title,
		Body: body, Contact: contact}
}
